package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// readyClock is run in the lab page before its own scripts: it notes, on
// the page's clock (milliseconds since the navigation began), when
// socketlab.ready resolves: lab.wasm fetched, compiled and running, its
// WebSocket open and the hello received.
const readyClock = `(() => {
  const t = setInterval(() => {
    if (window.socketlab && window.socketlab.ready) {
      clearInterval(t);
      window.socketlab.ready.then(() => { window.__socketlabReadyAt = performance.now(); });
    }
  }, 1);
})();`

// BenchmarkLabPageReady is how long the lab page takes to become ready in
// headless Chromium on localhost, from the navigation's start to
// socketlab.ready, as the page's own clock reads it. lab.wasm is this
// checkout's, served uncompressed as `go run .` serves it. Each op loads
// the page in a new tab of one browser: the first (ready-first-ms) has
// nothing cached, the later ones may reuse Chromium's HTTP and compiled
// code caches (ready-ms is the mean of all).
func BenchmarkLabPageReady(b *testing.B) {
	addr := labServer(b)
	browser := chromium(b)
	var first, total float64
	n := 0
	for b.Loop() {
		ms := pageReady(b, browser, "http://"+addr+"/lab")
		if n == 0 {
			first = ms
		}
		total += ms
		n++
	}
	b.ReportMetric(first, "ready-first-ms")
	b.ReportMetric(total/float64(n), "ready-ms")
}

// pageReady loads url in a new tab of browser and returns when, in
// milliseconds after the navigation began, the lab became ready.
func pageReady(b *testing.B, browser context.Context, url string) float64 {
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	addClock := func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: readyClock})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, addClock, chromedp.Navigate(url)); err != nil {
		b.Fatalf("load the lab page: %v", err)
	}
	ms, err := chromedp.Run(ctx, chromedp.Poll[float64](`window.__socketlabReadyAt`, chromedp.WithPollingInterval(5*time.Millisecond)))
	if err != nil {
		b.Fatalf("lab page ready: %v", err)
	}
	return ms
}
