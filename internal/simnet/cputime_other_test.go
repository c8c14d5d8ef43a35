//go:build !unix

package simnet

import "time"

// cpuTime is not measured where getrusage is missing; the orders/cpu-s
// metric is then left out.
func cpuTime() time.Duration { return 0 }
