//go:build unix

package loadgen

import (
	"runtime"
	"syscall"
	"time"
)

// openFilesLimit is the process's bound on open files (RLIMIT_NOFILE);
// false where it cannot be read.
func openFilesLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return uint64(lim.Cur), true
}

// selfUsage is the CPU time this process has used and its peak resident
// memory in bytes; false where they cannot be read.
func selfUsage() (cpu time.Duration, peakRSS uint64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	peakRSS = uint64(ru.Maxrss) // kilobytes on Linux, bytes on macOS
	if runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
		peakRSS *= 1024
	}
	return cpu, peakRSS, true
}
