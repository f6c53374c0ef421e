package static

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// WasmPackage is the package built into lab.wasm.
const WasmPackage = "./wasm"

// WasmBuildFlags are the one place the flags of the browser build live
// (Taskfile.yml's wasm task repeats them, and a test checks that it does).
// -gcflags=all=-l turns inlining off: lab.wasm is about 9% smaller
// brotli-compressed (the download the 2.0 MB budget is about), and the
// tab's stack spends about 1.7 times the CPU per packet, some tens of
// microseconds, which a student making calls by hand does not notice.
var WasmBuildFlags = []string{"-trimpath", "-gcflags=all=-l", "-ldflags=-s -w"}

// BuildDir is where the built browser client lands, inside the module.
const BuildDir = "static/build"

// EnsureWasm builds lab.wasm into moduleDir/static/build, and copies
// wasm_exec.js from the Go toolchain beside it, unless what is there was
// built from the sources as they are now. It says what it does on log.
func EnsureWasm(ctx context.Context, moduleDir string, log *slog.Logger) error {
	dir := filepath.Join(moduleDir, BuildDir)
	stamp, err := sourceStamp(ctx, moduleDir)
	if err != nil {
		return fmt.Errorf("check lab.wasm sources: %w", err)
	}
	stampPath := filepath.Join(dir, "lab.wasm.stamp")
	if old, err := os.ReadFile(stampPath); err == nil && string(old) == stamp {
		if _, err := os.Stat(filepath.Join(dir, "lab.wasm")); err == nil {
			return nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	log.Info("building the browser client (lab.wasm); the first build takes a minute")
	start := time.Now()
	args := append([]string{"build"}, WasmBuildFlags...)
	args = append(args, "-o", filepath.Join(dir, "lab.wasm"), WasmPackage)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build lab.wasm: %w\n%s", err, out)
	}
	if err := copyWasmExec(ctx, dir); err != nil {
		return err
	}
	st, _ := os.Stat(filepath.Join(dir, "lab.wasm"))
	log.Info("built lab.wasm", "bytes", st.Size(), "took", time.Since(start).Round(100*time.Millisecond))
	return os.WriteFile(stampPath, []byte(stamp), 0o644)
}

// sourceStamp hashes what lab.wasm is built from: the Go toolchain, the
// build flags, the module's requirements, and the name, size and time of
// every file of the module's own packages it imports.
func sourceStamp(ctx context.Context, moduleDir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-f",
		`{{if not .Standard}}{{if .Module}}{{if .Module.Main}}{{.Dir}}{{"\t"}}{{join .GoFiles "\t"}}{{end}}{{end}}{{end}}`, WasmPackage)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	h := sha256.New()
	v, _ := exec.CommandContext(ctx, "go", "version").Output()
	h.Write(v)
	fmt.Fprintf(h, "%q\n", WasmBuildFlags)
	files := []string{filepath.Join(moduleDir, "go.mod"), filepath.Join(moduleDir, "go.sum")}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		for _, f := range fields[1:] {
			files = append(files, filepath.Join(fields[0], f))
		}
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyWasmExec copies the toolchain's wasm_exec.js, which must match the
// Go that built lab.wasm; it is never committed.
func copyWasmExec(ctx context.Context, dir string) error {
	root, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("find GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(root))
	var src *os.File
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		if src, err = os.Open(filepath.Join(goroot, p)); err == nil {
			break
		}
	}
	if src == nil {
		return errors.New("copy wasm_exec.js: not found in GOROOT")
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(dir, "wasm_exec.js"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// ModuleDir finds the socketlab source checkout the process runs in, as
// `go run .` does; ok is false when there is none (a release binary run
// elsewhere), and then the embedded build is used.
func ModuleDir(ctx context.Context) (dir string, ok bool) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", false
	}
	gomod := strings.TrimSpace(string(out))
	b, err := os.ReadFile(gomod)
	if err != nil || !bytes.HasPrefix(b, []byte("module github.com/socketlab/socketlab\n")) {
		return "", false
	}
	return filepath.Dir(gomod), true
}
