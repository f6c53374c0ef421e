package static

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
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
// built from the sources as they are now. It keeps lab.wasm compressed
// beside it too, for Handler to serve: lab.wasm.gz, made before it
// returns (a second or two), and lab.wasm.br, made in the background
// (about a minute, see BrotliQuality) until it is done or ctx is; until
// then browsers get the gzip one. It says what it does on log.
func EnsureWasm(ctx context.Context, moduleDir string, log *slog.Logger) error {
	_, err := ensureWasm(ctx, moduleDir, log)
	return err
}

// BrotliQuality is the quality lab.wasm.br is made at. Measured on the
// 12.5 MB lab.wasm on a 2-core VM (andybalholm/brotli v1.3.0, window
// 2^24): quality 6 gives 2.28 MB in 0.7 s, 9 gives 2.23 MB in 4 s, 10
// 1.98 MB in 30 s, 11 1.93 MB in 55 s. Only 10 and 11 are within the
// 2.0 MB budget, and 10 by 1%; the minute is spent in the background,
// once per build.
const BrotliQuality = 11

// Compressed names: the encodings Handler serves, made beside lab.wasm.
const (
	gzipExt   = ".gz"
	brotliExt = ".br"
)

// ensureWasm is EnsureWasm; brDone receives the background brotli
// compression's outcome, once (at once if lab.wasm.br is already there).
func ensureWasm(ctx context.Context, moduleDir string, log *slog.Logger) (brDone <-chan error, err error) {
	dir := filepath.Join(moduleDir, BuildDir)
	raw := filepath.Join(dir, "lab.wasm")
	unlock, err := lockBuild(dir)
	if err != nil {
		return nil, fmt.Errorf("lock the build of lab.wasm: %w", err)
	}
	defer unlock()
	stamp, err := sourceStamp(ctx, moduleDir)
	if err != nil {
		return nil, fmt.Errorf("check lab.wasm sources: %w", err)
	}
	stampPath := raw + ".stamp"
	if !upToDate(stampPath, stamp, raw) {
		if err := build(ctx, moduleDir, dir, log); err != nil {
			return nil, err
		}
		if err := os.WriteFile(stampPath, []byte(stamp), 0o644); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(raw + gzipExt); err != nil {
		start := time.Now()
		n, err := compress(ctx, raw, gzipExt, stampPath, stamp, func(w io.Writer) (io.WriteCloser, error) {
			return gzip.NewWriterLevel(w, gzip.BestCompression)
		})
		if err != nil {
			return nil, fmt.Errorf("compress lab.wasm: %w", err)
		}
		log.Info("compressed lab.wasm with gzip", "bytes", n, "took", time.Since(start).Round(100*time.Millisecond))
	}
	done := make(chan error, 1)
	if _, err := os.Stat(raw + brotliExt); err == nil {
		done <- nil
		return done, nil
	}
	log.Info("compressing lab.wasm with brotli in the background (about a minute); until it is done, browsers get lab.wasm.gz", "quality", BrotliQuality)
	go func() {
		start := time.Now()
		n, err := compress(ctx, raw, brotliExt, stampPath, stamp, func(w io.Writer) (io.WriteCloser, error) {
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: BrotliQuality, LGWin: 24}), nil
		})
		switch {
		case err == nil:
			log.Info("compressed lab.wasm with brotli: browsers that accept br get it now", "bytes", n, "took", time.Since(start).Round(100*time.Millisecond))
		case ctx.Err() == nil:
			log.Warn("could not compress lab.wasm with brotli: browsers get lab.wasm.gz", "err", err)
		}
		done <- err
	}()
	return done, nil
}

// upToDate reports whether raw is there and was built from the sources
// whose stamp is recorded in stampPath.
func upToDate(stampPath, stamp, raw string) bool {
	old, err := os.ReadFile(stampPath)
	if err != nil || string(old) != stamp {
		return false
	}
	_, err = os.Stat(raw)
	return err == nil
}

// build builds lab.wasm into dir, first removing what was built from
// older sources, and copies wasm_exec.js beside it.
func build(ctx context.Context, moduleDir, dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw := filepath.Join(dir, "lab.wasm")
	for _, old := range []string{raw + ".stamp", raw + gzipExt, raw + brotliExt} {
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	log.Info("building the browser client (lab.wasm); the first build takes a minute")
	start := time.Now()
	args := append([]string{"build"}, WasmBuildFlags...)
	args = append(args, "-o", raw, WasmPackage)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build lab.wasm: %w\n%s", err, out)
	}
	if err := copyWasmExec(ctx, dir); err != nil {
		return err
	}
	st, err := os.Stat(raw)
	if err != nil {
		return err
	}
	log.Info("built lab.wasm", "bytes", st.Size(), "took", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// compress writes raw+ext, raw compressed by the writer newWriter makes,
// and returns its size. It writes a hidden temporary file and renames it
// into place only if raw is still the build stampPath records as stamp,
// so that Handler never serves a half-written file, nor one of another
// build. It stops early when ctx is done.
func compress(ctx context.Context, raw, ext, stampPath, stamp string, newWriter func(io.Writer) (io.WriteCloser, error)) (int64, error) {
	in, err := os.ReadFile(raw)
	if err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(raw), "."+filepath.Base(raw)+ext+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // fails once renamed, as it should
	w, err := newWriter(tmp)
	if err != nil {
		tmp.Close()
		return 0, err
	}
	const chunk = 256 << 10
	for len(in) > 0 && err == nil {
		n := min(chunk, len(in))
		if err = ctx.Err(); err == nil {
			_, err = w.Write(in[:n])
		}
		in = in[n:]
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		tmp.Close()
		return 0, err
	}
	st, err := tmp.Stat()
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if now, err := os.ReadFile(stampPath); err != nil || string(now) != stamp {
		return 0, errors.New("lab.wasm was rebuilt meanwhile")
	}
	return st.Size(), os.Rename(tmp.Name(), raw+ext)
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
	fmt.Fprintf(h, "%q brotli %d\n", WasmBuildFlags, BrotliQuality)
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
