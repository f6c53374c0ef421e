package slowstudent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/worksheet"
	"github.com/socketlab/socketlab/server/e2e/internal/browsertest"
)

// slowPause is how long the slow student thinks before each step's last
// line and before each answer, while the wire's and the services' timers
// run: longer than TFTP's 10 s retransmission, and than a held SYN's
// first four retransmissions.
const slowPause = 15 * time.Second

// TestWorksheetsSlowStudent walks exercises 11 to 20 as a slow student,
// each in a tab of its own (its own browser context, so its own session
// and storage), all at once: the step's code typed as the text shows it,
// a pause of 15 s before each step's last line and before each answer.
// Every step ticks on the text's own code; every note is true of what
// happened (the console's output and the trace, per exercise below);
// every question takes the number its wording asks for, read here from
// the trace by this test's own reading of the wording, and refuses the
// numbers beside it. The wrong routes that once ticked a step run in
// tabs of their own, and that step must not tick.
func TestWorksheetsSlowStudent(t *testing.T) {
	addr := browsertest.LabServer(t)
	browser := browsertest.Chromium(t)
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	var walked []*worksheet.Exercise
	for _, ex := range exs {
		if n, err := strconv.Atoi(strings.SplitN(ex.File, "-", 2)[0]); err == nil && n >= 11 && n <= 20 {
			walked = append(walked, ex)
		}
	}
	if len(walked) != 10 {
		t.Fatalf("%d exercises numbered 11 to 20, want 10", len(walked))
	}
	// t.Run from goroutines: all at once, whatever -parallel says, so that
	// the walk takes a few minutes rather than the sum of its pauses. The
	// tabs load lab.wasm one at a time, and every walk starts once all are
	// loaded: compiling lab.wasm starves the tabs already working, and the
	// other packages' tests, which go test runs beside this one.
	var wg, loaded sync.WaitGroup
	loads := make(chan struct{}, 1)
	run := func(name string, ex *worksheet.Exercise, do func(t *testing.T, ctx context.Context)) {
		loaded.Add(1)
		wg.Go(func() {
			t.Run(name, func(t *testing.T) {
				ctx := func() context.Context {
					defer loaded.Done()
					return tab(t, browser, loads, "http://"+addr+"/lab/"+ex.ID, ex.Wire != nil)
				}()
				loaded.Wait()
				do(t, ctx)
			})
		})
	}
	for _, ex := range walked {
		run(ex.ID, ex, func(t *testing.T, ctx context.Context) { walk(t, ctx, ex) })
		for i, w := range ex.Wrong {
			if w.Fails > 0 && strings.Contains(w.Script, falseTicks[ex.ID]) && falseTicks[ex.ID] != "" {
				run(fmt.Sprintf("%s/wrong-%d", ex.ID, i+1), ex, func(t *testing.T, ctx context.Context) { wrongRoute(t, ctx, ex, i) })
			}
		}
	}
	wg.Wait()
}

// falseTicks name, by a line of each, the wrong routes that once ticked
// a step in the browser (issue 29): each runs in a tab of its own too.
var falseTicks = map[string]string{
	"read-your-mail":      `p.sendall(b"DELE 1\r\n")`, // RETR 1 of an empty mailbox
	"ask-a-database":      `b.sendall(b"INCR visits\r\n")`,
	"fetch-a-file":        `v.sendto(b"\x00\x04\x00\x01", ("10.0.0.1", 69))`,
	"how-a-server-scales": `b.settimeout(1)`, // step 1 on port 7
}

// tab opens url in a new tab of a browser context of its own, at
// 1280×720, and waits until its lab is up and, for an exercise that sets
// the wire, the wire is set.
func tab(t *testing.T, browser context.Context, loads chan struct{}, url string, wire bool) context.Context {
	t.Helper()
	loads <- struct{}{}
	defer func() { <-loads }()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTime := context.WithTimeout(ctx, 14*time.Minute)
	t.Cleanup(cancelTime)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(url)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	waitTrue(t, ctx, 3*time.Minute, "the lab page's views", `document.body.dataset.views === "ready"`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`socketlab.ready`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("socketlab.ready: %v", err)
	}
	if wire {
		waitTrue(t, ctx, 30*time.Second, "the exercise's wire set", `(document.querySelector("[data-testid=worksheet-wire]")?.textContent || "").startsWith("This exercise sets the wire")`)
	}
	return ctx
}

// waitTrue waits until the JavaScript expression cond is true.
func waitTrue(t *testing.T, ctx context.Context, patience time.Duration, what, cond string) {
	t.Helper()
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
	}
	t.Fatalf("waited %v for %s", patience, what)
}

// typed is one console line as the student typed it, and what it printed.
type typed struct{ Line, Output, Error string }

// codeLines are a step's lines of code, as the text shows them.
func codeLines(code string) []string {
	var lines []string
	for _, l := range strings.Split(code, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// execLine runs a line in the tab's console; a line still running after
// 40 s is interrupted, as Ctrl-C would.
func execLine(t *testing.T, ctx context.Context, line string) typed {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[typed](`(async () => {
		const run = socketlab.exec(`+browsertest.JSString(line)+`);
		const late = await Promise.race([run.then(() => false), new Promise(r => setTimeout(() => r(true), 40000))]);
		if (late) socketlab.interrupt();
		return await run;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("exec %s: %v", line, err)
	}
	r.Line = line
	return r
}

func trace(t *testing.T, ctx context.Context) []lab.Event {
	t.Helper()
	evs, err := chromedp.Run(ctx, chromedp.Evaluate[[]lab.Event](`socketlab.trace()`))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func stepSel(i int) string { return fmt.Sprintf(`[data-testid=step][data-step="%d"]`, i) }

// walk does an exercise's steps as the slow student, in the exercise's
// tab.
func walk(t *testing.T, ctx context.Context, ex *worksheet.Exercise) {
	if ex.Wire != nil && ex.Wire.Hold {
		// The panel says what the worksheet set: the wire holds.
		waitTrue(t, ctx, 10*time.Second, "the wire panel to say Paused", `(document.querySelector("[data-testid=wire-held]")?.textContent || "").startsWith("Paused")`)
	}
	for i, st := range ex.Steps {
		lines := codeLines(st.Code)
		var got []typed
		for j, line := range lines {
			if j == len(lines)-1 {
				time.Sleep(slowPause)
			}
			got = append(got, execLine(t, ctx, line))
		}
		for _, g := range got {
			t.Logf(">>> %s\n%s%s", g.Line, g.Output, g.Error)
		}
		state := `document.querySelector(` + browsertest.JSString(stepSel(i)) + `).dataset.state`
		waitTrue(t, ctx, 30*time.Second, fmt.Sprintf("step %d %q's check to pass on its own code", i+1, st.Title),
			state+` === "done" || `+state+` === "answer"`)
		if st.Question != nil {
			time.Sleep(slowPause)
			want := asked(t, ex.ID, i, trace(t, ctx), got)
			for _, n := range []int{want + 1, want - 1} {
				if n < 0 {
					continue
				}
				if v := browsertest.Answer(t, ctx, stepSel(i), strconv.Itoa(n)); v.Result != "wrong" {
					t.Errorf("step %d %q: %d, beside the %d its wording asks for, is %+v", i+1, st.Title, n, want, v)
				}
			}
			if v := browsertest.Answer(t, ctx, stepSel(i), strconv.Itoa(want)); v.Result != "right" {
				t.Errorf("step %d %q: %d, what its wording asks for, is %+v", i+1, st.Title, want, v)
			}
		}
		waitTrue(t, ctx, 10*time.Second, fmt.Sprintf("step %d %q to tick", i+1, st.Title), state+` === "done"`)
		t.Logf("step %d %q ticked", i+1, st.Title)
		if check := notes[ex.ID]; check != nil {
			check(t, ctx, i, got, trace(t, ctx))
		}
	}
	// The page ends with its last pane, and no code scrolls sideways.
	type layout struct{ Below, Wide int }
	l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](`(() => {
		const last = Math.max(...[...document.querySelectorAll(".pane")].map(p => p.getBoundingClientRect().bottom + scrollY));
		const wide = [...document.querySelectorAll(".worksheet pre")].filter(p => p.scrollWidth > p.clientWidth + 1).length;
		return {below: Math.round(document.documentElement.scrollHeight - last), wide};
	})()`))
	if err != nil || l.Below > 64 || l.Wide > 0 {
		t.Errorf("layout: %d px below the last pane, %d code blocks scroll sideways (%v)", l.Below, l.Wide, err)
	}
	if dir := os.Getenv("SOCKETLAB_SCREENSHOTS"); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, ex.ID+".png"), png, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
}

// wrongRoute runs an exercise's wrong route in a fresh tab of its
// exercise: the step it names must not tick.
func wrongRoute(t *testing.T, ctx context.Context, ex *worksheet.Exercise, i int) {
	w := ex.Wrong[i]
	for _, line := range codeLines(w.Script) {
		execLine(t, ctx, line)
	}
	time.Sleep(3 * time.Second) // the last packets, and the worksheet's judging
	passed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+browsertest.JSString(stepSel(w.Fails-1))+`).dataset.state`))
	if err != nil {
		t.Fatal(err)
	}
	if passed == "done" || passed == "answer" && ex.Steps[w.Fails-1].Question == nil {
		t.Errorf("%s:%d: wrong route %d ticks step %d %q (%s)", ex.File, w.Line, i+1, w.Fails, ex.Steps[w.Fails-1].Title, passed)
	}
}

// asked is the number a question's wording asks for, read from the trace
// (or what the console printed) by this test, not by the question's own
// pattern.
func asked(t *testing.T, id string, step int, evs []lab.Event, got []typed) int {
	t.Helper()
	you := ""
	for _, e := range evs {
		if e.Kind == lab.KindPacket && e.Packet.Dir == lab.Out {
			you = e.Host
			break
		}
	}
	var packets []*lab.Packet
	for _, e := range evs {
		if e.Kind == lab.KindPacket && e.Host == you {
			packets = append(packets, e.Packet)
		}
	}
	first := func(what string, ok func(p *lab.Packet) bool) *lab.Packet {
		i := slices.IndexFunc(packets, ok)
		if i < 0 {
			t.Fatalf("%s step %d: no %s in the trace", id, step+1, what)
		}
		return packets[i]
	}
	count := func(ok func(p *lab.Packet) bool) (n int) {
		for _, p := range packets {
			if ok(p) {
				n++
			}
		}
		return n
	}
	syn := func(p *lab.Packet) bool {
		return p.Dir == lab.Out && p.TCP != nil && p.TCP.Flags.SYN && !p.TCP.Flags.ACK && p.TCP.DstPort == 7
	}
	switch fmt.Sprint(id, " ", step) {
	case "fetch-a-file 0": // "From which port did the server send block 1?": what `server` printed
		m := regexp.MustCompile(`\('10\.0\.0\.1', (\d+)\)`).FindStringSubmatch(got[len(got)-1].Output)
		if m == nil {
			t.Fatalf("server printed %q", got[len(got)-1].Output)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	case "lost-in-transit 1": // "packets your host sent from its first SYN until connect returned"
		from := slices.IndexFunc(evs, func(e lab.Event) bool { return e.Kind == lab.KindPacket && e.Host == you && syn(e.Packet) })
		to := slices.IndexFunc(evs, func(e lab.Event) bool {
			return e.Kind == lab.KindCall && e.Host == you && e.Call.Name == "connect" && e.Call.Proto == "tcp"
		})
		if from < 0 || to < from {
			t.Fatalf("lost in transit: no SYN then connect in the trace")
		}
		n := 0
		for _, e := range evs[from:to] {
			if e.Kind == lab.KindPacket && e.Host == you && e.Packet.Dir == lab.Out && e.Packet.TCP != nil {
				n++
			}
		}
		return n
	case "lost-in-transit 2": // "retransmissions your trace shows"
		return count(func(p *lab.Packet) bool { return slices.Contains(p.Analysis, "retransmission") })
	case "out-of-order 0": // "the acknowledgment number a duplicate ACK carried", as the packet list shows it
		return int(first("duplicate ACK", func(p *lab.Packet) bool { return slices.Contains(p.Analysis, "duplicate_ack") }).TCP.RelAck)
	case "out-of-order 1": // "ACKs that carry SACK blocks"
		return count(func(p *lab.Packet) bool {
			if p.TCP == nil {
				return false
			}
			f := p.TCP.Flags
			return f.ACK && !f.SYN && !f.FIN && !f.RST && len(p.TCP.Options.SACK) > 0
		})
	case "step-through-a-handshake 0": // "Which port did your host send its SYN from?"
		return int(first("SYN", syn).TCP.SrcPort)
	case "step-through-a-handshake 1": // "What window did your SYN advertise?"
		return int(first("SYN", syn).TCP.Window)
	case "step-through-a-handshake 2": // "the acknowledgment number the server's SYN-ACK carried", relative
		return int(first("SYN-ACK", func(p *lab.Packet) bool { return p.Dir == lab.In && p.TCP != nil && p.TCP.Flags.SYN && p.TCP.Flags.ACK }).TCP.RelAck)
	case "step-through-a-handshake 3": // "How many packets has the wire released, each by a wire.step() of yours?": three
		return 3
	}
	t.Fatalf("%s step %d asks a question this test cannot answer: teach asked()", id, step+1)
	return 0
}

// printed reports whether a step's lines printed text, in order.
func printed(got []typed, texts ...string) bool {
	var all strings.Builder
	for _, g := range got {
		all.WriteString(g.Output + g.Error + "\n")
	}
	s := all.String()
	for _, x := range texts {
		i := strings.Index(s, x)
		if i < 0 {
			return false
		}
		s = s[i+len(x):]
	}
	return true
}

// summaries are the packet list's lines in a trace.
func summaries(evs []lab.Event) string {
	var b strings.Builder
	for _, e := range evs {
		if e.Kind == lab.KindPacket {
			b.WriteString(e.Packet.Summary + "\n")
		}
	}
	return b.String()
}

// notes checks, for each exercise, that what each step's text and
// explanation say happened did, for the slow student.
var notes = map[string]func(t *testing.T, ctx context.Context, step int, got []typed, evs []lab.Event){
	"two-callers": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		if step == 3 && !printed(got, "call 2", "call 1") {
			t.Errorf("two callers: b's hello does not say call 2, then a's call 1: %+v", got)
		}
	},
	"send-an-email": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		want := map[int][]string{0: {`\x04mail\xc0\x0c`}, 1: {"220 "}, 2: {"250 ", "354 ", "250 2.0.0 OK: queued"}, 3: {"221 2.0.0 Bye"}}[step]
		if !printed(got, want...) {
			t.Errorf("send an email, step %d: the console lacks %q: %+v", step+1, want, got)
		}
	},
	"read-your-mail": func(t *testing.T, ctx context.Context, step int, got []typed, evs []lab.Event) {
		if step == 0 {
			var sent strings.Builder
			for _, e := range evs {
				if e.Kind == lab.KindPacket && e.Packet.Dir == lab.In {
					sent.Write(e.Packet.Payload())
				}
			}
			if !printed([]typed{{Output: sent.String()}}, "220 ", "250 ", "354 ", "250 2.0.0 OK: queued", "221 2.0.0 Bye") {
				t.Errorf("read your mail: the server's replies in the packet list: %q", sent.String())
			}
		}
		want := map[int][]string{1: {"+OK me@lab has 1 messages ("},
			2: {"+OK message 1 follows", "Subject: a note"}, 3: {"+OK bye: 1 messages deleted"}}[step]
		if !printed(got, want...) {
			t.Errorf("read your mail, step %d: the console lacks %q: %+v", step+1, want, got)
		}
	},
	"ask-a-database": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		want := map[int][]string{0: {"+OK"}, 1: {`$3\r\nada`}, 2: {":1"}}[step]
		if !printed(got, want...) {
			t.Errorf("ask a database, step %d: the console lacks %q: %+v", step+1, want, got)
		}
	},
	"fetch-a-file": func(t *testing.T, ctx context.Context, step int, got []typed, evs []lab.Event) {
		want := map[int][]string{0: {`b'\x00\x03\x00\x01'`}, 1: {`b'\x00\x03\x00\x01'`}, 2: {"114"}}[step]
		if !printed(got, want...) {
			t.Errorf("fetch a file, step %d: the console lacks %q: %+v", step+1, want, got)
		}
		list := summaries(evs)
		for _, s := range map[int][]string{0: {"Read Request, File: tftp.txt, Transfer type: octet", "Data Packet, Block: 1"},
			2: {"Acknowledgement, Block: 2", "Data Packet, Block: 3 (last)"}}[step] {
			if !strings.Contains(list, s) {
				t.Errorf("fetch a file, step %d: the packet list lacks %q:\n%s", step+1, s, list)
			}
		}
	},
	"how-a-server-scales": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		want := map[int][]string{0: {`b'a\n'`, "TimeoutError", "TimeoutError"}, 1: {`b'b\n'`, `b'c\n'`}, 2: {`b'z\n'`, `b'y\n'`, `b'x\n'`}}[step]
		if !printed(got, want...) {
			t.Errorf("how a server scales, step %d: the console lacks %q: %+v", step+1, want, got)
		}
	},
	"thirty-clients": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		want := map[int][]string{0: {`b'first\n'`}, 1: {"TimeoutError"}, 2: {`b'me too\n'`}}[step]
		if !printed(got, want...) {
			t.Errorf("thirty clients, step %d: the console lacks %q: %+v", step+1, want, got)
		}
	},
	"lost-in-transit": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		want := map[int][]string{0: {"TimeoutError"}, 1: {`b'hello'`}}[step]
		if !printed(got, want...) {
			t.Errorf("lost in transit, step %d: the console lacks %q: %+v", step+1, want, got)
		}
	},
	"out-of-order": func(t *testing.T, ctx context.Context, step int, got []typed, _ []lab.Event) {
		if step == 0 && !printed(got, "20000") {
			t.Errorf("out of order: len(...) did not print the echo's 20000 bytes: %+v", got)
		}
	},
	"step-through-a-handshake": func(t *testing.T, ctx context.Context, step int, got []typed, evs []lab.Event) {
		released := 0
		for _, e := range evs {
			if e.Kind == lab.KindWire && e.Wire.Action == lab.WireReleased {
				released++
			}
		}
		if released != step {
			t.Errorf("step through a handshake, step %d: the wire released %d packets, want one a step (%d)", step+1, released, step)
		}
		switch step {
		case 0:
			if !printed(got, "115") {
				t.Errorf("connect_ex did not print 115: %+v", got)
			}
			marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=call-mark]")].map(g => (g.dataset.error || "") + "|" + g.textContent)`))
			if err != nil || !slices.ContainsFunc(marks, func(m string) bool { return strings.HasPrefix(m, "|connect_ex(") && strings.Contains(m, ") → 115") }) {
				t.Errorf("the diagram's calls: %q (%v), want connect_ex(…) → 115, no error", marks, err)
			}
			i := slices.IndexFunc(evs, func(e lab.Event) bool { return e.Kind == lab.KindCall && e.Call.Name == "connect_ex" })
			if i < 0 || evs[i].Call.Failed() || evs[i].Call.Result != "115" || evs[i].Call.Errno.Name() != "EINPROGRESS" {
				t.Errorf("connect_ex is not on the trace as a call that returned 115 (EINPROGRESS): %+v", evs[max(i, 0)])
			}
		case 3:
			states := 0
			for _, e := range evs {
				if e.Kind == lab.KindState && e.Host == "10.0.0.1" && e.State.To == lab.StateEstablished {
					states++
				}
			}
			if states != 1 {
				t.Errorf("the server reached ESTABLISHED %d times, want once", states)
			}
		}
	},
}
