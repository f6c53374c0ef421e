package server

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/socketlab/socketlab/lab"
)

// qrByteCapacityM is how many bytes a QR code of each version holds in
// byte mode at error correction M (ISO/IEC 18004, table 7), versions 1
// to 10.
var qrByteCapacityM = []int{14, 26, 42, 62, 84, 106, 122, 152, 180, 213}

// svgQR is a QR SVG as qrSVG draws it, read back: its side in modules
// (with the quiet zone), its title and its dark modules.
type svgQR struct {
	ViewBox string `xml:"viewBox,attr"`
	Title   string `xml:"title"`
	Path    struct {
		D string `xml:"d,attr"`
	} `xml:"path"`
}

// rasterize draws the SVG's modules, scale pixels a module, as an image a
// decoder reads.
func (q svgQR) rasterize(t *testing.T, scale int) (*image.Gray, int) {
	t.Helper()
	var side int
	if _, err := fmt.Sscanf(q.ViewBox, "0 0 %d %d", &side, &side); err != nil {
		t.Fatalf("viewBox %q: %v", q.ViewBox, err)
	}
	img := image.NewGray(image.Rect(0, 0, side*scale, side*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, m := range strings.Split(strings.TrimSuffix(q.Path.D, "z"), "z") {
		var x, y int
		if _, err := fmt.Sscanf(m, "M%d %dh1v1h-1", &x, &y); err != nil {
			t.Fatalf("path segment %q: %v", m, err)
		}
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+1)*scale; px++ {
				img.SetGray(px, py, color.Gray{})
			}
		}
	}
	return img, side
}

func TestJoinQR(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Networks 101"})
	if w.QRURL != "http://"+ls.addr+"/join/"+w.Code+"/qr.svg" {
		t.Fatalf("qr_url = %q", w.QRURL)
	}
	_, body := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil)
	var got workshopJSON
	if err := json.Unmarshal(body, &got); err != nil || got.QRURL != w.QRURL {
		t.Fatalf("GET's qr_url = %q (%v), want %q", got.QRURL, err, w.QRURL)
	}

	resp, err := http.Get(w.QRURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
		t.Fatalf("GET %s = %d %v", w.QRURL, resp.StatusCode, resp.Header)
	}
	var q svgQR
	if err := xml.NewDecoder(resp.Body).Decode(&q); err != nil {
		t.Fatalf("the SVG is not well-formed: %v", err)
	}
	if q.Title != w.JoinURL {
		t.Errorf("title = %q, want the join URL %q", q.Title, w.JoinURL)
	}

	// The smallest version that holds the URL at level M: 17+4v modules
	// a side, and the quiet zone around.
	version := 1
	for qrByteCapacityM[version-1] < len(w.JoinURL) {
		version++
	}
	img, side := q.rasterize(t, 4)
	if want := 17 + 4*version + 2*qrQuietZone; side != want {
		t.Errorf("%d bytes drawn %d modules a side, want version %d's %d", len(w.JoinURL), side, version, want)
	}

	// An independent decoder reads the join URL back.
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	if res.GetText() != w.JoinURL {
		t.Errorf("the QR code reads %q, want %q", res.GetText(), w.JoinURL)
	}

	// The student's page shows it, named for the URL it holds.
	c := browser(t)
	ls.joinAs(t, c, w.Code, "Ada")
	if _, _, page := ls.get(t, c, "/w/"+w.Code); !strings.Contains(page, `src="/join/`+w.Code+`/qr.svg"`) ||
		!strings.Contains(page, `alt="QR code of the join URL, `+w.JoinURL+`"`) {
		t.Errorf("the student's page has no QR code of the join URL:\n%s", page)
	}
}

// TestJoinQRWrongCode is 404 for a code that names no workshop, counted
// as a wrong guess like the join page's.
func TestJoinQRWrongCode(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "A"})
	c := browser(t)
	for i := range guessBurst {
		if status, _, _ := ls.get(t, c, "/join/ZZZZ-ZZZ"+lab.CodeAlphabet[i:i+1]+"/qr.svg"); status != 404 {
			t.Fatalf("wrong code %d = %d, want 404", i, status)
		}
	}
	if status, _, _ := ls.get(t, c, "/join/"+w.Code+"/qr.svg"); status != 429 {
		t.Errorf("a right code after %d wrong ones = %d, want 429", guessBurst, status)
	}
}
