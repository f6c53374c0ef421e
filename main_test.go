package main

import (
	"os"
	"testing"

	"github.com/socketlab/socketlab/lab/labtest"
)

// TestMain fails the package if its tests leave goroutines behind. Run
// with childServeEnv set, the test binary is a child server instead
// (see serve_linux_test.go).
func TestMain(m *testing.M) {
	if args := os.Getenv(childServeEnv); args != "" {
		os.Exit(childServe(args))
	}
	labtest.Main(m)
}
