//go:build unix

package simnet

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, on every core, so the
// benchmarks can report work done apart from how busy the machine is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
