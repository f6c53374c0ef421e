package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/server/servertest"
)

// TestBrowserLookin is issue 13's look-in and spotlight in Chromium: an
// instructor and two students, each in a browser context of their own.
// Ada makes a TCP echo; the instructor's look-in shows her packets, and
// her page says she is watched until the look-in closes. The spotlight
// puts Ada's trace on Grace's page as "a classmate" (Grace's page never
// says "Ada"), and off takes it away. Grace's browser is refused the
// look-in and spotlight endpoints. axe-core finds nothing on the look-in
// page, nor on Grace's page with the spotlight.
func TestBrowserLookin(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	var w struct {
		created
		DashboardURL string `json:"dashboard_url"`
	}
	if status := api(t, addr, "POST", "/api/workshops", "", map[string]any{"title": "Look-in", "exercises": []string{"round-trip"}}, &w); status != 201 {
		t.Fatalf("create: %d", status)
	}
	tab := func() context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		step, cancelStep := context.WithTimeout(ctx, 240*time.Second)
		t.Cleanup(cancelStep)
		return step
	}
	teacher := tab()
	if err := chromedp.Do(teacher, chromedp.Navigate(w.DashboardURL), chromedp.WaitReady(chromedp.CSS(`[data-testid=progress-grid]`))); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	ada, grace := tab(), tab()
	joinInBrowser(t, ada, w.JoinURL, "Ada")
	joinInBrowser(t, grace, w.JoinURL, "Grace")
	loadExercise(t, ada, "http://"+addr+"/lab?workshop="+w.Code)
	loadExercise(t, grace, "http://"+addr+"/lab?workshop="+w.Code)

	var ws struct {
		Students []struct {
			ID   int64
			Name string
		}
	}
	api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &ws)
	var adaID string
	for _, st := range ws.Students {
		if st.Name == "Ada" {
			adaID = strconv.FormatInt(st.ID, 10)
		}
	}
	if adaID == "" {
		t.Fatalf("no Ada among %+v", ws.Students)
	}
	execLines(t, ada, tcpEcho(t)...)
	adaPackets := count(t, ada, `#packet-list [data-testid=packet-row]`)
	if adaPackets < 6 {
		t.Fatalf("Ada's page lists %d packets after a TCP echo", adaPackets)
	}

	// The look-in: Ada's packets, and Ada's page says so.
	lookin := "http://" + addr + "/workshop/" + w.Code + "/students/" + adaID
	if err := chromedp.Do(teacher, chromedp.Navigate(lookin), chromedp.WaitReady(chromedp.CSS(`[data-testid=lookin]`))); err != nil {
		t.Fatal(err)
	}
	waitSame(t, teacher, `[data-testid=lookin-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)
	if n := count(t, teacher, `[data-testid=mirror-call]`); n < 4 {
		t.Errorf("the look-in lists %d of Ada's calls, want her echo's", n)
	}
	waitText(t, ada, `[data-testid=watched-note]`, "Your instructor is looking at your lab")
	if role := evalString(t, ada, `document.querySelector("[data-testid=watched-note]").getAttribute("role")`); role != "status" {
		t.Errorf("the watched note's role: %q", role)
	}
	// A new packet of Ada's reaches the look-in live.
	execLines(t, ada, `u = socket(AF_INET, SOCK_DGRAM)`, `u.sendto(b"hi", ("10.0.0.1", 7))`)
	waitSame(t, teacher, `[data-testid=lookin-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)

	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil && os.Getenv("CI") != "" {
		t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
	}
	if err == nil {
		if v := runAxe(t, teacher, string(axe)); len(v) > 0 {
			t.Errorf("axe-core on the look-in page: %d violations:\n%s", len(v), strings.Join(v, "\n"))
		}
	}

	// The look-in closes: Ada's page stops saying so.
	if err := chromedp.Do(teacher, chromedp.Navigate(w.DashboardURL), chromedp.WaitReady(chromedp.CSS(`[data-testid=progress-grid]`))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ada, `[data-testid=watched-note]`, "")

	// Grace may not look in, nor spotlight.
	for _, probe := range []string{
		`fetch("/workshop/` + w.Code + `/students/` + adaID + `").then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/students/` + adaID + `/trace").then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/spotlight", {method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify({student: ` + adaID + `})}).then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/spotlight", {method: "DELETE"}).then(r => r.status)`,
	} {
		status, err := chromedp.Run(grace, chromedp.Evaluate[int](probe, chromedp.EvalAwaitPromise))
		if err != nil || status != 401 {
			t.Errorf("Grace's %s: %d, %v; want 401", probe, status, err)
		}
	}

	// The spotlight, from the dashboard: Ada's trace on Grace's page, as
	// "a classmate".
	if err := chromedp.Do(teacher, chromedp.Click(chromedp.CSS(`[data-testid=spotlight-student][data-student="`+adaID+`"]`))); err != nil {
		t.Fatal(err)
	}
	waitCount(t, grace, `[data-testid=spotlight]:not([hidden])`, 1)
	waitText(t, grace, `[data-testid=spotlight-title]`, "Spotlight: a classmate’s lab")
	waitSame(t, grace, `[data-testid=spotlight-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)
	waitText(t, ada, `[data-testid=watched-note]`, "Your instructor is showing your lab to the class")
	if n := count(t, ada, `[data-testid=spotlight]:not([hidden])`); n != 0 {
		t.Errorf("Ada's own page shows her spotlight")
	}
	if html := evalString(t, grace, `document.documentElement.outerHTML`); strings.Contains(html, "Ada") {
		t.Errorf("Grace's page names Ada")
	}
	if err == nil && axe != nil {
		if v := runAxe(t, grace, string(axe)); len(v) > 0 {
			t.Errorf("axe-core on a page with the spotlight: %d violations:\n%s", len(v), strings.Join(v, "\n"))
		}
	}
	if err := chromedp.Do(teacher, chromedp.Click(chromedp.CSS(`[data-testid=spotlight-off]`))); err != nil {
		t.Fatal(err)
	}
	waitCount(t, grace, `[data-testid=spotlight][hidden]`, 1)
	waitText(t, ada, `[data-testid=watched-note]`, "")
}

// waitSame waits up to 15 s for sel in ctx to match as many elements as
// theirSel does in theirs (a student's page, whose packets may still come).
func waitSame(t *testing.T, ctx context.Context, sel string, theirs context.Context, theirSel string) {
	t.Helper()
	var n, want int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, want = count(t, ctx, sel), count(t, theirs, theirSel); n == want {
			return
		}
	}
	t.Fatalf("%d elements match %s, want %d as %s does", n, sel, want, theirSel)
}

// waitText waits up to 15 s for the element sel selects to say text.
func waitText(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = evalString(t, ctx, `document.querySelector(`+jsString(sel)+`).textContent`); got == text {
			return
		}
	}
	t.Fatalf("%s says %q, want %q", sel, got, text)
}

// evalString evaluates a JavaScript expression to a string.
func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}
