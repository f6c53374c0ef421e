//go:build unix

package e2e

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/server/servertest"
	"github.com/socketlab/socketlab/static"
)

// TestLabPageWaitsForTheBuild: a server whose lab.wasm is still being
// built (as on a checkout's first `go run .`) serves the lab page at
// once; the page says the server is building the lab and how far it is
// (here it waits for another build in the same folder, whose lock the
// test holds), and once the build is done it loads the lab by itself,
// without a reload.
func TestLabPageWaitsForTheBuild(t *testing.T) {
	cfg := labConfig(t) // the worksheet; the client is this test's own build
	dir := t.TempDir()
	release := holdBuildLock(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := static.StartBuild(ctx, static.BuildConfig{ModuleDir: moduleDir(t), Dir: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer build.Close()
	cfg.Client = build
	addr := servertest.Start(t, cfg)

	tab, cancelTab := context.WithTimeout(chromium(t), 3*time.Minute)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.Navigate("http://"+addr+"/lab")); err != nil {
		t.Fatal(err)
	}
	building, err := chromedp.Run(tab, chromedp.Poll[string](`(() => {
  const text = document.querySelector("[data-testid=progress-text]").textContent;
  return text.includes("Waiting for another build") ? text : "";
})()`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the page did not say the server is building the lab: %v", err)
	}
	if !strings.Contains(building, "The server is building the lab") {
		t.Errorf("progress while building: %q", building)
	}
	status, _ := chromedp.Run(tab, chromedp.TextContent(chromedp.CSS(`[data-testid=bridge-status]`)))
	if !strings.Contains(status, "building the lab") {
		t.Errorf("the status while building is %q", status)
	}
	if *screenshots != "" {
		for _, size := range []struct {
			name string
			w, h int64
		}{{"lab-building-1280x720.png", 1280, 720}, {"lab-building-390x844.png", 390, 844}} {
			if err := chromedp.Do(tab, chromedp.EmulateViewport(size.w, size.h)); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(*screenshots, size.name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__sameDocument = true`)); err != nil {
		t.Fatal(err)
	}

	release()
	if err := chromedp.Do(tab, chromedp.WaitEnabled(chromedp.CSS(`[data-testid=console-input]`))); err != nil {
		t.Fatalf("the lab did not load once built: %v", err)
	}
	if same, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__sameDocument === true`)); err != nil || !same {
		t.Errorf("the page was reloaded to load the lab (%v)", err)
	}
}

// holdBuildLock takes the lock of the build folder dir, as another
// process building lab.wasm there would; release lets it go.
func holdBuildLock(t *testing.T, dir string) (release func()) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return func() { f.Close() }
}
