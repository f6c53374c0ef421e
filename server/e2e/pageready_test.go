package e2e

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/server/servertest"
	"github.com/socketlab/socketlab/static"
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

// slowNetwork is the network the first page is measured on: 20 Mbit/s
// each way and 20 ms from request to response, as DevTools throttles it.
var slowNetwork = network.Conditions{Latency: 20, DownloadThroughput: 20e6 / 8, UploadThroughput: 20e6 / 8}

// reloadBudget is the most a reload of the lab page may download.
const reloadBudget = 100_000

// hashedWasm is lab.wasm's path under its content's hash.
var hashedWasm = regexp.MustCompile(`/static/build/lab\.[0-9a-f]{16}\.wasm$`)

// TestLabPageReloadsFromCache loads the lab page on a throttled network
// (slowNetwork), then reloads it: the first load fetches lab.wasm under
// its hashed name, cacheable for good, and lab.json once (the page
// preloads it, and the loader takes the preload); the reload takes it from the
// browser's cache and downloads less than reloadBudget in all. How long
// each took to be ready is logged (not asserted: this machine's load
// decides it; BenchmarkLabPageReady measures it).
func TestLabPageReloadsFromCache(t *testing.T) {
	addr := labServer(t)
	tab, net := newLabTab(t, chromium(t), &slowNetwork)
	first := net.load(t, tab, chromedp.Navigate("http://"+addr+"/lab"))
	if first.wasm == nil {
		t.Fatalf("the first load fetched no lab.wasm under a hashed name: %v", first.urls)
	}
	if n := countURLs(first.urls, static.ClientPath); n != 1 {
		t.Errorf("the first load asked for %s %d times, want once (the page's preload, which the loader takes): %v", static.ClientPath, n, first.urls)
	}
	if cc, _ := first.wasm.Headers["Cache-Control"].(string); !strings.Contains(cc, "immutable") {
		t.Errorf("lab.wasm (%s) came with Cache-Control %q, want immutable", first.wasm.URL, cc)
	}
	again := net.load(t, tab, chromedp.Reload())
	if again.wasm == nil || !again.wasmCached {
		t.Errorf("the reload did not take lab.wasm from the cache: %+v", again.wasm)
	}
	if again.bytes >= reloadBudget {
		t.Errorf("the reload downloaded %.0f bytes, want under %d: %v", again.bytes, reloadBudget, again.urls)
	}
	t.Logf("first load: %.0f KB, ready at %.0f ms (lab.wasm asked for at %.0f ms, in at %.0f ms); reload: %.1f KB, ready at %.0f ms; at 20 Mbit/s and 20 ms, gzip",
		first.bytes/1e3, first.readyMS, first.wasmStartMS, first.wasmEndMS, again.bytes/1e3, again.readyMS)
}

// countURLs counts the URLs with path p.
func countURLs(urls []string, p string) int {
	n := 0
	for _, u := range urls {
		if strings.HasSuffix(u, p) {
			n++
		}
	}
	return n
}

// BenchmarkLabPageReady is how long the lab page takes to become ready in
// headless Chromium, from the navigation's start to socketlab.ready, as
// the page's own clock reads it, with lab.wasm as `go run .` serves it
// once its brotli file is made (the benchmark makes it first: a minute).
// Each op clears the browser's cache, opens the page in a new tab, then
// reloads it: ready-first-ms and ready-reload-ms, and the bytes each
// downloaded. On localhost, and on a network throttled to 20 Mbit/s with
// 20 ms of latency (slowNetwork).
func BenchmarkLabPageReady(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build := static.StartBuild(ctx, static.BuildConfig{ModuleDir: moduleDir(b), Dir: b.TempDir(), Brotli: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer build.Close()
	if err := build.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	cfg := labConfig(b)
	cfg.Client = build
	addr := servertest.Start(b, cfg)
	browser := chromium(b)
	for _, c := range []struct {
		name string
		cond *network.Conditions
	}{{"localhost", nil}, {"20Mbit-20ms", &slowNetwork}} {
		b.Run(c.name, func(b *testing.B) {
			var first, reload pageLoad
			n := 0
			for b.Loop() {
				tab, net := newLabTab(b, browser, c.cond)
				if _, err := chromedp.Call(tab, network.ClearBrowserCache, cdp.Empty{}); err != nil {
					b.Fatal(err)
				}
				f := net.load(b, tab, chromedp.Navigate("http://"+addr+"/lab"))
				r := net.load(b, tab, chromedp.Reload())
				closeTab(tab)
				first.add(f)
				reload.add(r)
				n++
			}
			b.ReportMetric(first.readyMS/float64(n), "ready-first-ms")
			b.ReportMetric(first.wasmEndMS/float64(n), "wasm-in-ms")
			b.ReportMetric(first.bytes/1e3/float64(n), "first-KB")
			b.ReportMetric(reload.readyMS/float64(n), "ready-reload-ms")
			b.ReportMetric(reload.bytes/1e3/float64(n), "reload-KB")
		})
	}
}

// pageLoad is what loading the lab page took.
type pageLoad struct {
	// readyMS is when socketlab.ready resolved, in milliseconds after the
	// navigation began; wasmStartMS and wasmEndMS, when lab.wasm was
	// asked for and when its last byte was in (the page's Resource Timing).
	readyMS, wasmStartMS, wasmEndMS float64
	// bytes is what came over the network, headers included (DevTools'
	// encodedDataLength), until every view of the page was up.
	bytes float64
	// wasm is lab.wasm's response, and wasmCached whether it came from
	// the browser's cache.
	wasm       *network.Response
	wasmCached bool
	// urls is every URL the load fetched, for a failure's message.
	urls []string
}

// add sums o's figures into l, for a mean.
func (l *pageLoad) add(o pageLoad) {
	l.readyMS += o.readyMS
	l.wasmStartMS += o.wasmStartMS
	l.wasmEndMS += o.wasmEndMS
	l.bytes += o.bytes
}

// netLog keeps what a tab's loads fetched, from DevTools' network events,
// which arrive on the tab's own goroutine.
type netLog struct {
	mu        sync.Mutex
	bytes     float64
	responses map[network.RequestID]*network.Response
	cached    map[network.RequestID]bool
}

func (n *netLog) event(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventResponseReceived:
		n.responses[e.RequestID] = e.Response
	case *network.EventRequestServedFromCache:
		n.cached[e.RequestID] = true
	case *network.EventLoadingFinished:
		n.bytes += e.EncodedDataLength
	}
}

// take returns what was fetched since the last take and forgets it.
func (n *netLog) take() pageLoad {
	n.mu.Lock()
	defer n.mu.Unlock()
	var l pageLoad
	l.bytes = n.bytes
	for id, r := range n.responses {
		l.urls = append(l.urls, r.URL)
		if hashedWasm.MatchString(r.URL) {
			l.wasm, l.wasmCached = r, r.FromDiskCache || n.cached[id]
		}
	}
	n.bytes = 0
	clear(n.responses)
	clear(n.cached)
	return l
}

// newLabTab opens a tab of browser that notes when the lab page becomes
// ready and what it fetches, on a network throttled to cond (nil: not).
// It is closed at the end of the test, or by closeTab.
func newLabTab(tb testing.TB, browser context.Context, cond *network.Conditions) (context.Context, *netLog) {
	tb.Helper()
	tab, closeTab := chromedp.NewContext(browser)
	tb.Cleanup(closeTab)
	if err := chromedp.Do(tab); err != nil {
		tb.Fatal(err)
	}
	n := &netLog{responses: map[network.RequestID]*network.Response{}, cached: map[network.RequestID]bool{}}
	if err := chromedp.Listen(tab, n.event); err != nil {
		tb.Fatal(err)
	}
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		tb.Fatal(err)
	}
	if cond != nil {
		if _, err := chromedp.Call(tab, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{cond}}); err != nil {
			tb.Fatalf("throttle the network: %v", err)
		}
	}
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: readyClock}); err != nil {
		tb.Fatal(err)
	}
	return tab, n
}

// closeTab closes a tab that newLabTab opened.
func closeTab(tab context.Context) { chromedp.Cancel(tab) }

// load runs nav (a navigation or a reload) in tab and waits until the lab
// is ready and every view of the page is up; it returns what that took.
func (n *netLog) load(tb testing.TB, tab context.Context, nav chromedp.Action[chromedp.Void]) pageLoad {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()
	n.take()
	if err := chromedp.Do(ctx, nav); err != nil {
		tb.Fatalf("load the lab page: %v", err)
	}
	ready, err := chromedp.Run(ctx, chromedp.Poll[float64](`window.__socketlabReadyAt`, chromedp.WithPollingInterval(5*time.Millisecond)))
	if err != nil {
		tb.Fatalf("lab page ready: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.views === "ready"`)); err != nil {
		tb.Fatalf("the lab page's views: %v", err)
	}
	timing, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
  const e = performance.getEntriesByType("resource").find((e) => /\/lab\.[0-9a-f]{16}\.wasm$/.test(e.name));
  return e ? [e.startTime, e.responseEnd] : [0, 0];
})()`))
	if err != nil {
		tb.Fatal(err)
	}
	l := n.take()
	l.readyMS, l.wasmStartMS, l.wasmEndMS = ready, timing[0], timing[1]
	return l
}
