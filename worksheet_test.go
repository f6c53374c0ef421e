package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWorksheetInTheBrowser completes the first exercise through
// socketlab.exec: every step ticks as its check passes in the browser's
// own trace, socketlab.progress() reports it complete, and the home page
// shows it done.
func TestWorksheetInTheBrowser(t *testing.T) {
	addr := labServer(t)
	ctx := chromium(t)
	step, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(step,
		chromedp.Navigate("http://"+addr+"/lab/round-trip"),
		chromedp.WaitEnabled(chromedp.CSS(`[data-testid=console-input]`)),
	); err != nil {
		t.Fatal(err)
	}
	steps := count(t, step, `[data-testid=step]`)
	if steps != 6 {
		t.Fatalf("%d steps on the page, want the round trip's 6", steps)
	}
	if n := count(t, step, `[data-testid=step][data-passed=true]`); n != 0 {
		t.Errorf("%d steps ticked before anything was done", n)
	}
	for _, line := range []string{
		`s = socket(AF_INET, SOCK_STREAM)`,
		`s.connect(("10.0.0.1", 7))`,
		`s.sendall(b"hello\n")`,
		`s.recv(1024)`,
		`s.close()`,
	} {
		if _, err := chromedp.Run(step, chromedp.Evaluate[map[string]string](`socketlab.exec(`+jsString(line)+`)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	var ticked int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ticked = count(t, step, `[data-testid=step][data-passed=true]`); ticked == steps {
			break
		}
	}
	if ticked != steps {
		t.Fatalf("%d of %d steps ticked after the solution", ticked, steps)
	}
	if n := count(t, step, `[data-testid=explain]:not([hidden])`); n != steps {
		t.Errorf("%d explanations shown, want one a step", n)
	}
	complete, err := chromedp.Run(step, chromedp.Evaluate[bool](`socketlab.progress()["round-trip"].complete`))
	if err != nil || !complete {
		t.Errorf("socketlab.progress() says round-trip complete = %v, %v", complete, err)
	}

	// The home page lists the worksheet, with this exercise done.
	if err := chromedp.Do(step, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatal(err)
	}
	items, err := chromedp.Run(step, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=exercise]")].map(li => li.dataset.exercise + ": " + li.querySelector("a").getAttribute("href") + " " + li.querySelector("[data-testid=exercise-progress]").textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(items, "\n")
	if !strings.Contains(all, "round-trip: /lab/round-trip done") || !strings.Contains(all, "datagrams: /lab/datagrams not started") {
		t.Errorf("the home page's worksheet:\n%s", all)
	}
}
