package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	qr "github.com/piglig/go-qr"

	"github.com/socketlab/socketlab/lab"
)

// GET /join/{code}/qr.svg is a workshop's join URL as a QR code, for the
// projector (an SVG stays sharp at any size) and for a student to show a
// neighbour. The URL is the one the API's join_url gives: the server as
// the client reached it. A code that names no workshop is 404 and counts
// as a wrong guess, as on the join page.

// qrQuietZone is the light border around the symbol, in modules: the
// four the QR standard asks for, which readers need to find it.
const qrQuietZone = 4

// qrCacheAge is how long a browser or proxy may keep a QR code: it
// depends only on the URL, which changes with neither the workshop's
// title nor its settings.
const qrCacheAge = "public, max-age=86400"

// joinURL is the absolute URL a student joins wk at, as r reached the
// server.
func joinURL(r *http.Request, wk *lab.Workshop) string {
	return baseURL(r) + "/join/" + lab.FormatCode(wk.Code)
}

// qrURL is the path of wk's join QR code.
func qrURL(wk *lab.Workshop) string { return "/join/" + lab.FormatCode(wk.Code) + "/qr.svg" }

// joinQR is GET /join/{code}/qr.svg.
func (s *Server) joinQR(w http.ResponseWriter, r *http.Request) {
	if s.guessRefused(r, r.PathValue("code")) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "socketlab: too many wrong codes from this address; wait a minute", http.StatusTooManyRequests)
		return
	}
	wk, err := s.workshop(r.Context(), r.PathValue("code"))
	switch {
	case errors.Is(err, lab.ErrNotFound), errors.Is(err, lab.ErrInvalid):
		s.guesses.take(r)
		http.Error(w, "socketlab: no workshop has this code", http.StatusNotFound)
		return
	case err != nil:
		s.log.Error("read a workshop", "err", err)
		http.Error(w, "socketlab: the workshop could not be read", http.StatusInternalServerError)
		return
	}
	svg, err := qrSVG(joinURL(r, wk))
	if err != nil { // a Host header too long for any QR code
		http.Error(w, "socketlab: "+err.Error(), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", qrCacheAge)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	w.Write(svg)
}

// qrSVG draws text as a QR code (error correction M: a projected code
// read from the back of a room, with room to boost it when the version
// allows) in an SVG of one path, one unit a module, with its quiet zone
// and a title that says the text.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("make a QR code: %w", err)
	}
	n := code.Size()
	side := strconv.Itoa(n + 2*qrQuietZone)
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + side + " " + side +
		`" role="img" aria-labelledby="t" shape-rendering="crispEdges"><title id="t">`)
	xml.EscapeText(&b, []byte(text))
	b.WriteString(`</title><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	for y := range n {
		for x := range n {
			if code.Module(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+qrQuietZone, y+qrQuietZone)
			}
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}
