package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestAccessibility runs axe-core (npm's, pinned in static/package.json) on the
// home page, the lab after a TCP echo (with the wire panel open and the
// wire's marks in the diagram), and an exercise after a TCP echo, with a
// packet selected, in the light colour scheme at 1280×720 and the
// dark one at 390×844 (where panes scroll): no violations.
func TestAccessibility(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
		}
		t.Skipf("!!! no axe-core, the accessibility check is skipped: run (cd static && npm ci) (%v)", err)
	}
	addr := labServer(t)
	for _, c := range []struct {
		scheme string
		w, h   int64
	}{{"light", 1280, 720}, {"dark", 390, 844}} {
		scheme := c.scheme
		t.Run(scheme, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(chromium(t), 120*time.Second)
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
					execLines(t, ctx, tcpEcho(t)...)
					waitCount(t, ctx, `#packet-list tbody tr:nth-child(10)`, 1)
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
					execLines(t, ctx, `wire.pause()`, `u = socket(AF_INET, SOCK_DGRAM)`, `u.sendto(b"hi", ("10.0.0.1", 7))`, `wire.step()`, `u.sendto(b"ho", ("10.0.0.1", 7))`, `wire.drop()`, `wire.clear()`)
					waitCount(t, ctx, `[data-testid=wire-mark][data-action=dropped]`, 1)
				}
				if v := runAxe(t, ctx, string(axe)); len(v) > 0 {
					t.Errorf("axe-core on %s (%s): %d violations:\n%s", page.path, scheme, len(v), strings.Join(v, "\n"))
				}
			}
		})
	}
}

// runAxe injects axe-core into the page, runs it, and returns each
// violation as a line: id, impact, help and the elements it found.
func runAxe(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	type node struct{ Target []string }
	type violation struct {
		ID, Impact, Help string
		Nodes            []node
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](axe+`;
		axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
			ID: v.id, Impact: v.impact, Help: v.help,
			Nodes: v.nodes.map(n => ({Target: n.target.map(String)})),
		})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var out []string
	for _, v := range vs {
		var targets []string
		for i, n := range v.Nodes {
			if i == 5 {
				targets = append(targets, fmt.Sprintf("… %d more", len(v.Nodes)-5))
				break
			}
			targets = append(targets, strings.Join(n.Target, " "))
		}
		out = append(out, fmt.Sprintf("  %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, strings.Join(targets, "\n    ")))
	}
	return out
}
