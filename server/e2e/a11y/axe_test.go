package a11y

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/server/e2e/internal/browsertest"
)

// TestAccessibility runs axe-core (npm's, pinned in static/package.json) on the
// home page, the lab after a TCP echo (with the wire panel open and the
// wire's marks in the diagram), and an exercise after a TCP echo, with a
// packet selected, in the light colour scheme at 1280×720 and the
// dark one at 390×844 (where panes scroll): no violations.
func TestAccessibility(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join(browsertest.ModuleDir(t), "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
		}
		t.Skipf("!!! no axe-core, the accessibility check is skipped: run (cd static && npm ci) (%v)", err)
	}
	addr := browsertest.LabServer(t)
	for _, c := range []struct {
		scheme string
		w, h   int64
	}{{"light", 1280, 720}, {"dark", 390, 844}} {
		scheme := c.scheme
		t.Run(scheme, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(browsertest.Chromium(t), 120*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(c.w, c.h)); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			for _, page := range []struct{ path, ready string }{
				{"/", `[data-testid=exercise-list]`},
				{"/lab", `body[data-views=ready]`},
				{"/lab/round-trip", `body[data-views=ready]`},
			} {
				if err := chromedp.Do(ctx, chromedp.Navigate("http://"+addr+page.path), chromedp.WaitReady(chromedp.CSS(page.ready))); err != nil {
					t.Fatal(err)
				}
				if page.path != "/" {
					browsertest.ExecLines(t, ctx, browsertest.TCPEcho(t)...)
					browsertest.WaitCount(t, ctx, `#packet-list tbody tr:nth-child(10)`, 1)
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#packet-list tbody tr`))); err != nil {
						t.Fatal(err)
					}
				}
				if page.path == "/lab" {
					// The wire panel open, and the wire's marks in the diagram:
					// a datagram held, then dropped.
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=wire-impair] summary`))); err != nil {
						t.Fatal(err)
					}
					browsertest.ExecLines(t, ctx, `wire.pause()`, `u = socket(AF_INET, SOCK_DGRAM)`, `u.sendto(b"hi", ("10.0.0.1", 7))`, `wire.step()`, `u.sendto(b"ho", ("10.0.0.1", 7))`, `wire.drop()`, `wire.clear()`)
					browsertest.WaitCount(t, ctx, `[data-testid=wire-mark][data-action=dropped]`, 1)
				}
				if v := browsertest.RunAxe(t, ctx, string(axe)); len(v) > 0 {
					t.Errorf("axe-core on %s (%s): %d violations:\n%s", page.path, scheme, len(v), strings.Join(v, "\n"))
				}
			}
		})
	}
}
