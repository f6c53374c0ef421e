package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestProgressAfterResetAndReload is issue 11's first repro: on the round
// trip, do steps 1–5, Reset, reload (a fresh session, whose trace starts
// numbering again), redo the whole exercise: every step ticks, and the
// handshake's question is answered from the new trace.
func TestProgressAfterResetAndReload(t *testing.T) {
	addr := labServer(t)
	ctx, cancel := context.WithTimeout(chromium(t), 120*time.Second)
	defer cancel()
	const handshake = `[data-testid=step][data-step="1"]`
	loadExercise(t, ctx, "http://"+addr+"/lab/round-trip")
	execLines(t, ctx, tcpEcho(t)...)
	waitCount(t, ctx, `[data-testid=step][data-passed=true]`, 5)
	// The handshake's check passed, its question waits: the step says so.
	if n := count(t, ctx, handshake+`[data-state=answer] .status:not(.visually-hidden)`); n != 1 {
		t.Error("the handshake, checked but unanswered, does not say that its question waits")
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=reset-progress]`))); err != nil {
		t.Fatal(err)
	}
	waitCount(t, ctx, `[data-testid=step][data-passed=true]`, 0)
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitReady(chromedp.CSS(`body[data-views=ready]`))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, `[data-testid=step][data-passed=true]`); n != 0 {
		t.Fatalf("%d steps ticked after Reset and a reload", n)
	}
	execLines(t, ctx, tcpEcho(t)...)
	waitCount(t, ctx, `[data-testid=step][data-passed=true]`, 5)
	port, err := chromedp.Run(ctx, chromedp.Evaluate[int](`socketlab.trace().find(e => e.kind === "packet" && e.packet.dir === "out" &&
		e.packet.tcp && e.packet.tcp.flags.syn && !e.packet.tcp.flags.ack && e.packet.tcp.dst_port === 7).packet.tcp.src_port`))
	if err != nil {
		t.Fatal(err)
	}
	if v := answer(t, ctx, handshake, strconv.Itoa(port)); v.Result != "right" {
		t.Fatalf("the handshake's answer after Reset and reload: %+v", v)
	}
	waitCount(t, ctx, `[data-testid=step][data-passed=true]`, 6)
}

// TestProgressInTwoTabs: two tabs on one exercise, each ticking a step of
// its own: both ticks are kept (neither tab's save overwrites the other's)
// and each tab shows both.
func TestProgressInTwoTabs(t *testing.T) {
	addr := labServer(t)
	ctxA, cancel := context.WithTimeout(chromium(t), 120*time.Second)
	defer cancel()
	ctxB, cancelB := chromedp.NewContext(ctxA) // a second tab of the same browser
	defer cancelB()
	url := "http://" + addr + "/lab/nobody-home"
	loadExercise(t, ctxA, url)
	loadExercise(t, ctxB, url)

	execLines(t, ctxA, `s = socket(AF_INET, SOCK_STREAM)`, `s.connect(("10.0.0.1", 9))`)
	execLines(t, ctxB, `u = socket(AF_INET, SOCK_DGRAM)`, `u.connect(("10.0.0.1", 9))`, `u.send(b"anyone?")`, `u.settimeout(1.0)`, `u.recv(1024)`)
	for _, tab := range []context.Context{ctxA, ctxB} {
		waitCount(t, tab, `[data-testid=step][data-step="0"][data-passed=true], [data-testid=step][data-step="1"][data-passed=true]`, 2)
	}
	done, err := chromedp.Run(ctxA, chromedp.Evaluate[[]int](`socketlab.progress()["nobody-home"].done`))
	if err != nil || len(done) != 2 || done[0] != 0 || done[1] != 1 {
		t.Errorf("stored progress: done = %v (%v), want [0 1]", done, err)
	}
}

// loadExercise loads a lab page and waits until its views listen.
func loadExercise(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS(`body[data-views=ready]`))); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}
