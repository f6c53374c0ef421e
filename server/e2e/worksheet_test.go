package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWorksheetInTheBrowser completes the first exercise through
// socketlab.exec: every step ticks as its check passes in the browser's
// own trace, but the handshake's only once its question is answered from
// the page (a wrong answer refused, the right one read from
// socketlab.trace() accepted), socketlab.progress() reports it complete,
// and the home page shows it done.
func TestWorksheetInTheBrowser(t *testing.T) {
	addr := labServer(t)
	ctx := chromium(t)
	step, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(step,
		chromedp.Navigate("http://"+addr+"/lab/round-trip"),
		chromedp.WaitReady(chromedp.CSS(`body[data-views=ready]`)),
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
	const handshake = `[data-testid=step][data-step="1"]`
	label, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector('label[for="' + document.querySelector(`+jsString(handshake+` [data-testid=answer-input]`)+`).id + '"]').textContent`))
	if err != nil || !strings.Contains(label, "Which port did your host send its SYN from?") {
		t.Errorf("the question's input is labelled %q (%v)", label, err)
	}
	// Before the handshake the trace cannot answer: the page says what to do.
	if v := answer(t, step, handshake, "49152"); v.Result != "not-yet" || !strings.Contains(v.Message, "a SYN packet your host sent to port 7") {
		t.Errorf("an answer before connecting: %+v", v)
	}
	for _, line := range tcpEcho(t) {
		if _, err := chromedp.Run(step, chromedp.Evaluate[map[string]string](`socketlab.exec(`+jsString(line)+`)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
	waitTicked(t, step, steps-1)
	if n := count(t, step, handshake+`[data-passed=true]`); n != 0 {
		t.Fatal("the handshake ticked before its question was answered")
	}

	// The port the student's host chose, from the browser's own trace.
	port, err := chromedp.Run(step, chromedp.Evaluate[int](`socketlab.trace().find(e => e.kind === "packet" && e.packet.dir === "out" &&
		e.packet.tcp && e.packet.tcp.flags.syn && !e.packet.tcp.flags.ack && e.packet.tcp.dst_port === 7).packet.tcp.src_port`))
	if err != nil || port == 0 {
		t.Fatalf("no SYN in socketlab.trace(): %d, %v", port, err)
	}
	wrong := answer(t, step, handshake, strconv.Itoa(port+1))
	if wrong.Result != "wrong" || !strings.Contains(wrong.Message, "Not what your trace shows") || strings.Contains(wrong.Message, strconv.Itoa(port)) {
		t.Errorf("the wrong answer %d: %+v", port+1, wrong)
	}
	if n := count(t, step, handshake+`[data-passed=true]`); n != 0 {
		t.Error("the handshake ticked after a wrong answer")
	}
	if right := answer(t, step, handshake, strconv.Itoa(port)); right.Result != "right" || !strings.Contains(right.Message, "Right: "+strconv.Itoa(port)) {
		t.Errorf("the right answer %d: %+v", port, right)
	}
	waitTicked(t, step, steps)
	if n := count(t, step, `[data-testid=explain]:not([hidden])`); n != steps {
		t.Errorf("%d explanations shown, want one a step", n)
	}
	next, err := chromedp.Run(step, chromedp.Evaluate[string](`(a => a && !a.closest("[hidden]") ? a.getAttribute("href") : "")(document.querySelector("[data-testid=next-exercise]"))`))
	if err != nil || next != "/lab/be-the-server" {
		t.Errorf("the finished exercise links to the next at %q (%v), want /lab/be-the-server", next, err)
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
