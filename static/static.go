// Package static serves socketlab's browser assets: the embedded CSS and
// JavaScript, and the built browser client (lab.wasm and the toolchain's
// wasm_exec.js), from disk while developing or embedded and precompressed
// in a release build.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed *.js favicon.svg lab
var assets embed.FS

// Handler serves the assets under /static/ and the built client under
// /static/build/ from build (nil: not built, 404 with a hint).
func Handler(build fs.FS) http.Handler {
	mime.AddExtensionType(".wasm", "application/wasm")
	mime.AddExtensionType(".js", "text/javascript; charset=utf-8")
	mime.AddExtensionType(".svg", "image/svg+xml")
	return &handler{assets: assets, build: build, etags: map[string]string{}}
}

type handler struct {
	assets fs.FS
	build  fs.FS

	mu    sync.Mutex
	etags map[string]string // by "fsys:name", computed once
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	fsys, key := h.assets, "assets:"
	if rest, ok := strings.CutPrefix(name, "build/"); ok {
		if h.build == nil {
			http.Error(w, "the browser client is not built: start socketlab with `go run .` from its source checkout, or use a release build", http.StatusNotFound)
			return
		}
		fsys, name, key = h.build, rest, "build:"
	}
	// Compressed files are served for the name they compress; hidden
	// ones are being written (see compress).
	if !fs.ValidPath(name) || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".stamp") || strings.HasPrefix(path.Base(name), ".") {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	served, encoding := name, ""
	accepted := acceptedEncodings(r.Header.Values("Accept-Encoding"))
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if accepted[enc.token] {
			if _, err := fs.Stat(fsys, name+enc.ext); err == nil {
				served, encoding = name+enc.ext, enc.token
				break
			}
		}
	}
	f, err := fsys.Open(served)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.Header().Set("Vary", "Accept-Encoding")
	if encoding != "" {
		w.Header().Set("Content-Encoding", encoding)
		// The loader's progress bar counts decoded bytes.
		if raw, err := fs.Stat(fsys, name); err == nil {
			w.Header().Set("X-Decoded-Length", fmt.Sprint(raw.Size()))
		}
	}
	// Revalidate every time: names are not content-hashed, and a stale
	// lab.wasm with a fresh wasm_exec.js does not run.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", h.etag(key+served, fsys, served, st.ModTime().UnixNano()))
	http.ServeContent(w, r, "", st.ModTime(), f.(io.ReadSeeker))
}

// acceptedEncodings reads Accept-Encoding headers (RFC 9110, 12.5.3): the
// codings the client takes, lower case; a coding with q=0 is refused, and
// "*" stands for any coding not named.
func acceptedEncodings(headers []string) map[string]bool {
	named := map[string]bool{}
	for _, h := range headers {
		for _, item := range strings.Split(h, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding == "" {
				continue
			}
			named[coding] = !refused(params)
		}
	}
	if any, ok := named["*"]; ok {
		for _, c := range []string{"br", "gzip"} {
			if _, ok := named[c]; !ok {
				named[c] = any
			}
		}
	}
	return named
}

// refused reports whether an Accept-Encoding item's parameters give it a
// weight of zero.
func refused(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			return err != nil || q <= 0
		}
	}
	return false
}

// FaviconPath is where the site's icon is, which every page links to.
const FaviconPath = "/static/favicon.svg"

// Favicon answers /favicon.ico, which browsers ask for on their own, with
// the site's icon (an SVG, which they take from there too).
func Favicon() http.Handler {
	h := Handler(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = FaviconPath
		h.ServeHTTP(w, r2)
	})
}

// etag is a strong validator of a file's content, remembered for as long
// as its modification time stays the same.
func (h *handler) etag(key string, fsys fs.FS, name string, mtime int64) string {
	key = fmt.Sprintf("%s@%d", key, mtime)
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.etags[key]; ok {
		return e
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	e := `"` + hex.EncodeToString(sum[:8]) + `"`
	h.etags[key] = e
	return e
}
