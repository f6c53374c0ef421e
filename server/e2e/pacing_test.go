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

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/servertest"
)

// TestBrowserPacing is issue 13's pacing, messages and deletions in
// Chromium, one instructor and two students in browser contexts of their
// own. The instructor locks the exercises after the first: Ada's open lab
// page shows the second locked without a reload, and opening its URL is
// refused in words; a message reaches her page live, as text, and she
// dismisses it; unlocked, the exercise opens. Deleting Bob closes his
// session, with the reason on his page, and takes him off the grid and
// the CSV. The peers rule changes from the dashboard; the workshop is
// deleted from it after a confirmation. axe-core finds nothing on the
// dashboard with the class's controls (light and dark) nor on Ada's page
// showing a message and a locked exercise.
func TestBrowserPacing(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	var w struct {
		created
		DashboardURL string `json:"dashboard_url"`
	}
	if status := api(t, addr, "POST", "/api/workshops", "", map[string]any{"title": "Paced", "exercises": []string{"round-trip", "be-the-server"}}, &w); status != 201 {
		t.Fatalf("create: %d", status)
	}
	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil && os.Getenv("CI") != "" {
		t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
	}
	checkAxe := func(ctx context.Context, what string) {
		t.Helper()
		if axe == nil {
			t.Logf("!!! no axe-core, the accessibility check of %s is skipped", what)
			return
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			if v := runAxe(t, ctx, string(axe)); len(v) > 0 {
				t.Errorf("axe-core on %s (%s): %d violations:\n%s", what, scheme, len(v), strings.Join(v, "\n"))
			}
		}
	}
	tab := func(parent context.Context, opts ...chromedp.ContextOption) context.Context {
		ctx, cancel := chromedp.NewContext(parent, opts...)
		t.Cleanup(cancel)
		step, cancelStep := context.WithTimeout(ctx, 240*time.Second)
		t.Cleanup(cancelStep)
		return step
	}
	text := func(ctx context.Context, selector string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(selector)+`)?.textContent ?? ""`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitText := func(ctx context.Context, selector, want string) {
		t.Helper()
		var got string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if got = text(ctx, selector); strings.Contains(got, want) {
				return
			}
		}
		t.Fatalf("%s says %q, want %q", selector, got, want)
	}
	do := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	teacher := tab(browser, chromedp.WithNewBrowserContext())
	do(teacher, "open the dashboard", chromedp.EmulateViewport(1280, 720), chromedp.Navigate(w.DashboardURL),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=class-controls]`)))
	ada := tab(browser, chromedp.WithNewBrowserContext())
	do(ada, "Ada's viewport", chromedp.EmulateViewport(1280, 720))
	joinInBrowser(t, ada, w.JoinURL, "Ada")
	loadExercise(t, ada, "http://"+addr+"/lab/round-trip?workshop="+w.Code)
	bob := tab(browser, chromedp.WithNewBrowserContext())
	joinInBrowser(t, bob, w.JoinURL, "Bob")
	loadExercise(t, bob, "http://"+addr+"/lab/round-trip?workshop="+w.Code)
	waitCount(t, teacher, `[data-testid=progress-grid] td[data-online=true]`, 2)
	waitCount(t, teacher, `[data-testid=delete-student] option`, 2)

	// Lock after the first exercise: Ada's open page shows it.
	do(teacher, "lock after exercise 1", chromedp.SetValue(chromedp.CSS(`[data-testid=locked-after]`), "1"),
		chromedp.Click(chromedp.CSS(`[data-testid=pacing-apply]`)))
	waitText(teacher, `[data-testid=class-status]`, "Exercises up to 1 are open")
	waitCount(t, ada, `[data-testid=class-exercises]:not([hidden]) [data-exercise=be-the-server][data-locked=true] .locked-title:not([hidden])`, 1)
	if n := count(t, ada, `[data-testid=class-exercise][data-exercise=be-the-server] a:not([hidden])`); n != 0 {
		t.Error("the locked exercise's link still shows on Ada's page")
	}
	// Another tab of Ada's: her workshop page says it is locked, and its URL
	// is refused in words.
	adaToo := tab(ada)
	do(adaToo, "Ada's workshop page", chromedp.Navigate("http://"+addr+"/w/"+w.Code), chromedp.WaitReady(chromedp.CSS(`[data-testid=exercise-list]`)))
	if n := count(t, adaToo, `[data-testid=exercise][data-exercise=be-the-server][data-locked=true] [data-testid=exercise-lock]`); n != 1 {
		t.Error("Ada's workshop page does not say the second exercise is locked")
	}
	do(adaToo, "open the locked exercise", chromedp.Navigate("http://"+addr+"/lab/be-the-server?workshop="+w.Code),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=exercise-locked]`)))
	if refused := text(adaToo, `main`); !strings.Contains(refused, "is not open yet") || count(t, adaToo, `[data-testid=console]`) != 0 {
		t.Errorf("the locked exercise's page: %q", refused)
	}

	// A message, live, as text; Ada dismisses it.
	const msg = `<b>Break</b> until 10:30`
	do(teacher, "send a message", chromedp.SendKeys(chromedp.CSS(`[data-testid=message-input]`), msg),
		chromedp.Click(chromedp.CSS(`[data-testid=message-send]`)))
	waitText(ada, `[data-testid=class-message]`, "From your instructor: "+msg)
	if n := count(t, ada, `[data-testid=class-bar] b`); n != 0 {
		t.Error("the message's markup became elements on Ada's page")
	}
	if role, _ := chromedp.Run(ada, chromedp.Evaluate[string](`document.querySelector("[data-testid=class-message]").getAttribute("role")`)); role != "status" {
		t.Errorf("the message's region has role %q, want status", role)
	}
	waitText(teacher, `[data-testid=message-shown]`, msg)
	checkAxe(ada, "a student's lab page with a message and a locked exercise")
	do(ada, "dismiss the message", chromedp.Click(chromedp.CSS(`[data-testid=dismiss-message]`)))
	waitCount(t, ada, `[data-testid=dismiss-message][hidden]`, 1)
	if s := text(ada, `[data-testid=class-message]`); s != "" {
		t.Errorf("the message dismissed still says %q", s)
	}

	// The peers rule, from the dashboard.
	do(teacher, "let hosts reach each other", chromedp.SetValue(chromedp.CSS(`[data-testid=peers]`), "all"),
		chromedp.Click(chromedp.CSS(`[data-testid=peers-apply]`)))
	waitText(teacher, `[data-testid=class-status]`, "reach each other")
	var got struct {
		Peers       string `json:"peers"`
		LockedAfter int    `json:"locked_after"`
	}
	if api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &got); got.Peers != "all" || got.LockedAfter != 1 {
		t.Errorf("the workshop after the dashboard's changes: %+v", got)
	}

	// Unlock: the exercise opens.
	do(teacher, "unlock", chromedp.SetValue(chromedp.CSS(`[data-testid=locked-after]`), "0"),
		chromedp.Click(chromedp.CSS(`[data-testid=pacing-apply]`)))
	waitCount(t, ada, `[data-testid=class-exercises][hidden]`, 1)
	if n := count(t, ada, `[data-testid=class-exercise][data-locked=true]`); n != 0 {
		t.Errorf("%d exercises still locked on Ada's page", n)
	}
	do(adaToo, "open the exercise unlocked", chromedp.Navigate("http://"+addr+"/lab/be-the-server?workshop="+w.Code),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=worksheet][data-exercise=be-the-server]`)))

	// Delete Bob, after the confirmation.
	bobID, err := chromedp.Run(teacher, chromedp.Evaluate[string](`[...document.querySelectorAll("[data-testid=delete-student] option")].find(o => o.textContent === "Bob").value`))
	if err != nil {
		t.Fatal(err)
	}
	do(teacher, "ask to delete Bob", chromedp.SetValue(chromedp.CSS(`[data-testid=delete-student]`), bobID),
		chromedp.Click(chromedp.CSS(`[data-testid=delete-student-ask]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=delete-student-confirm]`)))
	if q := text(teacher, `[data-testid=delete-student-question]`); !strings.Contains(q, "Bob") {
		t.Errorf("the confirmation asks %q", q)
	}
	checkAxe(teacher, "the dashboard with the class's controls and a confirmation open")
	do(teacher, "delete Bob", chromedp.Click(chromedp.CSS(`[data-testid=delete-student-yes]`)))
	waitText(bob, `[data-testid=bridge-status]`, "removed you")
	waitCount(t, teacher, `[data-testid=progress-grid] tbody tr`, 1)
	if n := count(t, teacher, `[data-testid=progress-grid] tbody tr[data-student="`+bobID+`"]`); n != 0 {
		t.Error("Bob's row is still on the grid")
	}
	csv, err := chromedp.Run(teacher, chromedp.Evaluate[string](`fetch(document.querySelector("[data-testid=export-csv]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || strings.Contains(csv, "Bob") {
		t.Errorf("the CSV after Bob's deletion (%v):\n%s", err, csv)
	}

	// Delete the workshop, after the confirmation.
	do(teacher, "delete the workshop", chromedp.Click(chromedp.CSS(`[data-testid=delete-workshop-ask]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=delete-workshop-yes]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=delete-workshop-yes]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=code-box]`)))
	if status := api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, nil); status != 404 {
		t.Errorf("the workshop after its deletion: %d", status)
	}
}

// TestKeepStopsWhenRemoved: bridge.Keep, the tab's loop, passes the
// server's workshop messages on, and when the instructor deletes the
// student it records why and joins no more (the server would refuse the
// student's cookie anyway).
func TestKeepStopsWhenRemoved(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	w := createWorkshop(t, addr, map[string]any{"title": "Keep", "exercises": []string{"round-trip", "be-the-server"}})
	cookie := joinWorkshop(t, addr, w.Code, "Ada")

	ctx, cancel := context.WithCancel(context.Background())
	trace := lab.NewTrace(0)
	clients := make(chan *bridge.Client, 4)
	states := make(chan bridge.WorkshopMessage, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		opts := bridge.Options{Trace: trace, Header: cookie, OnWorkshop: func(m bridge.WorkshopMessage) {
			select {
			case states <- m:
			default: // must not block; the test reads them all
			}
		}}
		bridge.Keep(ctx, "ws://"+addr+"/bridge?workshop="+w.Code, opts, func(c *bridge.Client) { clients <- c })
	}()
	defer func() { cancel(); <-done }()

	first := <-clients
	if status := api(t, addr, "PATCH", "/api/workshops/"+w.Code, w.Token, map[string]any{"locked_after": 1}, nil); status != 200 {
		t.Fatalf("PATCH = %d", status)
	}
	for m := range states {
		if m.LockedAfter == 1 {
			break
		}
	}
	path := fmt.Sprintf("/api/workshops/%s/students/%d", w.Code, first.Hello().Workshop.Student.ID)
	if status := api(t, addr, "DELETE", path, w.Token, nil, nil); status != 204 {
		t.Fatalf("DELETE = %d", status)
	}
	<-first.Done()
	var closed *lab.SessionEvent
	for deadline := time.Now().Add(10 * time.Second); closed == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, e := range trace.Events() {
			if e.Kind == lab.KindSession && e.Session.What == "closed" {
				closed = e.Session
			}
		}
	}
	if closed == nil || closed.CloseCode != bridge.CloseRemoved || !strings.Contains(closed.Message, "removed you") {
		t.Fatalf("the session's end: %+v", closed)
	}
	// Give a loop that would reconnect the time to try: it does not.
	time.Sleep(2 * time.Second)
	select {
	case c := <-clients:
		t.Errorf("Keep joined again after the student was removed: %s", c.Hello().Session)
	default:
	}
	if evs := trace.Events(); evs[len(evs)-1].Session == nil || evs[len(evs)-1].Session.What != "closed" {
		t.Errorf("the trace goes on after the removal: %+v", evs[len(evs)-1])
	}
}
