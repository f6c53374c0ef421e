package static

import (
	"bufio"
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
	"sync"
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

// modulePath is socketlab's module.
const modulePath = "github.com/socketlab/socketlab"

// BuildDir is where `go run .` and `task wasm` build the browser client,
// inside the module.
const BuildDir = "static/build"

// BrotliQuality is the quality lab.wasm.br is made at. Measured on the
// 12.5 MB lab.wasm on a 2-core VM (andybalholm/brotli v1.3.0, window
// 2^24): quality 6 gives 2.28 MB in 0.7 s, 9 gives 2.23 MB in 4 s, 10
// 1.98 MB in 30 s, 11 1.93 MB in 55 s. Only 10 and 11 are within the
// 2.0 MB budget, and 10 by 1%; the minute is spent in the background,
// once per build.
const BrotliQuality = 11

// What each stage of a build is expected to take on a 2-core machine
// (README.md, "Start it"): they are what the log and the lab page say
// before the build has gone far enough to say better.
const (
	expectPackage = 500 * time.Millisecond // compiling one package, on average
	expectLink    = 8 * time.Second
	expectGzip    = 2 * time.Second
	expectBrotli  = time.Minute
)

// logEvery is how often the log says how far the compiling is.
const logEvery = 15 * time.Second

// Compressed names: the encodings Handler serves, made beside lab.wasm.
const (
	gzipExt   = ".gz"
	brotliExt = ".br"
)

// BuildConfig says what StartBuild builds, from where, and where to.
type BuildConfig struct {
	// ModuleDir is the socketlab source checkout lab.wasm is built from.
	ModuleDir string
	// Dir is the folder lab.wasm is built in and served from; empty for
	// ModuleDir's static/build, where `task wasm` builds it too. What is
	// there is kept when it was built from the sources as they are now.
	Dir string
	// Brotli makes lab.wasm.br too, once lab.wasm is ready, in the
	// background (about a minute, see BrotliQuality); until it is there,
	// browsers get lab.wasm.gz.
	Brotli bool
	// Log receives each stage of the build with how long it is expected
	// to take; nil for slog.Default().
	Log *slog.Logger
}

// Stages of a build, as Progress names them.
const (
	StageWaiting     = "waiting"     // for another process building in the same folder
	StageChecking    = "checking"    // whether what is built is up to date
	StageCompiling   = "compiling"   // lab.wasm's packages
	StageLinking     = "linking"     // lab.wasm
	StageCompressing = "compressing" // lab.wasm with gzip
	StageReady       = "ready"       // lab.wasm can be served
	StageFailed      = "failed"
)

// Progress is how far a build of the browser client is, as the lab page
// shows it while it waits (GET /static/build/lab.json).
type Progress struct {
	Ready   bool   `json:"ready"`
	Stage   string `json:"stage"`
	Message string `json:"message"` // the stage in words, for the page
	// Done and Total count the packages compiled, of those to compile.
	Done  int `json:"done"`
	Total int `json:"total"`
	// Elapsed is the seconds since the build began; Left, those it is
	// expected to take still (0 once ready).
	Elapsed float64 `json:"elapsed"`
	Left    float64 `json:"left"`
}

// Build is the browser client being built from a source checkout in the
// background (StartBuild): an fs.FS of its folder, which holds nothing
// until lab.wasm is built and compressed with gzip, and the build's
// Progress meanwhile. Handler serves it, and the lab page waits for it.
type Build struct {
	cfg    BuildConfig
	log    *slog.Logger
	files  fs.FS
	start  time.Time
	cancel context.CancelFunc
	ready  chan struct{} // closed once lab.wasm can be served, or the build failed
	done   chan struct{} // closed when the build's goroutine has returned

	// err is why the build failed, and brErr why lab.wasm.br was not
	// made: written before ready and done are closed, respectively.
	err, brErr error

	mu         sync.Mutex
	progress   Progress
	stageStart time.Time
}

// StartBuild starts building lab.wasm from cfg.ModuleDir into cfg.Dir,
// with wasm_exec.js copied from the Go toolchain beside it and lab.wasm
// compressed with gzip (and brotli, if cfg.Brotli), unless what is there
// was built from the sources as they are now. It returns at once; the
// build goes on until it is done, ctx is, or Close is called.
func StartBuild(ctx context.Context, cfg BuildConfig) *Build {
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(cfg.ModuleDir, BuildDir)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	now := time.Now()
	b := &Build{
		cfg: cfg, log: cfg.Log, files: os.DirFS(cfg.Dir), start: now, cancel: cancel,
		ready: make(chan struct{}), done: make(chan struct{}),
		progress:   Progress{Stage: StageChecking, Message: "Checking lab.wasm's sources"},
		stageStart: now,
	}
	go func() {
		defer close(b.done)
		b.run(ctx)
	}()
	return b
}

// Open opens a file of the build, once lab.wasm is ready; before, there
// is none.
func (b *Build) Open(name string) (fs.File, error) {
	select {
	case <-b.ready:
		if b.err == nil {
			return b.files.Open(name)
		}
	default:
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Progress says how far the build is.
func (b *Build) Progress() Progress {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.progress
	p.Elapsed = seconds(time.Since(b.start))
	p.Left = seconds(b.left())
	return p
}

// Ready waits until lab.wasm can be served and returns nil, or returns
// why it cannot: the build failed, or ctx is done.
func (b *Build) Ready(ctx context.Context) error {
	select {
	case <-b.ready:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait waits until the build has ended, lab.wasm.br included when
// BuildConfig.Brotli asks for it, and returns what went wrong, if
// anything did.
func (b *Build) Wait(ctx context.Context) error {
	select {
	case <-b.done:
		return errors.Join(b.err, b.brErr)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the build if it still runs and waits until it has.
func (b *Build) Close() {
	b.cancel()
	<-b.done
}

// run is the build's goroutine.
func (b *Build) run(ctx context.Context) {
	stamp, err := b.build(ctx)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Error("could not build lab.wasm: the lab page says so; the rest of the site is served", "err", err)
		}
		b.err = err
		b.setStage(StageFailed, "The server could not build the lab (lab.wasm): its log says why")
		close(b.ready)
		return
	}
	b.setStage(StageReady, "lab.wasm is ready")
	b.log.Info("the browser client (lab.wasm) is ready: the lab page loads it now", "took", since(b.start))
	close(b.ready)
	if !b.cfg.Brotli {
		return
	}
	raw := filepath.Join(b.cfg.Dir, "lab.wasm")
	if _, err := os.Stat(raw + brotliExt); err == nil {
		return
	}
	b.log.Info("compressing lab.wasm with brotli in the background; until it is done, browsers get lab.wasm.gz", "quality", BrotliQuality, "expected", expectBrotli)
	start := time.Now()
	n, err := compress(ctx, raw, brotliExt, stamp, func(w io.Writer) (io.WriteCloser, error) {
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: BrotliQuality, LGWin: 24}), nil
	})
	switch {
	case err == nil:
		b.log.Info("compressed lab.wasm with brotli: browsers that accept br get it now", "bytes", n, "took", since(start))
	case ctx.Err() == nil:
		b.log.Warn("could not compress lab.wasm with brotli: browsers get lab.wasm.gz", "err", err)
	}
	b.brErr = err
}

// build brings the folder up to date, lab.wasm.gz included, and returns
// the stamp of the sources lab.wasm is built from.
func (b *Build) build(ctx context.Context) (string, error) {
	dir := b.cfg.Dir
	raw := filepath.Join(dir, "lab.wasm")
	unlock, err := lockBuild(ctx, dir, func() {
		b.setStage(StageWaiting, "Waiting for another build of lab.wasm in the same folder")
		b.log.Info("waiting for another process building lab.wasm in the same folder", "dir", dir)
	})
	if err != nil {
		return "", fmt.Errorf("lock the build of lab.wasm: %w", err)
	}
	defer unlock()
	b.setStage(StageChecking, "Checking lab.wasm's sources")
	src, err := readSources(ctx, b.cfg.ModuleDir)
	if err != nil {
		return "", fmt.Errorf("check lab.wasm's sources: %w", err)
	}
	stamp := stampPath(raw)
	if !upToDate(stamp, src.stamp, raw) {
		if err := b.compile(ctx, src.stale); err != nil {
			return "", err
		}
		if err := os.WriteFile(stamp, []byte(src.stamp), 0o644); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(raw + gzipExt); err != nil {
		b.setStage(StageCompressing, "Compressing lab.wasm")
		b.log.Info("compressing lab.wasm with gzip", "expected", expectGzip)
		start := time.Now()
		n, err := compress(ctx, raw, gzipExt, src.stamp, func(w io.Writer) (io.WriteCloser, error) {
			return gzip.NewWriterLevel(w, gzip.BestCompression)
		})
		if err != nil {
			return "", fmt.Errorf("compress lab.wasm: %w", err)
		}
		b.log.Info("compressed lab.wasm with gzip", "bytes", n, "took", since(start))
	}
	return src.stamp, nil
}

// compile builds lab.wasm into the folder, first removing what was built
// from older sources, and copies wasm_exec.js beside it. stale is the
// set of packages go build has to compile, which it names as it starts
// each (-v): the count of them is the build's progress.
func (b *Build) compile(ctx context.Context, stale map[string]bool) error {
	dir := b.cfg.Dir
	raw := filepath.Join(dir, "lab.wasm")
	for _, old := range []string{stampPath(raw), raw + gzipExt, raw + brotliExt} {
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	b.mu.Lock()
	b.progress.Total, b.progress.Done = len(stale), 0
	b.mu.Unlock()
	b.setStage(StageCompiling, b.compilingMessage(0))
	b.log.Info("building the browser client (lab.wasm): pages are served meanwhile, and the lab page loads it when it is ready",
		"packages", len(stale), "expected", secondsDuration(b.Progress().Left))
	start := time.Now()
	args := append([]string{"build", "-v"}, WasmBuildFlags...)
	args = append(args, "-o", raw, WasmPackage)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.cfg.ModuleDir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("build lab.wasm: %w", err)
	}
	var said bytes.Buffer // what go build said besides the packages' names
	lines := bufio.NewScanner(stderr)
	lines.Buffer(nil, 1<<20)
	logged := start
	for lines.Scan() {
		line := lines.Text()
		if !stale[line] {
			if said.Len() < 64<<10 {
				said.WriteString(line + "\n")
			}
			continue
		}
		b.compiled(line)
		if time.Since(logged) >= logEvery {
			logged = time.Now()
			p := b.Progress()
			b.log.Info("compiling lab.wasm", "packages", fmt.Sprintf("%d of %d", p.Done, p.Total), "left", secondsDuration(p.Left))
		}
	}
	io.Copy(io.Discard, stderr) // a line past the scanner's bound: let go build finish
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("build lab.wasm: %w\n%s", err, said.Bytes())
	}
	if err := copyWasmExec(ctx, dir); err != nil {
		return err
	}
	st, err := os.Stat(raw)
	if err != nil {
		return err
	}
	b.log.Info("built lab.wasm", "bytes", st.Size(), "took", since(start))
	return nil
}

// compiled notes that go build started compiling pkg; the main package is
// the last, and linking follows it.
func (b *Build) compiled(pkg string) {
	b.mu.Lock()
	b.progress.Done++
	done := b.progress.Done
	b.mu.Unlock()
	if pkg == modulePath+strings.TrimPrefix(WasmPackage, ".") {
		b.setStage(StageLinking, "Linking lab.wasm")
		return
	}
	b.mu.Lock()
	b.progress.Message = b.compilingMessage(done)
	b.mu.Unlock()
}

// compilingMessage says how far the compiling is, in words.
func (b *Build) compilingMessage(done int) string {
	return fmt.Sprintf("Compiling lab.wasm: %d of %d packages", done, b.progress.Total)
}

// setStage moves the build to stage, said in words as message.
func (b *Build) setStage(stage, message string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.progress.Stage, b.progress.Message = stage, message
	b.progress.Ready = stage == StageReady
	b.stageStart = time.Now()
}

// left is how long the build is expected to take still: what is left of
// the stage it is in, and the stages after it. While compiling, once a
// tenth of the packages are, it goes by how long those took. b.mu is held.
func (b *Build) left() time.Duration {
	in := time.Since(b.stageStart)
	rest := func(expect time.Duration) time.Duration { return max(expect-in, time.Second) }
	switch b.progress.Stage {
	case StageCompiling:
		p := b.progress
		per := expectPackage
		if p.Done > 0 && p.Done*10 >= p.Total {
			per = in / time.Duration(p.Done)
		}
		return time.Duration(p.Total-p.Done)*per + expectLink + expectGzip
	case StageLinking:
		return rest(expectLink) + expectGzip
	case StageCompressing:
		return rest(expectGzip)
	}
	return 0
}

// upToDate reports whether raw is there and was built from the sources
// whose stamp is recorded in stampFile.
func upToDate(stampFile, stamp, raw string) bool {
	old, err := os.ReadFile(stampFile)
	if err != nil || string(old) != stamp {
		return false
	}
	_, err = os.Stat(raw)
	return err == nil
}

// stampPath is where the stamp of the sources raw was built from is kept.
func stampPath(raw string) string { return raw + ".stamp" }

// compress writes raw+ext, raw compressed by the writer newWriter makes,
// and returns its size. It writes a hidden temporary file and renames it
// into place only if raw is still the build of the sources stamped stamp,
// so that Handler never serves a half-written file, nor one of another
// build. It stops early when ctx is done.
func compress(ctx context.Context, raw, ext, stamp string, newWriter func(io.Writer) (io.WriteCloser, error)) (int64, error) {
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
	if now, err := os.ReadFile(stampPath(raw)); err != nil || string(now) != stamp {
		return 0, errors.New("lab.wasm was rebuilt meanwhile")
	}
	return st.Size(), os.Rename(tmp.Name(), raw+ext)
}

// sources is what lab.wasm is built from, as go list sees it.
type sources struct {
	// stamp hashes the Go toolchain, the build flags, the module's
	// requirements, and the name, size and time of every file of the
	// module's own packages that lab.wasm imports.
	stamp string
	// stale is the packages a build has to compile (not in Go's build
	// cache), by import path.
	stale map[string]bool
}

// readSources asks go list what lab.wasm is built from.
func readSources(ctx context.Context, moduleDir string) (sources, error) {
	args := append([]string{"list", "-deps"}, WasmBuildFlags...)
	args = append(args, "-f",
		`{{.ImportPath}}{{"\t"}}{{.Stale}}{{if not .Standard}}{{if .Module}}{{if .Module.Main}}{{"\t"}}{{.Dir}}{{"\t"}}{{join .GoFiles "\t"}}{{end}}{{end}}{{end}}`,
		WasmPackage)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return sources{}, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	h := sha256.New()
	v, _ := exec.CommandContext(ctx, "go", "version").Output()
	h.Write(v)
	fmt.Fprintf(h, "%q brotli %d\n", WasmBuildFlags, BrotliQuality)
	files := []string{filepath.Join(moduleDir, "go.mod"), filepath.Join(moduleDir, "go.sum")}
	stale := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) < 2 {
			continue
		}
		if fields[1] == "true" {
			stale[fields[0]] = true
		}
		if len(fields) > 3 {
			for _, f := range fields[3:] {
				files = append(files, filepath.Join(fields[2], f))
			}
		}
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	return sources{stamp: hex.EncodeToString(h.Sum(nil)), stale: stale}, nil
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
	if err != nil || !bytes.HasPrefix(b, []byte("module "+modulePath+"\n")) {
		return "", false
	}
	return filepath.Dir(gomod), true
}

// seconds is d in seconds, to a tenth.
func seconds(d time.Duration) float64 {
	return float64(d.Round(100*time.Millisecond)) / float64(time.Second)
}

// secondsDuration is s seconds, to the second, for the log.
func secondsDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}

// since is the time since start, to a tenth of a second, for the log.
func since(start time.Time) time.Duration { return time.Since(start).Round(100 * time.Millisecond) }
