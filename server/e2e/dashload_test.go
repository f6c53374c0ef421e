package e2e

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/server/loadgen"
	"github.com/socketlab/socketlab/server/servertest"
)

// The dashboard under load (issue 13, item 9): a class of simulated
// students — socketlab bench's load generator, in this process, each
// student the real bridge client with a stack and a WebSocket of its own
// — completes steps and raises hands while the instructor's dashboard is
// open in Chromium. A MutationObserver in the page notes when each cell
// first shows a step done (performance.timeOrigin + performance.now(), on
// the machine's clock); the load generator notes when the server
// acknowledged each report (time.Now(), the same clock). Their difference
// is the update's latency; the page's main-thread time over the run
// (DevTools' Performance.getMetrics, TaskDuration and ScriptDuration) is
// its CPU.
//
//	SOCKETLAB_DASHBOARD_LOAD=300 go test -count=1 -run '^TestDashboardLoad$' -v -timeout 20m ./server/e2e
//
// measures with 300 students; without the variable the test runs 30,
// briefly, and asserts only that every acknowledged step reaches its cell.

// observeCells is the page's side of the measurement: when each cell
// first shows a step done, by "student/exercise/step", and the longest
// the help queue has been.
const observeCells = `(() => {
  const grid = document.querySelector("[data-testid=progress-grid]");
  const seen = new Map();
  let maxHands = 0;
  const note = (cell, t) => {
    const d = cell.dataset;
    if (d.state !== "done" && d.state !== "unseen") return;
    const k = d.student + "/" + d.exercise + "/" + d.step;
    if (!seen.has(k)) seen.set(k, t);
  };
  new MutationObserver((records) => {
    const t = performance.timeOrigin + performance.now();
    for (const r of records) {
      if (r.type === "attributes") note(r.target, t);
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        if (n.matches("[data-testid=cell]")) note(n, t);
        for (const c of n.querySelectorAll("[data-testid=cell]")) note(c, t);
      }
    }
    maxHands = Math.max(maxHands, document.querySelectorAll("[data-testid=help-queue] [data-testid=hand]").length);
  }).observe(grid, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
  window.dashload = { seen: () => Object.fromEntries(seen), maxHands: () => maxHands };
  return true;
})()`

// liveClass is a class of simulated students running on a lab server, with
// the instructor's dashboard open in Chromium.
type liveClass struct {
	tab  context.Context // the dashboard's
	stop func() (*loadgen.Report, error)
	addr string // the lab server's host:port
	code string // the workshop's, once it is made

	mu    sync.Mutex
	acks  []loadgen.Ack
	allUp time.Time // when every student was first up; zero until then
}

// startClass starts a lab server for n students, opens the dashboard at
// w×h in Chromium with observeCells in it, and starts n simulated
// students on the worksheet, each completing stepRate steps a minute on
// average and raising a hand after a step with the chance hands, over
// ramp, for up to duration. stop ends the class and returns the load
// generator's report.
func startClass(t *testing.T, n int, w, h int64, stepRate, hands float64, ramp, duration time.Duration) *liveClass {
	t.Helper()
	cfg := workshopConfig(t, workshopStore(t, filepath.Join(t.TempDir(), "w.db")))
	cfg.MaxStudents = n
	addr := servertest.Start(t, cfg)
	var exs []loadgen.Exercise
	for _, ex := range cfg.Exercises {
		exs = append(exs, loadgen.Exercise{ID: ex.ID, Steps: len(ex.Steps)})
	}

	browser := chromium(t)
	tab, cancelTab := chromedp.NewContext(browser)
	t.Cleanup(cancelTab)
	// The tab opens on tab itself: a context derived from it would close
	// it when cancelled.
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	c := &liveClass{tab: tab, addr: addr}
	ctx, cancel := context.WithCancel(context.Background())
	var rep *loadgen.Report
	var runErr error
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		rep, runErr = loadgen.Run(ctx, loadgen.Config{
			Server:     "http://" + addr,
			Sessions:   n,
			Duration:   duration,
			Ramp:       ramp,
			Timeout:    time.Minute,
			Workshop:   true,
			Exercises:  exs,
			StepRate:   stepRate,
			HandChance: hands,
			WorkshopReady: func(code, dashboardURL string) error {
				c.mu.Lock()
				c.code = code
				c.mu.Unlock()
				open, cancel := context.WithTimeout(tab, 3*time.Minute)
				defer cancel()
				if err := chromedp.Do(open,
					chromedp.EmulateViewport(w, h),
					chromedp.Navigate(dashboardURL),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=live-state][data-live=connected]`)),
				); err != nil {
					return err
				}
				ok, err := chromedp.Run(open, chromedp.Evaluate[bool](observeCells))
				if err == nil && !ok {
					err = errors.New("the observer did not start")
				}
				return err
			},
			Acked: func(a loadgen.Ack) {
				c.mu.Lock()
				c.acks = append(c.acks, a)
				c.mu.Unlock()
			},
			Progress: func(p loadgen.Progress) {
				c.mu.Lock()
				if p.Up == n && c.allUp.IsZero() {
					c.allUp = time.Now()
				}
				c.mu.Unlock()
			},
		})
	}()
	stopped := false
	c.stop = func() (*loadgen.Report, error) {
		if !stopped {
			stopped = true
			cancel()
			<-ran
		}
		return rep, runErr
	}
	t.Cleanup(func() { c.stop() })
	return c
}

// wait waits until cond holds of the class, or the class's run ends, or
// limit passes; false unless cond held.
func (c *liveClass) wait(limit time.Duration, cond func(c *liveClass) bool) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		c.mu.Lock()
		ok := cond(c)
		c.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// pageCPU is the dashboard's main-thread time so far, in seconds: its
// tasks ("TaskDuration") and, of those, its scripts, layout and style
// ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration").
func pageCPU(t *testing.T, tab context.Context) map[string]float64 {
	t.Helper()
	m, err := chromedp.Call(tab, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		t.Fatalf("performance metrics: %v", err)
	}
	out := map[string]float64{}
	for _, x := range m.Metrics {
		out[x.Name] = x.Value
	}
	// The renderers' CPU time ("renderer"), all threads, as the system
	// counts it: on a shared machine a task's duration is longer than its
	// CPU time.
	p, err := chromedp.CallBrowser(tab, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		t.Fatalf("process info: %v", err)
	}
	for _, x := range p.ProcessInfo {
		if x.Type == "renderer" {
			out["renderer"] += x.CPUTime
		}
	}
	return out
}

// TestDashboardLoad is the dashboard with a live class: every step the
// server acknowledged (up to a few seconds before the end) reaches its
// cell, and hands reach the help queue. With SOCKETLAB_DASHBOARD_LOAD=N
// it runs N students for a minute after all are up, and logs the
// latency from acknowledgement to cell (p50, p99) and the page's CPU.
func TestDashboardLoad(t *testing.T) {
	n, stepRate, ramp, hold := 30, 30.0, 5*time.Second, 10*time.Second
	if v := os.Getenv("SOCKETLAB_DASHBOARD_LOAD"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
			t.Fatalf("SOCKETLAB_DASHBOARD_LOAD=%q: want a number of students, 1 to 1000", v)
		}
		// A class working briskly: a step every 10 s each, on average.
		stepRate, ramp, hold = 6, time.Duration(n)*100*time.Millisecond, time.Minute
	}
	c := startClass(t, n, 1920, 1080, stepRate, 0.1, ramp, time.Hour)
	if !c.wait(ramp+5*time.Minute, func(c *liveClass) bool { return !c.allUp.IsZero() }) {
		rep, err := c.stop()
		t.Fatalf("the %d students did not all come up: %v; %+v", n, err, rep)
	}
	if _, err := chromedp.Call(c.tab, performance.Enable, performance.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	cpu0 := pageCPU(t, c.tab)
	start := time.Now()
	time.Sleep(hold)
	cpu1 := pageCPU(t, c.tab)
	wall := time.Since(start).Seconds()
	share := func(name string) float64 { return 100 * (cpu1[name] - cpu0[name]) / wall }
	// What the page has shown; acknowledgements from the last few seconds
	// may not have reached it yet, and are left out.
	end := time.Now()
	seen, err := chromedp.Run(c.tab, chromedp.Evaluate[map[string]float64](`window.dashload.seen()`))
	if err != nil {
		t.Fatal(err)
	}
	maxHands, _ := chromedp.Run(c.tab, chromedp.Evaluate[int](`window.dashload.maxHands()`))
	// The rows go by name, as a person reads them ("bench 9" before
	// "bench 10"), not in the order the students joined.
	names, err := chromedp.Run(c.tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=progress-grid] tbody th .name")].map(n => n.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	collator := `new Intl.Collator(undefined, {numeric: true, sensitivity: "base"})`
	sorted, _ := chromedp.Run(c.tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=progress-grid] tbody th .name")].map(n => n.textContent).sort(`+collator+`.compare)`))
	if len(names) != n || !slices.Equal(names, sorted) {
		t.Errorf("the grid's %d rows (of %d students) are not by name: %q", len(names), n, names)
	}
	rep, err := c.stop()
	if err != nil {
		t.Fatal(err)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	var lat []float64 // ms, for the steps acknowledged while all were up
	missing := 0
	for _, a := range c.acks {
		if a.At.After(end.Add(-3 * time.Second)) {
			continue
		}
		at, ok := seen[fmt.Sprintf("%d/%s/%d", a.Record.StudentID, a.Record.Exercise, a.Record.Step)]
		if !ok {
			missing++
			continue
		}
		if a.At.After(c.allUp) {
			lat = append(lat, at-float64(a.At.UnixNano())/1e6)
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged steps never reached their cell", missing, len(c.acks))
	}
	if len(lat) == 0 {
		t.Fatalf("no step was acknowledged while all %d students were up; the load generator's report: %+v", n, rep)
	}
	if maxHands == 0 && rep.HandsRaised > 0 {
		t.Errorf("%d hands were raised, and the help queue never showed one", rep.HandsRaised)
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)] }
	t.Logf("%d students, %v steps a minute each: %d steps in %.0f s while all were up; acknowledgement to cell p50 %.0f ms, p99 %.0f ms, max %.0f ms (min %.0f ms); dashboard page's main thread busy %.1f%% of the time (scripts %.1f%%, layout %.1f%%, style %.1f%%), its renderer's CPU %.1f%% of a core; longest help queue %d; report p50 %.1f ms, p99 %.1f ms; errors %v",
		n, stepRate, len(lat), wall, q(0.5), q(0.99), lat[len(lat)-1], lat[0],
		share("TaskDuration"), share("ScriptDuration"), share("LayoutDuration"), share("RecalcStyleDuration"), share("renderer"), maxHands, rep.ReportP50Ms, rep.ReportP99Ms, rep.Errors)
}
