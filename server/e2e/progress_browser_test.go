package e2e

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/server/servertest"
)

// TestBrowserWorkshopProgress: an instructor creates a workshop through
// the API; a student joins in a browser and completes the round-trip
// exercise in the page, whose ticks and answer it reports to the server;
// after the browser's own progress is wiped and the page reloaded, the
// same ticks come back from the server; the progress CSV lists the
// student's six steps, all done: the server saw every part of them that
// shows on the wire (issue 22: an honest student's steps are done, not
// "done?").
func TestBrowserWorkshopProgress(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	browser := chromium(t)
	w := createWorkshop(t, addr, map[string]any{"title": "Progress", "exercises": []string{"round-trip"}})

	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	step, cancelStep := context.WithTimeout(ctx, 120*time.Second)
	defer cancelStep()
	ready := `(async () => { while (!window.socketlab) await new Promise(r => setTimeout(r, 10)); await socketlab.ready; return true })()`
	if err := chromedp.Do(step,
		chromedp.Navigate(w.JoinURL),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=join-name]`), "Ada"),
		chromedp.Click(chromedp.CSS(`[data-testid=join-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=exercise] a`)),
		chromedp.Click(chromedp.CSS(`[data-testid=exercise] a`)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=step]`)),
	); err != nil {
		t.Fatalf("join and open the exercise: %v", err)
	}
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](ready, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	for _, line := range tcpEcho(t) {
		if _, err := chromedp.Run(step, chromedp.Evaluate[map[string]string](`socketlab.exec(`+jsString(line)+`)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	port, err := chromedp.Run(step, chromedp.Evaluate[int](`socketlab.trace().find(e => e.kind === "packet" && e.packet.dir === "out" &&
		e.packet.tcp && e.packet.tcp.flags.syn && !e.packet.tcp.flags.ack && e.packet.tcp.dst_port === 7).packet.tcp.src_port`))
	if err != nil || port == 0 {
		t.Fatalf("no SYN in socketlab.trace(): %d, %v", port, err)
	}
	if v := answer(t, step, `[data-testid=step][data-step="1"]`, strconv.Itoa(port)); v.Result != "right" {
		t.Fatalf("the right answer: %+v", v)
	}
	waitTicked(t, step, 6)

	// The server has every tick and the answer (reports go as they tick:
	// wait for the last to be stored).
	type record struct {
		Step      int
		Kind      string
		Answer    string
		Confirmed bool
	}
	var recs []record
	for deadline := time.Now().Add(15 * time.Second); len(recs) < 7 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		recs, err = chromedp.Run(step, chromedp.Evaluate[[]record](`socketlab.serverProgress()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(recs) != 7 {
		t.Fatalf("the server has %d records, want 6 steps and an answer: %+v", len(recs), recs)
	}

	// This browser forgets; the reload shows the server's ticks.
	if err := chromedp.Do(step,
		chromedp.Evaluate[chromedp.Void](`localStorage.clear()`),
		chromedp.Reload(),
		chromedp.WaitReady(chromedp.CSS(`[data-testid=step]`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](ready, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	waitTicked(t, step, 6)
	if got, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector('[data-testid=step][data-step="1"] [data-testid=question] input').value`)); err != nil || got != strconv.Itoa(port) {
		t.Errorf("the answer after the reload is %q, %v; want %d from the server", got, err, port)
	}

	// The CSV: six steps, each done (the wire's part seen, or none, as for
	// socket, step 0).
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/workshops/"+w.Code+"/progress.csv", nil)
	req.Header.Set("Authorization", "Bearer "+w.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 7 {
		t.Fatalf("progress.csv: %d rows, %v:\n%s", len(rows), err, body)
	}
	confirmed := map[string]string{}
	for _, r := range rows[1:] {
		if r[1] != "Ada" || r[3] != "round-trip" {
			t.Errorf("progress.csv row %q", r)
		}
		confirmed[r[4]] = r[6] + " " + r[7]
	}
	for step, c := range confirmed {
		if c != "true done" {
			t.Errorf("progress.csv's step %s: %q, want true done", step, c)
		}
	}
	if len(confirmed) != 6 {
		t.Errorf("progress.csv's steps: %v, want 6\n%s", confirmed, body)
	}
}

// waitTicked waits until want steps of the page are ticked.
func waitTicked(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	var ticked int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ticked = count(t, ctx, `[data-testid=step][data-passed=true]`); ticked == want {
			return
		}
	}
	t.Fatalf("%d steps ticked, want %d", ticked, want)
}
