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

// TestBrowserClass is issue 13's "done when", one class session in
// Chromium: an instructor and three students (Ada, Grace, Linus), each in
// a browser context of their own.
//
//   - The dashboard link signs in and leaves the address bar; a student's
//     step ticks on the dashboard within two seconds.
//   - Grace asks for help: the queue shows it (the live region says so),
//     "on my way" reaches her page, and Linus's page shows nothing of it.
//   - Look-in (a tab of the instructor's) shows Ada's packets, live; Ada's
//     page says she is watched until it closes.
//   - Grace's browser is refused the look-in and spotlight endpoints.
//   - The spotlight puts Ada's trace on Grace's page as "a classmate"
//     (the page never says "Ada") and on the projector's view; the
//     dashboard, reloaded, still says whom it shows; off takes it away
//     from both.
//   - A locked exercise shows locked on Ada's open page and its URL is
//     refused in words; a message reaches her page as text, and she
//     dismisses it; the peers rule changes; unlocked, the exercise opens.
//   - The CSV the page downloads is the API's, the JSON has the class;
//     deleting Linus ends his session with the reason, and takes him off
//     the grid and the CSV; the workshop is deleted.
//
// axe-core finds nothing on the dashboard (light and dark, with a hand,
// a ticked cell, the spotlight bar and a confirmation open), the look-in,
// the projector's view, Grace's page with the spotlight nor Ada's with a
// message and a locked exercise. With -screenshots DIR, the dashboard
// with the spotlight bar is photographed at 1280×720 and the projector's
// view at 1920×1080.
func TestBrowserClass(t *testing.T) {
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
	base := "http://" + addr
	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil && os.Getenv("CI") != "" {
		t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
	}
	checkAxe := func(ctx context.Context, what string, schemes ...string) {
		t.Helper()
		if axe == nil {
			t.Logf("!!! no axe-core, the accessibility check of %s is skipped", what)
			return
		}
		for _, scheme := range schemes {
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
	// tab opens a tab: in a browser context of its own (a person) under
	// the browser, or another of the same person's under their tab.
	tab := func(parent context.Context, opts ...chromedp.ContextOption) (context.Context, context.CancelFunc) {
		ctx, cancel := chromedp.NewContext(parent, opts...)
		t.Cleanup(cancel)
		step, cancelStep := context.WithTimeout(ctx, 300*time.Second)
		t.Cleanup(cancelStep)
		return step, cancel
	}
	person := func() context.Context {
		ctx, _ := tab(browser, chromedp.WithNewBrowserContext())
		return ctx
	}
	do := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// The instructor opens the dashboard link: the token goes from the
	// address bar into the cookie.
	teacher := person()
	do(teacher, "open the dashboard", chromedp.EmulateViewport(1280, 720), chromedp.Navigate(w.DashboardURL),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=progress-grid]`)), chromedp.WaitReady(chromedp.CSS(`[data-testid=class-controls]`)))
	if href := evalString(t, teacher, `location.href`); strings.Contains(href, "token") {
		t.Errorf("the address bar after sign-in: %q", href)
	}

	students := map[string]context.Context{}
	for _, name := range []string{"Ada", "Grace", "Linus"} {
		ctx := person()
		do(ctx, name+"'s viewport", chromedp.EmulateViewport(1280, 720))
		joinInBrowser(t, ctx, w.JoinURL, name)
		loadExercise(t, ctx, base+"/lab/round-trip?workshop="+w.Code)
		do(ctx, name+"'s help form", chromedp.WaitVisible(chromedp.CSS(`[data-testid=ask-help]`)))
		students[name] = ctx
	}
	ada, grace, linus := students["Ada"], students["Grace"], students["Linus"]
	waitCount(t, teacher, `[data-testid=progress-grid] tbody tr`, 3)
	waitCount(t, teacher, `[data-testid=progress-grid] tr[data-online=true]`, 3)
	if n := count(t, teacher, `[data-testid=cell][data-state=current][data-exercise=round-trip][data-step="0"]`); n != 3 {
		t.Errorf("%d students are on the first step, want 3", n)
	}
	idOf := func(name string) string {
		t.Helper()
		id := evalString(t, teacher, `[...document.querySelectorAll("[data-testid=progress-grid] tbody th")].find(th => th.textContent.startsWith(`+jsString(name)+`))?.parentElement.dataset.student ?? ""`)
		if id == "" {
			t.Fatalf("no row of %s's on the grid", name)
		}
		return id
	}
	adaID, linusID := idOf("Ada"), idOf("Linus")

	// Ada makes a socket: her first cell ticks on the dashboard within
	// two seconds, done (nothing of it shows on the wire).
	typeLine(t, ada, `s = socket(AF_INET, SOCK_STREAM)`)
	waitCount(t, ada, `[data-testid=step][data-passed=true]`, 1)
	ticked := time.Now()
	cell := `[data-testid=cell][data-student="` + adaID + `"][data-exercise=round-trip][data-step="0"][data-state=done]`
	waitCount(t, teacher, cell, 1)
	if took := time.Since(ticked); took > 2*time.Second {
		t.Errorf("Ada's step reached the dashboard %v after it ticked on her page, want within 2 s", took.Round(time.Millisecond))
	} else {
		t.Logf("Ada's tick reached the dashboard in %v", took.Round(time.Millisecond))
	}
	if words := evalString(t, teacher, `document.querySelector('[data-testid=ex-cell][data-student="`+adaID+`"][data-exercise=round-trip]').textContent`); !strings.HasPrefix(words, "1/") {
		t.Errorf("Ada's round-trip cell says %q, want 1 step done first", words)
	}
	typeLine(t, linus, `s = socket(AF_INET, SOCK_STREAM)`) // a line in the CSV, until he is deleted
	waitCount(t, linus, `[data-testid=step][data-passed=true]`, 1)

	// Grace asks for help; the queue shows it; on my way reaches her.
	do(grace, "ask for help", chromedp.SendKeys(chromedp.CSS(`[data-testid=help-message]`), "my connect hangs"),
		chromedp.Click(chromedp.CSS(`[data-testid=ask-help]`)))
	waitCount(t, teacher, `[data-testid=help-queue] [data-testid=hand]`, 1)
	if queue := evalString(t, teacher, `document.querySelector("[data-testid=help-queue]").textContent`); !strings.Contains(queue, "Grace") || !strings.Contains(queue, "my connect hangs") || !strings.Contains(queue, "step 1") {
		t.Errorf("the help queue: %q", queue)
	}
	if said := evalString(t, teacher, `document.querySelector("[data-testid=hand-announce]").textContent`); !strings.Contains(said, "Grace asked for help") {
		t.Errorf("the live region says %q", said)
	}
	do(teacher, "on my way", chromedp.Click(chromedp.CSS(`[data-testid=hand-coming]`)))
	waitSays(t, grace, `[data-testid=help-status]`, "On my way")
	// By now Linus's page has had the time to show anything it was sent.
	if page := evalString(t, linus, `document.body.innerText`); strings.Contains(page, "Grace") || strings.Contains(page, "my connect hangs") || strings.Contains(strings.ToLower(page), "asked for help") {
		t.Errorf("Linus's page shows Grace's hand:\n%s", page)
	}

	// Look-in, in a tab of the instructor's: Ada's packets, and her page
	// says so; a new packet of hers arrives live; closed, her page stops
	// saying so.
	execLines(t, ada, tcpEcho(t)...)
	if n := count(t, ada, `#packet-list [data-testid=packet-row]`); n < 6 {
		t.Fatalf("Ada's page lists %d packets after a TCP echo", n)
	}
	look, closeLook := tab(teacher)
	do(look, "open the look-in", chromedp.Navigate(base+"/workshop/"+w.Code+"/students/"+adaID), chromedp.WaitReady(chromedp.CSS(`[data-testid=lookin]`)))
	waitSame(t, look, `[data-testid=lookin-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)
	adaAddr := evalString(t, ada, `socketlab.trace().find(e => e.kind === "session" && e.session.what === "hello").host`)
	if n := callsOf(t, look, `[data-testid=mirror-call]`, adaAddr); n < 5 {
		t.Errorf("the look-in lists %d of Ada's calls, want her echo's 5", n)
	}
	if n := callsOf(t, look, `[data-testid=mirror-call]`, "10.0.0.1"); n == 0 || n > 8 {
		t.Errorf("the look-in lists %d of the lab server's calls, want its answers to Ada only, without its set-up", n)
	}
	waitText(t, ada, `[data-testid=watched-note]`, "Your instructor is looking at your lab")
	if role := evalString(t, ada, `document.querySelector("[data-testid=watched-note]").getAttribute("role")`); role != "status" {
		t.Errorf("the watched note's role: %q", role)
	}
	execLines(t, ada, `u = socket(AF_INET, SOCK_DGRAM)`, `u.sendto(b"hi", ("10.0.0.1", 7))`)
	waitSame(t, look, `[data-testid=lookin-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)
	checkAxe(look, "the look-in page", "light")
	closeLook()
	waitText(t, ada, `[data-testid=watched-note]`, "")

	// Grace may not look in, nor spotlight, nor watch the projector.
	for _, probe := range []string{
		`fetch("/workshop/` + w.Code + `/students/` + adaID + `").then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/students/` + adaID + `/trace").then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/spotlight", {method: "PUT", headers: {"Content-Type": "application/json"}, body: JSON.stringify({student: ` + adaID + `})}).then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/spotlight", {method: "DELETE"}).then(r => r.status)`,
		`fetch("/workshop/` + w.Code + `/projector").then(r => r.status)`,
		`fetch("/api/workshops/` + w.Code + `/spotlight/trace").then(r => r.status)`,
	} {
		status, err := chromedp.Run(grace, chromedp.Evaluate[int](probe, chromedp.EvalAwaitPromise))
		if err != nil || status != 401 {
			t.Errorf("Grace's %s: %d, %v; want 401", probe, status, err)
		}
	}

	// The projector's view, before the spotlight: nothing.
	projector, _ := tab(teacher)
	do(projector, "open the projector's view", chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(evalString(t, teacher, `document.querySelector("[data-testid=projector-link]").href`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=projector]`)))
	waitText(t, projector, `[data-testid=projector-status]`, "Live")
	waitText(t, projector, `[data-testid=projector-title]`, "Nothing is spotlit")

	// The spotlight, from the dashboard: Ada's trace on Grace's page, as
	// "a classmate", and on the projector.
	do(teacher, "spotlight Ada", chromedp.Click(chromedp.CSS(`[data-testid=spotlight-student][data-student="`+adaID+`"]`)))
	waitCount(t, grace, `[data-testid=spotlight]:not([hidden])`, 1)
	waitText(t, grace, `[data-testid=spotlight-title]`, "Spotlight: a classmate’s lab")
	waitSame(t, grace, `[data-testid=spotlight-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)
	waitText(t, ada, `[data-testid=watched-note]`, "Your instructor is showing your lab to the class")
	if n := count(t, ada, `[data-testid=spotlight]:not([hidden])`); n != 0 {
		t.Errorf("Ada's own page shows her spotlight")
	}
	// Ada's socket() is hers, not folded into the lab server's set-up.
	if n := callsOf(t, grace, `[data-testid=spotlight] [data-testid=mirror-call]`, adaAddr); n < 5 ||
		evalString(t, grace, `String([...document.querySelectorAll("[data-testid=spotlight] [data-testid=mirror-call]")].some(li => li.textContent.startsWith(`+jsString(adaAddr+": socket(")+`)))`) != "true" {
		t.Errorf("Grace's spotlight lists %d of Ada's calls, or not her socket()", n)
	}
	if html := evalString(t, grace, `document.documentElement.outerHTML`); strings.Contains(html, "Ada") {
		t.Errorf("Grace's page names Ada")
	}
	checkAxe(grace, "a page with the spotlight", "light")
	waitText(t, projector, `[data-testid=projector-title]`, "Spotlight: a classmate’s lab")
	waitSame(t, projector, `[data-testid=projector-packet-list] [data-testid=packet-row]`, ada, `#packet-list [data-testid=packet-row]`)
	if n := callsOf(t, projector, `[data-testid=projector-views]:not([hidden]) [data-testid=mirror-call]`, adaAddr); n < 5 {
		t.Errorf("the projector lists %d of Ada's calls, want her echo's 5", n)
	}
	if evalString(t, projector, `String([...document.querySelectorAll("[data-testid=projector-views] [data-testid=mirror-call]")].some(li => li.textContent.startsWith(`+jsString(adaAddr+": socket(")+`)))`) != "true" {
		t.Error("the projector does not list Ada's socket()")
	}
	checkAxe(projector, "the projector's view", "light", "dark")
	shoot(t, projector, "projector-1920x1080.png")

	// The dashboard, reloaded, knows whom the spotlight shows.
	const showing = "Showing Ada’s lab to the class, as “a classmate”."
	waitText(t, teacher, `[data-testid=spotlight-status]`, showing)
	do(teacher, "reload the dashboard", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS(`[data-testid=spotlight-bar]`)))
	waitText(t, teacher, `[data-testid=spotlight-status]`, showing)
	waitCount(t, teacher, `[data-testid=spotlight-off]:not([disabled])`, 1)
	waitCount(t, teacher, `[data-testid=help-queue] [data-testid=hand]`, 1)
	shoot(t, teacher, "dashboard-1280x720.png")

	// Off: Grace's page and the projector as they were, Ada's note gone.
	do(teacher, "spotlight off", chromedp.Click(chromedp.CSS(`[data-testid=spotlight-off]`)))
	waitCount(t, grace, `[data-testid=spotlight][hidden]`, 1)
	waitText(t, ada, `[data-testid=watched-note]`, "")
	waitText(t, projector, `[data-testid=projector-title]`, "Nothing is spotlit")
	waitCount(t, projector, `[data-testid=projector-views][hidden]`, 1)
	waitText(t, teacher, `[data-testid=spotlight-status]`, "Spotlight off.")

	// Lock after the first exercise: Ada's open page shows it, another
	// tab of hers is refused its URL, in words.
	do(teacher, "lock after exercise 1", chromedp.SetValue(chromedp.CSS(`[data-testid=locked-after]`), "1"),
		chromedp.Click(chromedp.CSS(`[data-testid=pacing-apply]`)))
	waitSays(t, teacher, `[data-testid=class-status]`, "Exercises up to 1 are open")
	waitCount(t, ada, `[data-testid=class-exercises]:not([hidden]) [data-exercise=be-the-server][data-locked=true] .locked-title:not([hidden])`, 1)
	if n := count(t, ada, `[data-testid=class-exercise][data-exercise=be-the-server] a:not([hidden])`); n != 0 {
		t.Error("the locked exercise's link still shows on Ada's page")
	}
	adaToo, _ := tab(ada)
	do(adaToo, "Ada's workshop page", chromedp.Navigate(base+"/w/"+w.Code), chromedp.WaitReady(chromedp.CSS(`[data-testid=exercise-list]`)))
	if n := count(t, adaToo, `[data-testid=exercise][data-exercise=be-the-server][data-locked=true] [data-testid=exercise-lock]`); n != 1 {
		t.Error("Ada's workshop page does not say the second exercise is locked")
	}
	do(adaToo, "open the locked exercise", chromedp.Navigate(base+"/lab/be-the-server?workshop="+w.Code),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=exercise-locked]`)))
	if refused := evalString(t, adaToo, `document.querySelector("main").textContent`); !strings.Contains(refused, "is not open yet") || count(t, adaToo, `[data-testid=console]`) != 0 {
		t.Errorf("the locked exercise's page: %q", refused)
	}

	// A message, live, as text; Ada dismisses it.
	const msg = `<b>Break</b> until 10:30`
	do(teacher, "send a message", chromedp.SendKeys(chromedp.CSS(`[data-testid=message-input]`), msg),
		chromedp.Click(chromedp.CSS(`[data-testid=message-send]`)))
	waitSays(t, ada, `[data-testid=class-message]`, "From your instructor: "+msg)
	if n := count(t, ada, `[data-testid=class-bar] b`); n != 0 {
		t.Error("the message's markup became elements on Ada's page")
	}
	if role := evalString(t, ada, `document.querySelector("[data-testid=class-message]").getAttribute("role")`); role != "status" {
		t.Errorf("the message's region has role %q, want status", role)
	}
	waitSays(t, teacher, `[data-testid=message-shown]`, msg)
	checkAxe(ada, "a student's lab page with a message and a locked exercise", "light", "dark")
	// Ada's page has scrolled with her console; the class bar is at its
	// top, under the sticky header, where she scrolls back to read it.
	do(ada, "dismiss the message", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Click(chromedp.CSS(`[data-testid=dismiss-message]`)))
	waitCount(t, ada, `[data-testid=dismiss-message][hidden]`, 1)
	if s := evalString(t, ada, `document.querySelector("[data-testid=class-message]").textContent`); s != "" {
		t.Errorf("the message dismissed still says %q", s)
	}

	// The peers rule, from the dashboard.
	do(teacher, "let hosts reach each other", chromedp.SetValue(chromedp.CSS(`[data-testid=peers]`), "all"),
		chromedp.Click(chromedp.CSS(`[data-testid=peers-apply]`)))
	waitSays(t, teacher, `[data-testid=class-status]`, "reach each other")
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
	do(adaToo, "open the exercise unlocked", chromedp.Navigate(base+"/lab/be-the-server?workshop="+w.Code),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=worksheet][data-exercise=be-the-server]`)))

	// The CSV the page links to is the API's; the JSON has the class.
	csv := func() string {
		t.Helper()
		s, err := chromedp.Run(teacher, chromedp.Evaluate[string](`fetch(document.querySelector("[data-testid=export-csv]").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	page := csv()
	req, _ := http.NewRequest("GET", base+"/api/workshops/"+w.Code+"/progress.csv", nil)
	req.Header.Set("Authorization", "Bearer "+w.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	fromAPI, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page != string(fromAPI) || !strings.Contains(page, "Ada") || !strings.Contains(page, "Linus") {
		t.Errorf("the page's CSV:\n%s\nthe API's:\n%s", page, fromAPI)
	}
	if n, _ := chromedp.Run(teacher, chromedp.Evaluate[int](`fetch(document.querySelector("[data-testid=export-json]").href).then(r => r.json()).then(w => w.students.length)`, chromedp.EvalAwaitPromise)); n != 3 {
		t.Errorf("the JSON download has %d students", n)
	}

	// Delete Linus, after the confirmation (axe-core on the dashboard
	// with everything showing first).
	do(teacher, "ask to delete Linus", chromedp.SetValue(chromedp.CSS(`[data-testid=delete-student]`), linusID),
		chromedp.Click(chromedp.CSS(`[data-testid=delete-student-ask]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=delete-student-confirm]`)))
	if q := evalString(t, teacher, `document.querySelector("[data-testid=delete-student-question]").textContent`); !strings.Contains(q, "Linus") {
		t.Errorf("the confirmation asks %q", q)
	}
	checkAxe(teacher, "the dashboard", "light", "dark")
	do(teacher, "delete Linus", chromedp.Click(chromedp.CSS(`[data-testid=delete-student-yes]`)))
	waitSays(t, linus, `[data-testid=bridge-status]`, "removed you")
	waitCount(t, teacher, `[data-testid=progress-grid] tbody tr`, 2)
	if n := count(t, teacher, `[data-testid=progress-grid] tbody tr[data-student="`+linusID+`"]`); n != 0 {
		t.Error("Linus's row is still on the grid")
	}
	if s := csv(); strings.Contains(s, "Linus") {
		t.Errorf("the CSV after Linus's deletion:\n%s", s)
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

// waitSame waits up to 30 s for sel in ctx to match as many elements as
// theirSel does in theirs (a student's page, whose packets may still come).
func waitSame(t *testing.T, ctx context.Context, sel string, theirs context.Context, theirSel string) {
	t.Helper()
	var n, want int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, want = count(t, ctx, sel), count(t, theirs, theirSel); n == want {
			return
		}
	}
	t.Fatalf("%d elements match %s, want %d as %s does", n, sel, want, theirSel)
}

// waitText waits up to 30 s for the element sel selects to say text.
func waitText(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	waitFor(t, ctx, sel, "say", text, func(got string) bool { return got == text })
}

// waitSays waits up to 30 s for the element sel selects to say text
// among other words.
func waitSays(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	waitFor(t, ctx, sel, "contain", text, func(got string) bool { return strings.Contains(got, text) })
}

// waitFor waits up to 30 s for the text of the element sel selects to
// match.
func waitFor(t *testing.T, ctx context.Context, sel, verb, text string, match func(string) bool) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = evalString(t, ctx, `document.querySelector(`+jsString(sel)+`)?.textContent ?? ""`); match(got) {
			return
		}
	}
	t.Fatalf("%s says %q, want it to %s %q", sel, got, verb, text)
}

// evalString evaluates a JavaScript expression to a string.
// callsOf counts the mirrored calls (selector) that host made.
func callsOf(t *testing.T, ctx context.Context, selector, host string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(`+jsString(selector)+`)].filter(li => li.textContent.startsWith(`+jsString(host+": ")+`)).length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}
