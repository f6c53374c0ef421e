package main

import (
	"os"
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
)

// TestMain fails the package if its tests leave goroutines behind. Run
// with childServeEnv set, the test binary is a child server instead
// (see serve_linux_test.go); with childRunEnv set, it is socketlab, its
// arguments the command line (a soak's server, see bench_test.go).
func TestMain(m *testing.M) {
	if args := os.Getenv(childServeEnv); args != "" {
		os.Exit(childServe(args))
	}
	if os.Getenv(childRunEnv) != "" {
		os.Exit(childRun(os.Args[1:]))
	}
	labtest.Main(m)
}
