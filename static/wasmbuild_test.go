package static

import (
	"os"
	"strings"
	"testing"
)

// TestTaskfileWasmFlags checks that `task wasm` builds lab.wasm with
// WasmBuildFlags, as `go run .` does.
func TestTaskfileWasmFlags(t *testing.T) {
	b, err := os.ReadFile("../Taskfile.yml")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range WasmBuildFlags {
		if name, value, ok := strings.Cut(f, "="); ok && strings.Contains(value, " ") {
			f = name + "='" + value + "'"
		}
		want = append(want, f)
	}
	cmd := "GOOS=js GOARCH=wasm go build " + strings.Join(want, " ") + " -o static/build/lab.wasm " + WasmPackage
	if !strings.Contains(string(b), cmd) {
		t.Errorf("Taskfile.yml's wasm task does not run\n\t%s", cmd)
	}
}
