//go:build unix

package server

import "syscall"

// fileLimit is the process's bound on open file descriptors (the soft
// RLIMIT_NOFILE); false if it cannot be read.
func fileLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return uint64(lim.Cur), true
}
