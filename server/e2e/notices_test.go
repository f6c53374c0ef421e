package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/servertest"
)

// What concerns a workshop's student is in view without scrolling
// (issue 22, item 7), at 1280×720 and on a 390-px phone: "Your
// instructor is looking at your lab", the class message and the hand's
// "On my way", each in a live region, and a classmate's spotlit lab (its
// pane's title, above the student's own panes); the header fits one line at
// 1280 px, the hand's status on it too. The class bar lists the paced
// exercises with each number before its title, not drawn over the one
// before (issue 22: "Names (locked10. Client-server"). An exercise's page
// opened without ?workshop= says it is not the workshop's, and that the
// workshop has it locked when it does. axe-core finds nothing, light and
// dark. With -screenshots DIR it writes student-notices-1280x720.png and
// student-notices-390x844.png there.
func TestStudentNotices(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	var w struct {
		created
		Exercises []string
	}
	if status := api(t, addr, "POST", "/api/workshops", "", map[string]any{"title": "Sockets, week 3"}, &w); status != 201 || len(w.Exercises) < 12 {
		t.Fatalf("create: %d, %d exercises", status, len(w.Exercises))
	}
	if status := api(t, addr, "PATCH", "/api/workshops/"+w.Code, w.Token, map[string]any{"locked_after": 10}, nil); status != 200 {
		t.Fatalf("pace: %d", status)
	}
	if status := api(t, addr, "POST", "/api/workshops/"+w.Code+"/message", w.Token, map[string]any{"message": "Stop at step 3 of the round trip: we look at the handshake together at 10:40."}, nil); status != 200 {
		t.Fatalf("message: %d", status)
	}

	ctx, cancel := chromedp.NewContext(chromium(t), chromedp.WithNewBrowserContext())
	defer cancel()
	tab, cancelTab := context.WithTimeout(ctx, 180*time.Second)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}
	joinInBrowser(t, tab, w.JoinURL, "Ada Lovelace")
	loadExercise(t, tab, "http://"+addr+"/lab/round-trip?workshop="+w.Code)
	execLines(t, tab, tcpEcho(t)...)

	type view struct {
		ScrollY                      float64
		OutOfView                    []string
		HeaderRows, StatusLines      int
		NumbersOutside, Live, Listed int
	}
	// oneLine checks the header is one line at 1280 px, and the hand's
	// status too.
	oneLine := func(what string) {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[view](`(() => {
			const header = document.querySelector("header.topbar");
			const tops = new Set([...header.children].filter((c) => c.getClientRects().length).map((c) => { const r = c.getBoundingClientRect(); return Math.round((r.top + r.bottom) / 16); }));
			const status = document.querySelector("[data-testid=help-status]");
			const lh = parseFloat(getComputedStyle(status).lineHeight) || 20;
			return { HeaderRows: tops.size, StatusLines: Math.round(status.getBoundingClientRect().height / lh) };
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if v.HeaderRows != 1 || v.StatusLines > 1 {
			t.Errorf("at 1280 px, %s, the header takes %d rows and the hand's status %d lines; want one each", what, v.HeaderRows, v.StatusLines)
		}
	}
	oneLine("before the hand")

	// The hand, marked "on my way"; the instructor looking in.
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`[data-testid=ask-help]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=help-message]`), "my connect times out"),
		chromedp.Click(chromedp.CSS(`[data-testid=ask-help]`))); err != nil {
		t.Fatal(err)
	}
	waitSays(t, tab, `[data-testid=help-status]`, "Your hand is up")
	var got struct {
		Students []struct{ ID int64 }
	}
	if status := api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &got); status != 200 || len(got.Students) != 1 {
		t.Fatalf("the workshop: %d %+v", status, got)
	}
	var snap struct{ Hands []struct{ ID int64 } }
	hands := firstSSE(t, addr, "/api/workshops/"+w.Code+"/events", w.Token)
	if err := json.Unmarshal(hands, &snap); err != nil || len(snap.Hands) != 1 {
		t.Fatalf("the dashboard's snapshot: %v, %s", err, hands)
	}
	if status := api(t, addr, "POST", "/api/workshops/"+w.Code+"/hands/"+strconv.FormatInt(snap.Hands[0].ID, 10), w.Token, map[string]string{"state": "coming"}, nil); status != 200 {
		t.Fatalf("on my way: %d", status)
	}
	waitSays(t, tab, `[data-testid=help-status]`, "On my way")
	lookin := openSSE(t, addr, "/api/workshops/"+w.Code+"/students/"+strconv.FormatInt(got.Students[0].ID, 10)+"/trace", w.Token)
	defer lookin()
	waitSays(t, tab, `[data-testid=watched-note]`, "Your instructor is looking at your lab")
	waitSays(t, tab, `[data-testid=class-message]`, "From your instructor: Stop at step 3")
	// The screenshots: the look-in, the hand and the message.
	shoot(t, tab, "student-notices-1280x720.png")
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	shoot(t, tab, "student-notices-390x844.png")
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}

	// A classmate spotlit: the pane is on Ada's page, above her own.
	bob := dialStudent(t, addr, w.Code, joinWorkshop(t, addr, w.Code, "Bob"), &bridge.Options{Trace: lab.NewTrace(0)})
	studentEcho(t, bob, "hi\n")
	var both struct{ Students []struct{ ID int64 } }
	if status := api(t, addr, "GET", "/api/workshops/"+w.Code, w.Token, nil, &both); status != 200 || len(both.Students) != 2 {
		t.Fatalf("the workshop: %d %+v", status, both)
	}
	if status := api(t, addr, "PUT", "/api/workshops/"+w.Code+"/spotlight", w.Token, map[string]any{"student": both.Students[1].ID}, nil); status != 200 {
		t.Fatalf("spotlight: %d", status)
	}
	waitCount(t, tab, `[data-testid=spotlight]:not([hidden])`, 1)

	check := func(what string) {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[view](`(() => {
			const sel = ["[data-testid=watched-note]", "[data-testid=class-message]", "[data-testid=help-status]"];
			const out = sel.filter((s) => { const r = document.querySelector(s).getBoundingClientRect(); return !(r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth); });
			const spot = document.querySelector("[data-testid=spotlight-title]").getBoundingClientRect();
			if (!(spot.height > 0 && spot.top >= 0 && spot.bottom <= innerHeight)) out.push("[data-testid=spotlight-title]");
			const header = document.querySelector("header.topbar");
			const tops = new Set([...header.children].filter((c) => c.getClientRects().length).map((c) => { const r = c.getBoundingClientRect(); return Math.round((r.top + r.bottom) / 16); }));
			const status = document.querySelector("[data-testid=help-status]");
			const lh = parseFloat(getComputedStyle(status).lineHeight) || 20;
			const items = [...document.querySelectorAll("[data-testid=class-exercise]")];
			const outside = items.filter((li) => getComputedStyle(li.parentElement).display.includes("flex") && getComputedStyle(li).listStylePosition !== "inside").length;
			const live = sel.filter((s) => { const el = document.querySelector(s); return el.getAttribute("role") === "status" || el.closest("[aria-live]"); }).length;
			return { ScrollY: scrollY, OutOfView: out, HeaderRows: tops.size, StatusLines: Math.round(status.getBoundingClientRect().height / lh),
				NumbersOutside: outside, Live: live, Listed: items.filter((li) => li.getClientRects().length).length };
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v", what, v)
		if v.ScrollY != 0 || len(v.OutOfView) > 0 {
			t.Errorf("%s: out of view without scrolling (scrollY %v): %v", what, v.ScrollY, v.OutOfView)
		}
		if v.Live != 3 {
			t.Errorf("%s: %d of the 3 notices are live regions", what, v.Live)
		}
		if v.Listed != len(w.Exercises) || v.NumbersOutside != 0 {
			t.Errorf("%s: the class bar lists %d exercises of %d, %d with their number drawn outside, over the one before", what, v.Listed, len(w.Exercises), v.NumbersOutside)
		}
	}
	check("1280×720")
	oneLine("with the hand up, on its way")
	axeCheck(t, tab, "the student's page with its notices")
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	check("390×844")

	// Outside the workshop: said, with the way back in.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 720), chromedp.Navigate("http://"+addr+"/lab/"+w.Exercises[1]),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=outside-workshop]`))); err != nil {
		t.Fatal(err)
	}
	if s := evalString(t, tab, `document.querySelector("[data-testid=outside-workshop]").textContent`); !strings.Contains(s, "not your workshop’s") || !strings.Contains(s, "Open it in Sockets, week 3") {
		t.Errorf("outside the workshop, an open exercise: %q", s)
	}
	if err := chromedp.Do(tab, chromedp.Navigate("http://"+addr+"/lab/"+w.Exercises[11]),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=outside-workshop]`))); err != nil {
		t.Fatal(err)
	}
	if s := evalString(t, tab, `document.querySelector("[data-testid=outside-workshop]").textContent`); !strings.Contains(s, "has this exercise locked") {
		t.Errorf("outside the workshop, a locked exercise: %q", s)
	}
	if n := count(t, tab, `body[data-workshop]`); n != 0 {
		t.Error("the page outside the workshop joins it")
	}
}

// axeCheck runs axe-core on the page, light and dark: no violations.
func axeCheck(t *testing.T, tab context.Context, what string) {
	t.Helper()
	axe, err := os.ReadFile(filepath.Join(root, "static", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core: %v (cd static && npm ci installs it)", err)
		}
		t.Logf("!!! no axe-core, the accessibility check of %s is skipped", what)
		return
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		if v := runAxe(t, tab, string(axe)); len(v) > 0 {
			t.Errorf("axe-core on %s (%s): %d violations:\n%s", what, scheme, len(v), strings.Join(v, "\n"))
		}
	}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
}

// openSSE opens a stream of server-sent events with the instructor's
// token, reads its first event, and returns the function that closes it.
func openSSE(t *testing.T, addr, path, token string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		cancel()
		t.Fatalf("GET %s: %v %v", path, resp, err)
	}
	return func() { cancel(); resp.Body.Close() }
}

// firstSSE is the data of a stream's first event.
func firstSSE(t *testing.T, addr, path, token string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			return []byte(data)
		}
	}
}
