package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/lab/services"
)

// The console's first notice names every service the lab server runs,
// from the hello's list; a connect refused on a port none listens on gets
// the console's hint, as the hello told lab.wasm's console.
func TestConsoleNamesServices(t *testing.T) {
	ctx, _ := openLab(t)
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=transcript]").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	notice := text()
	for _, sp := range services.Standard {
		if !strings.Contains(notice, sp.Name+" (") || !strings.Contains(notice, fmt.Sprintf("%d/%s", sp.Port, sp.Proto)) {
			t.Errorf("the console's notice does not name %v on port %d: %q", sp, sp.Port, notice)
		}
	}
	typeLine(t, ctx, `socket(AF_INET, SOCK_STREAM).connect(("10.0.0.1", 9))`)
	if got := text(); !strings.Contains(got, "hint: the lab server 10.0.0.1 listens on TCP 7 (echo), 13 (daytime)") {
		t.Errorf("no hint after a refused connect to port 9: %q", got[len(notice):])
	}
}
