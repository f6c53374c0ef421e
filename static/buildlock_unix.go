//go:build unix

package static

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockBuild takes the build folder's lock, which processes building
// lab.wasm at once (the packages of `go test ./...` run in parallel) take
// in turn, so that one does not remove what another just built; it
// returns the function that lets it go.
func lockBuild(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing the file lets the lock go
}
