package static

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// get asks h for path and returns the recorded answer.
func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

// A built client is served under names that carry its content's hash,
// cached for good, which lab.json gives; the plain names are revalidated;
// a hash of other content is not served; without a client, lab.json says
// so in words.
func TestClientUnderHashedNames(t *testing.T) {
	build := fstest.MapFS{
		"lab.wasm":     {Data: []byte("\x00asm one")},
		"wasm_exec.js": {Data: []byte("globalThis.Go = class {};")},
	}
	h := Handler(build)
	info := clientInfo(t, h, http.StatusOK)
	if !info.Ready || info.Error != "" {
		t.Fatalf("lab.json: %+v, want ready", info)
	}
	for _, c := range []struct{ path, body, ctype string }{
		{info.Wasm, "\x00asm one", "application/wasm"},
		{info.WasmExec, "globalThis.Go = class {};", "text/javascript; charset=utf-8"},
	} {
		if plain, _, ok := unhash(strings.TrimPrefix(c.path, "/static/build/")); !ok || !strings.HasPrefix(c.path, "/static/build/") {
			t.Errorf("lab.json names %q, not a hashed name (%q)", c.path, plain)
		}
		rec := get(h, c.path)
		if rec.Code != http.StatusOK || rec.Body.String() != c.body {
			t.Errorf("GET %s: %d %q, want %q", c.path, rec.Code, rec.Body.String(), c.body)
		}
		if got := rec.Header().Get("Cache-Control"); got != cacheImmutable {
			t.Errorf("GET %s: Cache-Control %q, want %q", c.path, got, cacheImmutable)
		}
		if got := rec.Header().Get("Content-Type"); got != c.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
	}
	if rec := get(h, "/static/build/lab.wasm"); rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != cacheRevalidate {
		t.Errorf("GET /static/build/lab.wasm: %d, Cache-Control %q; want 200, %q", rec.Code, rec.Header().Get("Cache-Control"), cacheRevalidate)
	}

	// lab.wasm rebuilt: the old name is gone, lab.json names the new.
	build["lab.wasm"] = &fstest.MapFile{Data: []byte("\x00asm two"), ModTime: time.Unix(1, 0)}
	if rec := get(h, info.Wasm); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "reload the page") {
		t.Errorf("GET %s after a rebuild: %d %q, want 404 and to reload", info.Wasm, rec.Code, rec.Body.String())
	}
	if again := clientInfo(t, h, http.StatusOK); again.Wasm == info.Wasm || get(h, again.Wasm).Body.String() != "\x00asm two" {
		t.Errorf("lab.json after a rebuild names %q (before %q), want the new build", again.Wasm, info.Wasm)
	}
	for _, p := range []string{"/static/build/lab.0123456789abcdef.wasm", "/static/build/lab.0123456789ABCDEF.wasm", "/static/build/lab.0123.wasm"} {
		if rec := get(h, p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}

	none := clientInfo(t, Handler(nil), http.StatusNotFound)
	if none.Ready || !strings.Contains(none.Error, "go run .") {
		t.Errorf("lab.json without a client: %+v, want not ready and how to build it", none)
	}
}

// While another process builds in the same folder, a build waits, and
// says so; meanwhile lab.wasm is not served (503) and lab.json says how
// far the build is; once the other lets go, the build goes on, lab.json
// says it is ready, and lab.wasm is served. The log says each stage, and
// what each is expected to take.
func TestBuildProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lab.wasm")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	unlock, err := lockBuild(ctx, dir, func() { t.Error("the folder's lock is held") })
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer // written by the build's goroutine, read once it is ready
	b := StartBuild(ctx, BuildConfig{ModuleDir: moduleRoot(t), Dir: dir, Log: slog.New(slog.NewTextHandler(&log, nil))})
	defer b.Close()
	h := Handler(b)
	for b.Progress().Stage != StageWaiting {
		time.Sleep(10 * time.Millisecond)
	}
	info := clientInfo(t, h, http.StatusOK)
	if info.Ready || info.Stage != StageWaiting || !strings.Contains(info.Message, "Waiting") || info.Wasm != "" {
		t.Errorf("lab.json while another builds: %+v", info)
	}
	if rec := get(h, "/static/build/lab.wasm"); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("GET lab.wasm while it is built: %d, Retry-After %q; want 503 and when to retry", rec.Code, rec.Header().Get("Retry-After"))
	}
	unlock()
	if err := b.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	info = clientInfo(t, h, http.StatusOK)
	if !info.Ready || info.Left != 0 || info.Elapsed <= 0 {
		t.Errorf("lab.json once built: %+v", info)
	}
	if rec := get(h, info.Wasm); rec.Code != http.StatusOK || rec.Body.Len() < 1e6 {
		t.Errorf("GET %s: %d, %d bytes; want lab.wasm", info.Wasm, rec.Code, rec.Body.Len())
	}
	if _, err := os.Stat(filepath.Join(dir, "lab.wasm.gz")); err != nil {
		t.Errorf("no lab.wasm.gz once ready: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lab.wasm.br")); err == nil {
		t.Error("lab.wasm.br made, which the build was not asked for")
	}
	said := log.String()
	for _, want := range []string{
		`msg="waiting for another process building lab.wasm`,
		`msg="building the browser client (lab.wasm): pages are served meanwhile`, "packages=", "expected=",
		`msg="built lab.wasm"`,
		`msg="compressing lab.wasm with gzip" expected=2s`,
		`msg="the browser client (lab.wasm) is ready`,
	} {
		if !strings.Contains(said, want) {
			t.Errorf("the log lacks %q:\n%s", want, said)
		}
	}
}

// A build that fails says so on the page in words, without the compiler's
// output (which the log has), and serves no lab.wasm.
func TestBuildFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var log bytes.Buffer
	b := StartBuild(ctx, BuildConfig{ModuleDir: t.TempDir(), Dir: t.TempDir(), Log: slog.New(slog.NewTextHandler(&log, nil))})
	defer b.Close()
	if err := b.Ready(ctx); err == nil {
		t.Fatal("a build outside any module succeeded")
	}
	h := Handler(b)
	info := clientInfo(t, h, http.StatusInternalServerError)
	if info.Ready || info.Stage != StageFailed || !strings.Contains(info.Error, "could not build the lab") || strings.Contains(info.Error, "go.mod") {
		t.Errorf("lab.json after a failed build: %+v", info)
	}
	if rec := get(h, "/static/build/lab.wasm"); rec.Code != http.StatusInternalServerError {
		t.Errorf("GET lab.wasm after a failed build: %d, want 500", rec.Code)
	}
	if !strings.Contains(log.String(), "could not build lab.wasm") {
		t.Errorf("the log does not say why:\n%s", log.String())
	}
}
