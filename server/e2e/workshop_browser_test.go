package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/server/servertest"
)

// TestBrowserWorkshop: an instructor creates a workshop through the API;
// three students join it in browsers of their own (separate browser
// contexts: separate cookies) with names, one with markup in it, which
// is shown as text; their lab pages join one network at distinct
// addresses, and socketlab.workshop() says which workshop and who. When
// the workshop is deleted, the page says it cannot join and links to the
// join page.
func TestBrowserWorkshop(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	w := createWorkshop(t, addr, map[string]any{"title": "Browsers <i>together</i>", "peers": "all"})

	type student struct {
		ID   int64
		Name string
	}
	type workshop struct {
		Code, Title string
		Exercises   []string
		Student     student
	}
	type ready struct{ Address string }
	seen := map[string]string{}
	ids := map[int64]bool{}
	var last context.Context // the last student's page
	for _, name := range []string{"Ada", "<b>Bold</b> Grace", "Радя"} {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		defer cancel()
		step, cancelStep := context.WithTimeout(ctx, 90*time.Second)
		defer cancelStep()
		if err := chromedp.Do(step,
			chromedp.Navigate(w.JoinURL),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=join-name]`), name),
			chromedp.Click(chromedp.CSS(`[data-testid=join-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=student-name]`)),
		); err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		shown, err := chromedp.Run(step, chromedp.Evaluate[[]string](
			`[document.querySelector("[data-testid=student-name]").textContent, String(document.querySelectorAll("main b").length), document.querySelector("[data-testid=workshop-title]").textContent]`))
		if err != nil || shown[0] != name || shown[1] != "0" || shown[2] != "Browsers <i>together</i>" {
			t.Fatalf("the student page shows %q, %v; want the name and title as typed, as text", shown, err)
		}

		// The first exercise, in the workshop.
		if err := chromedp.Do(step, chromedp.Click(chromedp.CSS(`[data-testid=exercise] a`))); err != nil {
			t.Fatal(err)
		}
		r, err := chromedp.Run(step, chromedp.Evaluate[ready](
			`(async () => { while (!window.socketlab) await new Promise(r => setTimeout(r, 10)); return await socketlab.ready; })()`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: socketlab.ready: %v", name, err)
		}
		got, err := chromedp.Run(step, chromedp.Evaluate[workshop](`socketlab.workshop()`))
		if err != nil || got.Code != w.Code || got.Title != w.Title || got.Student.Name != name || got.Student.ID == 0 || len(got.Exercises) == 0 {
			t.Fatalf("%s: socketlab.workshop() = %+v, %v", name, got, err)
		}
		badge, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("[data-testid=workshop-badge] [data-testid=student-name]").textContent + "|" + document.body.dataset.workshop`))
		if err != nil || badge != name+"|"+w.Code {
			t.Errorf("%s: the lab page's header says %q, %v", name, badge, err)
		}
		if !strings.HasPrefix(r.Address, "10.0.1.") || seen[r.Address] != "" || ids[got.Student.ID] {
			t.Fatalf("%s is at %s (as %d), already taken: %v", name, r.Address, got.Student.ID, seen)
		}
		seen[r.Address], ids[got.Student.ID] = name, true
		last = step
	}

	// The instructor deletes the workshop: the page, refused a new
	// session, says so and links to the join page.
	if status := api(t, addr, "DELETE", "/api/workshops/"+w.Code, w.Token, nil, nil); status != 204 {
		t.Fatalf("DELETE = %d", status)
	}
	href, err := chromedp.Run(last, chromedp.Evaluate[string](
		`(async () => { let a; while (!(a = document.querySelector("[data-testid=join-link]"))) await new Promise(r => setTimeout(r, 50)); return a.getAttribute("href"); })()`,
		chromedp.EvalAwaitPromise))
	if err != nil || href != "/join/"+w.Code {
		t.Errorf("after the workshop is deleted, the page links to %q, %v", href, err)
	}
}
