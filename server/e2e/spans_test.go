package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/exercises"
)

// shoot writes the page as it is to the -screenshots folder, when asked.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// textOf is the text of the first element selector matches, "" for none.
func textOf(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(selector)+`) || {}).textContent || ""`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A blocking call is drawn as a span: l.accept(), called before call-me
// connects (its request held on the wire), waits; after a second the
// page says what it waits for; when call-me's connection arrives it
// returns, drawn where it began and where it returned, joined by a bar,
// and the text says how long it waited. With -screenshots, the diagram
// while it waits and after it and an echo, at 1280×720.
func TestCallSpans(t *testing.T) {
	addr := labServer(t)
	ctx, cancel := context.WithTimeout(chromium(t), 120*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}
	loadExercise(t, ctx, "http://"+addr+"/lab")
	execLines(t, ctx, `l = socket(AF_INET, SOCK_STREAM)`, `l.bind(("0.0.0.0", 5000))`, `l.listen(5)`,
		`c = socket(AF_INET, SOCK_STREAM)`, `c.connect(("10.0.0.1", 2000))`)
	// Hold what the host sends, so that call-me hears "5000" only once
	// accept is waiting.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`socketlab.wire.pause("out")`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	execLines(t, ctx, `c.send(b"5000\n")`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.accepted = socketlab.exec("conn, addr = l.accept()"); 0`)); err != nil {
		t.Fatal(err)
	}
	var why string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if why = textOf(t, ctx, `[data-testid=waiting]:not([hidden]) [data-part=why]`); why != "" {
			break
		}
	}
	if want := "accept(): accept() is waiting for a client to connect to port 5000."; why != want {
		t.Errorf("while accept waits the page says %q, want %q", why, want)
	}
	shoot(t, ctx, "spans-waiting-1280x720.png")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`socketlab.wire.resume("out")`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.accepted`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	execLines(t, ctx, `conn.recv(1024)`, `conn.close()`, `c.close()`,
		`e = socket(AF_INET, SOCK_STREAM)`, `e.connect(("10.0.0.1", 7))`, `e.sendall(b"hello\n")`, `e.recv(1024)`, `e.close()`)
	time.Sleep(time.Second)

	// The accept: a start row before the SYN that call-me sent, its
	// return after the handshake, a bar between; the note gone.
	order, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#diagram-text li")].map((li) => li.dataset.kind + ": " + li.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	begin, syn, returned := -1, -1, -1
	for i, line := range order {
		switch {
		case begin < 0 && strings.Contains(line, "callstart: your host: accept()"):
			begin = i
		case begin >= 0 && syn < 0 && strings.Contains(line, "packet: 10.0.0.1 → 10.0.1.1: SYN"):
			syn = i
		case strings.HasPrefix(line, "call: your host: accept()") && strings.Contains(line, " waited "):
			returned = i
		}
	}
	if begin < 0 || syn < begin || returned < syn {
		t.Errorf("accept's start at %d, call-me's SYN at %d, its return at %d: want them in that order; the text:\n%s", begin, syn, returned, strings.Join(order, "\n"))
	}
	if returned >= 0 && !strings.Contains(order[returned], "for a client to connect, returned (fd") {
		t.Errorf("the text of accept's return: %q", order[returned])
	}
	if n := count(t, ctx, `.sl-spans rect`); n < 1 {
		t.Errorf("%d bars along a lifeline, want one for accept at least", n)
	}
	if n := count(t, ctx, `[data-testid=waiting]:not([hidden])`); n != 0 {
		t.Errorf("the waiting note is still shown after accept returned")
	}
	shoot(t, ctx, "spans-echo-1280x720.png")
	// Back up to where accept began.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`(() => {
		const g = [...document.querySelectorAll('[data-testid=call-start][data-host="10.0.1.1"]')].find((g) => g.textContent.startsWith("accept("));
		const canvas = g.closest(".sl-diagram-canvas");
		canvas.scrollTop = g.getBBox().y - 60;
		return 0;
	})()`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	shoot(t, ctx, "spans-1280x720.png")
}

// Two callers at once and thirty clients, their steps' code typed in
// order: with several connections each arrow carries its ports, and each
// call its connection's port. With -screenshots, each at 1280×720.
func TestConnectionLabels(t *testing.T) {
	addr := labServer(t)
	exs, _ := exercises.Load(exercises.Embedded())
	for _, id := range []string{"two-callers", "thirty-clients"} {
		t.Run(id, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(chromium(t), 120*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
				t.Fatal(err)
			}
			loadExercise(t, ctx, "http://"+addr+"/lab/"+id)
			var lines []string
			for _, ex := range exs {
				if ex.ID != id {
					continue
				}
				for _, st := range ex.Steps {
					for _, line := range strings.Split(st.Code, "\n") {
						if strings.TrimSpace(line) != "" {
							lines = append(lines, line)
						}
					}
				}
			}
			if len(lines) == 0 {
				t.Fatalf("no exercise %s", id)
			}
			execLines(t, ctx, lines...)
			time.Sleep(time.Second)
			if n := count(t, ctx, `[data-testid=arrow] .sl-port`); n < 4 {
				t.Errorf("%d port labels on the arrows, want both ends of each arrow labelled", n)
			}
			shoot(t, ctx, id+"-1280x720.png")
		})
	}
}

// A recv on a connection the iterative echo has not accepted yet says
// so, from the lab server's listen queue: one connection, served, is
// ahead of it.
func TestWaitingInBacklog(t *testing.T) {
	addr := labServer(t)
	ctx, cancel := context.WithTimeout(chromium(t), 90*time.Second)
	defer cancel()
	loadExercise(t, ctx, "http://"+addr+"/lab")
	execLines(t, ctx, `a = socket(AF_INET, SOCK_STREAM)`, `a.connect(("10.0.0.1", 2007))`, `a.send(b"first\n")`, `a.recv(1024)`,
		`b = socket(AF_INET, SOCK_STREAM)`, `b.connect(("10.0.0.1", 2007))`, `b.send(b"me too\n")`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.waited = socketlab.exec("b.recv(1024)"); 0`)); err != nil {
		t.Fatal(err)
	}
	var why string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if why = textOf(t, ctx, `[data-testid=waiting]:not([hidden]) [data-part=why]`); strings.Contains(why, "backlog") {
			break
		}
	}
	want := "recv(1024): recv() is waiting: your connection is in the iterative echo's backlog (its listen queue): it serves one client at a time, and 1 connection is ahead of you."
	if why != want {
		t.Errorf("while b.recv waits the page says %q, want %q", why, want)
	}
	// The console runs one line at a time: Ctrl-C ends the wait.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`socketlab.interrupt(), window.waited`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
}
