package static

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// brotliBudget is the most lab.wasm may be, brotli-compressed (README.md,
// "Performance").
const brotliBudget = 2_000_000

// TestServesCompressedWasm builds lab.wasm as `go run .` does, with its
// compressed files (the first run takes a minute or two; later runs find
// them built), and asks Handler for it with each encoding a browser may
// accept: each body decodes to lab.wasm, with the headers the loader and
// caches need, and the brotli one is within the download budget.
func TestServesCompressedWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lab.wasm")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	brDone, err := ensureWasm(ctx, root, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := <-brDone; err != nil {
		t.Fatalf("brotli: %v", err)
	}
	dir := filepath.Join(root, BuildDir)
	raw, err := os.ReadFile(filepath.Join(dir, "lab.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(os.DirFS(dir))
	etags := map[string]string{}
	for _, c := range []struct {
		accept, encoding string
		decode           func(io.Reader) (io.Reader, error)
	}{
		{"gzip, deflate, br, zstd", "br", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
		{"gzip", "gzip", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"", "", func(r io.Reader) (io.Reader, error) { return r, nil }},
	} {
		req := httptest.NewRequest("GET", "/static/build/lab.wasm", nil)
		if c.accept != "" {
			req.Header.Set("Accept-Encoding", c.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: %s", c.accept, res.Status)
		}
		hdr := res.Header
		if got := hdr.Get("Content-Encoding"); got != c.encoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, got, c.encoding)
		}
		if got := hdr.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", c.accept, got)
		}
		if got := hdr.Get("Content-Type"); got != "application/wasm" {
			t.Errorf("Accept-Encoding %q: Content-Type %q", c.accept, got)
		}
		wantDecoded := ""
		if c.encoding != "" {
			wantDecoded = strconv.Itoa(len(raw))
		}
		if got := hdr.Get("X-Decoded-Length"); got != wantDecoded {
			t.Errorf("Accept-Encoding %q: X-Decoded-Length %q, want %q", c.accept, got, wantDecoded)
		}
		etag := hdr.Get("ETag")
		if etag == "" {
			t.Errorf("Accept-Encoding %q: no ETag", c.accept)
		}
		for enc, other := range etags {
			if other == etag {
				t.Errorf("Accept-Encoding %q: ETag %s, the same as for %q", c.accept, etag, enc)
			}
		}
		etags[c.accept] = etag
		body := rec.Body.Bytes()
		if c.encoding == "br" && len(body) > brotliBudget {
			t.Errorf("lab.wasm is %d bytes brotli-compressed, over the budget of %d", len(body), brotliBudget)
		}
		r, err := c.decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("Accept-Encoding %q: %v", c.accept, err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("Accept-Encoding %q: decode: %v", c.accept, err)
		}
		if !bytes.Equal(got, raw) {
			t.Errorf("Accept-Encoding %q: %d bytes decode to %d bytes that are not lab.wasm's %d", c.accept, len(body), len(got), len(raw))
		}
		t.Logf("Accept-Encoding %q: %d bytes, Content-Encoding %q", c.accept, len(body), c.encoding)
	}
}
