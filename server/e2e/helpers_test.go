package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the module's directory, seen from this package's: lab.wasm is
// built from it, and the examples are read from it.
const root = "../.."

// tcpEcho is examples/tcp-echo.lab as a student types it into the
// console: its lines of code, without the comments the example aligns
// after them.
func tcpEcho(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "examples", "tcp-echo.lab"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		code, _, _ := strings.Cut(line, "  #")
		if code = strings.TrimSpace(code); code != "" && !strings.HasPrefix(code, "#") {
			lines = append(lines, code)
		}
	}
	if len(lines) != 5 || lines[3] != "s.recv(1024)" {
		t.Fatalf("examples/tcp-echo.lab is not the TCP echo these tests expect: %q", lines)
	}
	return lines
}
