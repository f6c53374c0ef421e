package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/server/servertest"
)

// TestBrowserDashboard is issue 13's first slice in Chromium: one
// instructor and three students, each in a browser context of their own.
// A student's step ticks on the dashboard within two seconds; a student
// asks for help and the queue shows it (and the live region says so)
// while a classmate's page shows nothing of it; "on my way" reaches the
// student; the CSV the page downloads is the API's. axe-core finds
// nothing on the dashboard, light or dark; with -screenshots DIR it is
// photographed at 1280×720.
func TestBrowserDashboard(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	var w struct {
		created
		DashboardURL string `json:"dashboard_url"`
	}
	if status := api(t, addr, "POST", "/api/workshops", "", map[string]any{"title": "Sockets, week 3", "exercises": []string{"round-trip", "be-the-server"}}, &w); status != 201 {
		t.Fatalf("create: %d", status)
	}

	tab := func() context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		step, cancelStep := context.WithTimeout(ctx, 180*time.Second)
		t.Cleanup(cancelStep)
		return step
	}
	// The instructor opens the dashboard link: the token goes from the
	// address bar into the cookie.
	teacher := tab()
	if err := chromedp.Do(teacher, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(w.DashboardURL),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=progress-grid]`))); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	if href, err := chromedp.Run(teacher, chromedp.Evaluate[string](`location.href`)); err != nil || strings.Contains(href, "token") {
		t.Errorf("the address bar after sign-in: %q, %v", href, err)
	}

	students := map[string]context.Context{}
	for _, name := range []string{"Ada", "Grace", "Linus"} {
		ctx := tab()
		joinInBrowser(t, ctx, w.JoinURL, name)
		loadExercise(t, ctx, "http://"+addr+"/lab/round-trip?workshop="+w.Code)
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=ask-help]`))); err != nil {
			t.Fatal(err)
		}
		students[name] = ctx
	}
	waitCount(t, teacher, `[data-testid=progress-grid] tbody tr`, 3)
	waitCount(t, teacher, `[data-testid=progress-grid] td[data-online=true]`, 3)
	if n := count(t, teacher, `[data-testid=cell][data-state=current][data-exercise=round-trip][data-step="0"]`); n != 3 {
		t.Errorf("%d students are on the first step, want 3", n)
	}

	// Ada makes a socket: her first cell ticks on the dashboard.
	ada, err := chromedp.Run(teacher, chromedp.Evaluate[string](`[...document.querySelectorAll("[data-testid=progress-grid] tbody th")].find(th => th.textContent.startsWith("Ada")).parentElement.dataset.student`))
	if err != nil || ada == "" {
		t.Fatalf("Ada's row: %q, %v", ada, err)
	}
	typeLine(t, students["Ada"], `s = socket(AF_INET, SOCK_STREAM)`)
	waitCount(t, students["Ada"], `[data-testid=step][data-passed=true]`, 1)
	ticked := time.Now()
	cell := `[data-testid=cell][data-student="` + ada + `"][data-exercise=round-trip][data-step="0"]`
	for time.Since(ticked) < 2*time.Second && count(t, teacher, cell+`:is([data-state=done],[data-state=unconfirmed])`) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if count(t, teacher, cell+`:is([data-state=done],[data-state=unconfirmed])`) != 1 {
		t.Fatalf("Ada's step is not done on the dashboard 2 s after it ticked on her page")
	}
	t.Logf("Ada's tick reached the dashboard in %v", time.Since(ticked).Round(time.Millisecond))
	if past, _ := chromedp.Run(teacher, chromedp.Evaluate[string](`document.querySelector('[data-testid=past-count][data-exercise=round-trip][data-step="0"]').textContent`)); past != "1" {
		t.Errorf("past the first step: %q, want 1", past)
	}

	// Grace asks for help; the queue shows it, Linus's page nothing.
	if err := chromedp.Do(students["Grace"],
		chromedp.SendKeys(chromedp.CSS(`[data-testid=help-message]`), "my connect hangs"),
		chromedp.Click(chromedp.CSS(`[data-testid=ask-help]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitCount(t, teacher, `[data-testid=help-queue] [data-testid=hand]`, 1)
	queue, _ := chromedp.Run(teacher, chromedp.Evaluate[string](`document.querySelector("[data-testid=help-queue]").textContent`))
	if !strings.Contains(queue, "Grace") || !strings.Contains(queue, "my connect hangs") || !strings.Contains(queue, "step 1") {
		t.Errorf("the help queue: %q", queue)
	}
	if said, _ := chromedp.Run(teacher, chromedp.Evaluate[string](`document.querySelector("[data-testid=hand-announce]").textContent`)); !strings.Contains(said, "Grace asked for help") {
		t.Errorf("the live region says %q", said)
	}
	time.Sleep(time.Second) // what Linus's page would have had time to show
	linus, _ := chromedp.Run(students["Linus"], chromedp.Evaluate[string](`document.body.innerText`))
	if strings.Contains(linus, "Grace") || strings.Contains(linus, "my connect hangs") || strings.Contains(strings.ToLower(linus), "asked for help") {
		t.Errorf("Linus's page shows Grace's hand:\n%s", linus)
	}

	// On my way: Grace's page says so.
	if err := chromedp.Do(teacher, chromedp.Click(chromedp.CSS(`[data-testid=hand-coming]`))); err != nil {
		t.Fatal(err)
	}
	var said string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(said, "On my way"); time.Sleep(100 * time.Millisecond) {
		said, _ = chromedp.Run(students["Grace"], chromedp.Evaluate[string](`document.querySelector("[data-testid=help-status]").textContent`))
	}
	if !strings.Contains(said, "On my way") {
		t.Errorf("Grace's page says %q after on my way", said)
	}

	// The CSV the page links to is the API's.
	page, err := chromedp.Run(teacher, chromedp.Evaluate[string](`fetch(document.querySelector("[data-testid=export-csv]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/workshops/"+w.Code+"/progress.csv", nil)
	req.Header.Set("Authorization", "Bearer "+w.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	fromAPI, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page != string(fromAPI) || !strings.Contains(page, "Ada") {
		t.Errorf("the page's CSV:\n%s\nthe API's:\n%s", page, fromAPI)
	}
	if n, _ := chromedp.Run(teacher, chromedp.Evaluate[int](`fetch(document.querySelector("[data-testid=export-json]").href).then(r => r.json()).then(w => w.students.length)`, chromedp.EvalAwaitPromise)); n != 3 {
		t.Errorf("the JSON download has %d students", n)
	}

	if *screenshots != "" {
		png, err := chromedp.Run(teacher, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, "dashboard-1280x720.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// axe-core, light and dark, with the queue and a ticked cell showing.
	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
		}
		t.Skipf("!!! no axe-core, the accessibility check is skipped: %v", err)
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(teacher, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		if v := runAxe(t, teacher, string(axe)); len(v) > 0 {
			t.Errorf("axe-core on the dashboard (%s): %d violations:\n%s", scheme, len(v), strings.Join(v, "\n"))
		}
	}
}
