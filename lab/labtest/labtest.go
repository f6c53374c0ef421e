// Package labtest holds what the tests of several packages share: the
// real programs of the machine they need (Wireshark's tshark, Debian's
// chromium), the packets they build, and the goroutine-leak check of
// their TestMain.
package labtest

import (
	"os"
	"os/exec"
	"testing"
)

// Need finds program on PATH for a test. When it is missing the test is
// skipped with a loud message saying what is not being checked and which
// Debian package brings it, except under CI=true, where it fails: CI must
// run the real thing.
func Need(t testing.TB, program, debianPackage, unchecked string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	msg := "!!! " + program + " is not installed (apt-get install " + debianPackage + "): " + unchecked + " is NOT checked"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
