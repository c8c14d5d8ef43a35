//go:build !unix

package catalog

import "time"

// cpuTime is not measured where getrusage is missing; the cpu-ns/row
// metric then reads 0.
func cpuTime() time.Duration { return 0 }
