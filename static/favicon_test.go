package static

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /favicon.ico, which browsers ask for on their own, and the icon the
// pages link to are the same SVG.
func TestFavicon(t *testing.T) {
	for _, c := range []struct {
		h    http.Handler
		path string
	}{{Favicon(), "/favicon.ico"}, {Handler(nil), FaviconPath}} {
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", c.path, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != "image/svg+xml" {
			t.Errorf("GET %s: Content-Type %q", c.path, got)
		}
		if body := rec.Body.String(); !strings.HasPrefix(body, "<svg ") || len(body) > 2048 {
			t.Errorf("GET %s: %d bytes, want a small SVG", c.path, len(body))
		}
	}
}
