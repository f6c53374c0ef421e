package labtest

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"
)

// leakPatience is how long Main waits for the goroutines that tests
// started to return.
const leakPatience = 10 * time.Second

// Main runs a package's tests and benchmarks, as its TestMain must, then
// the functions after (which let go of what the tests shared), and then
// checks that they left no goroutine running, as coder/websocket's
// main_test.go does: the number of goroutines must come back, within
// leakPatience, to what it was before they ran. If it does not, Main
// prints every goroutine's stack and exits with status 1. Every package
// that starts goroutines calls it:
//
//	func TestMain(m *testing.M) { labtest.Main(m) }
func Main(m *testing.M, after ...func()) {
	before := runtime.NumGoroutine()
	code := m.Run()
	for _, f := range after {
		f()
	}
	// Connections that net/http's default client keeps for reuse are
	// the client's, not a leak of the code under test: close them.
	http.DefaultClient.CloseIdleConnections()
	if err := WaitGoroutines(before, leakPatience); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// WaitGoroutines waits until no more than want goroutines run, for at
// most patience; then it returns an error holding every goroutine's stack.
func WaitGoroutines(want int, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("leaked goroutines: %d, want %d:\n%s", n, want, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
