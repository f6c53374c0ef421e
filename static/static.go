// Package static serves socketlab's browser assets: the embedded CSS and
// JavaScript, and the built browser client (lab.wasm and the toolchain's
// wasm_exec.js), from disk while developing or embedded and precompressed
// in a release build.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
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

// Handler serves the assets under /static/ and the browser client under
// /static/build/ from build: nil when there is none (404, with a hint),
// a *Build, which serves nothing (503) until lab.wasm is built, or the
// built files. /static/build/lab.json says where lab.wasm and
// wasm_exec.js are, under names that carry a hash of their content and
// may be cached for good, or how far their build is.
func Handler(build fs.FS) http.Handler {
	mime.AddExtensionType(".wasm", "application/wasm")
	mime.AddExtensionType(".js", "text/javascript; charset=utf-8")
	mime.AddExtensionType(".svg", "image/svg+xml")
	return &handler{assets: assets, build: build, sums: map[string]string{}}
}

// ClientPath is where the lab page asks where the browser client is, or
// how far its build is (a ClientInfo).
const ClientPath = "/static/build/lab.json"

// ClientInfo is what ClientPath answers.
type ClientInfo struct {
	Progress
	// Wasm and WasmExec are lab.wasm's and wasm_exec.js's paths, named
	// for their content (lab.0123456789abcdef.wasm), once ready.
	Wasm     string `json:"wasm,omitempty"`
	WasmExec string `json:"wasmExec,omitempty"`
	// Error says, in words for the page, why there is no lab.wasm.
	Error string `json:"error,omitempty"`
}

// building is a browser client that may not be ready yet: a *Build.
type building interface{ Progress() Progress }

// Cache-Control for the files whose name carries their content's hash,
// and for the others, which are revalidated every time: a stale lab.wasm
// with a fresh wasm_exec.js does not run.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

type handler struct {
	assets fs.FS
	build  fs.FS

	mu   sync.Mutex
	sums map[string]string // a file's content hash, by "fsys:name@mtime", computed once
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	rest, ok := strings.CutPrefix(name, "build/")
	if !ok {
		h.serveFile(w, r, h.assets, "assets:", name, cacheRevalidate)
		return
	}
	if "/static/build/"+rest == ClientPath {
		h.serveClientInfo(w)
		return
	}
	if h.build == nil {
		http.Error(w, notBuilt, http.StatusNotFound)
		return
	}
	if b, ok := h.build.(building); ok {
		switch p := b.Progress(); {
		case p.Stage == StageFailed:
			http.Error(w, p.Message, http.StatusInternalServerError)
			return
		case !p.Ready:
			w.Header().Set("Retry-After", "5")
			http.Error(w, "lab.wasm is being built: "+ClientPath+" says how far", http.StatusServiceUnavailable)
			return
		}
	}
	cache := cacheRevalidate
	if plain, sum, ok := unhash(rest); ok {
		if h.sum(h.build, "build:", plain) != sum {
			http.Error(w, "this build of the lab is gone: reload the page", http.StatusNotFound)
			return
		}
		rest, cache = plain, cacheImmutable
	}
	h.serveFile(w, r, h.build, "build:", rest, cache)
}

// notBuilt is the answer for the browser client when there is none.
const notBuilt = "the browser client is not built: start socketlab with `go run .` from its source checkout, or use a release build"

// serveClientInfo answers ClientPath.
func (h *handler) serveClientInfo(w http.ResponseWriter) {
	var info ClientInfo
	status := http.StatusOK
	switch b, ok := h.build.(building); {
	case h.build == nil:
		info.Error, status = notBuilt, http.StatusNotFound
	case ok:
		info.Progress = b.Progress()
		if info.Stage == StageFailed {
			info.Error, status = info.Message, http.StatusInternalServerError
		}
	default:
		info.Progress = Progress{Ready: true, Stage: StageReady, Message: "lab.wasm is ready"}
	}
	if info.Ready {
		info.Wasm, info.WasmExec = h.hashed("lab.wasm"), h.hashed("wasm_exec.js")
		if info.Wasm == "" || info.WasmExec == "" {
			info = ClientInfo{Error: notBuilt}
			status = http.StatusNotFound
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(info)
}

// hashed is the path of the build's file name under its content's hash,
// or "" if there is no such file.
func (h *handler) hashed(name string) string {
	sum := h.sum(h.build, "build:", name)
	if sum == "" {
		return ""
	}
	ext := path.Ext(name)
	return "/static/build/" + strings.TrimSuffix(name, ext) + "." + sum + ext
}

// unhash splits a name that carries a content hash
// (lab.0123456789abcdef.wasm) into the file's own name (lab.wasm) and
// the hash.
func unhash(name string) (plain, sum string, ok bool) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	dot := strings.LastIndexByte(stem, '.')
	if dot < 0 || len(stem)-dot-1 != 2*sumBytes {
		return "", "", false
	}
	sum = stem[dot+1:]
	if _, err := hex.DecodeString(sum); err != nil || strings.ToLower(sum) != sum {
		return "", "", false
	}
	return stem[:dot] + ext, sum, true
}

// serveFile serves name from fsys, in the encoding the client takes best
// if there is a file of it, with cache as its Cache-Control.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, key, name, cache string) {
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
	w.Header().Set("Cache-Control", cache)
	// A strong validator of the bytes sent, so one per encoding.
	if sum := h.sum(fsys, key, served); sum != "" {
		w.Header().Set("ETag", `"`+sum+`"`)
	}
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

// sumBytes is how much of a file's SHA-256 names its content.
const sumBytes = 8

// sum is a hash of a file's content in hex, remembered for as long as its
// modification time stays the same; "" if there is no such file.
func (h *handler) sum(fsys fs.FS, key, name string) string {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return ""
	}
	key = fmt.Sprintf("%s%s@%d", key, name, st.ModTime().UnixNano())
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.sums[key]; ok {
		return s
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	s := hex.EncodeToString(sum[:sumBytes])
	h.sums[key] = s
	return s
}
