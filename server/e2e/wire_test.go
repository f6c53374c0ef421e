package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/lab"
)

// The wire panel steps a connect's handshake while the console waits in
// s.connect: paused, the SYN waits at the switch and the lab server sees
// nothing of it; each click on Step lets one packet of the handshake go
// on, and only then does it arrive (the SYN-ACK at the student's host, the
// last ACK at the server, which accepts). A SYN held for longer than the
// retransmission timeout is sent again by the student's stack, and both
// are on the trace and in the diagram.
func TestWirePanelStepsHandshake(t *testing.T) {
	ctx, cancel := context.WithTimeout(chromium(t), 180*time.Second)
	defer cancel()
	loadExercise(t, ctx, "http://"+labServer(t)+"/lab")
	click := func(testid string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=`+testid+`]`), chromedp.NodeVisible)); err != nil {
			t.Fatalf("click %s: %v", testid, err)
		}
	}
	click("wire-pause")
	waitCount(t, ctx, `[data-testid=wire-pause][aria-pressed=true]`, 1)

	typeLine(t, ctx, `s = socket(AF_INET, SOCK_STREAM)`)
	// connect blocks: typed, not waited for.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=console-input]`), `s.connect(("10.0.0.1", 7))`+"\r")); err != nil {
		t.Fatal(err)
	}
	h := handshake{t: t, ctx: ctx}
	h.wait("the SYN held at the switch", func(w wireSeen) bool { return w.held["out"] == 1 })
	waitCount(t, ctx, `[data-testid=arrow][data-stopped=held]`, 1) // the SYN's arrow stops at the switch
	if w := h.seen(); w.synAcks != 0 || w.accepts != 0 || w.released != 0 {
		t.Fatalf("before any step: %+v", w)
	}
	click("wire-step")
	h.wait("the SYN released and the SYN-ACK held", func(w wireSeen) bool { return w.released == 1 && w.held["in"] == 1 })
	if w := h.seen(); w.synAcks != 0 || w.accepts != 0 {
		t.Fatalf("the SYN-ACK held, yet: %+v", w)
	}
	click("wire-step")
	h.wait("the SYN-ACK arrived and the ACK held", func(w wireSeen) bool { return w.synAcks == 1 && w.held["out"] == 2 })
	if w := h.seen(); w.accepts != 0 {
		t.Fatalf("the last ACK held, yet the server accepted: %+v", w)
	}
	click("wire-step")
	h.wait("the server's accept", func(w wireSeen) bool { return w.accepts == 1 && w.released == 3 })
	waitCount(t, ctx, `[data-testid=cancel]:not([hidden])`, 0) // connect returned
	waitCount(t, ctx, `[data-testid=wire-mark][data-action=released]`, 3)

	// A SYN held past the retransmission timeout (1 s) is sent again.
	typeLine(t, ctx, `r = socket(AF_INET, SOCK_STREAM)`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=console-input]`), `r.connect(("10.0.0.1", 7))`+"\r")); err != nil {
		t.Fatal(err)
	}
	h.wait("the SYN sent again while held", func(w wireSeen) bool { return w.syns >= 3 && w.held["out"] >= 4 })
	click("wire-pause") // resume: the held SYNs go on, and connect returns
	waitCount(t, ctx, `[data-testid=wire-pause][aria-pressed=false]`, 1)
	waitCount(t, ctx, `[data-testid=cancel]:not([hidden])`, 0)
	res := h.exec(`r.getpeername()`)
	if !strings.Contains(res, "10.0.0.1") {
		t.Errorf("after resuming, r.getpeername() = %s", res)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=diagram-text]").textContent`))
	if err != nil || !strings.Contains(text, "held at the switch") || !strings.Contains(text, "released from the switch") {
		t.Errorf("the diagram's text says nothing of the wire: %v\n%s", err, text)
	}
}

// handshake reads what the page's trace says of the wire and the
// handshakes.
type handshake struct {
	t   *testing.T
	ctx context.Context
}

// wireSeen is what the trace holds: wire events held by direction and
// released, the SYNs the student's host sent, the SYN-ACKs that reached
// it, and the lab server's accepts.
type wireSeen struct {
	held                             map[string]int
	released, syns, synAcks, accepts int
}

func (h handshake) seen() wireSeen {
	h.t.Helper()
	raw, err := chromedp.Run(h.ctx, chromedp.Evaluate[string](`JSON.stringify(socketlab.trace())`))
	if err != nil {
		h.t.Fatal(err)
	}
	var evs []lab.Event
	if err := json.Unmarshal([]byte(raw), &evs); err != nil {
		h.t.Fatal(err)
	}
	w := wireSeen{held: map[string]int{}}
	for _, e := range evs {
		switch {
		case e.Kind == lab.KindWire && e.Wire.Action == lab.WireHeld:
			w.held[string(e.Wire.Dir)]++
		case e.Kind == lab.KindWire && e.Wire.Action == lab.WireReleased:
			w.released++
		case e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.DstPort == 7 && e.Packet.Dir == lab.Out && e.Packet.TCP.Flags.SYN:
			w.syns++
		case e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.SrcPort == 7 && e.Packet.Dir == lab.In && e.Packet.TCP.Flags.SYN:
			w.synAcks++
		case e.Kind == lab.KindCall && e.Host == "10.0.0.1" && e.Call.Name == "accept":
			w.accepts++
		}
	}
	return w
}

// wait waits up to 20 s for the trace to show what ok looks for.
func (h handshake) wait(what string, ok func(wireSeen) bool) {
	h.t.Helper()
	var w wireSeen
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if w = h.seen(); ok(w) {
			return
		}
	}
	h.t.Fatalf("waiting for %s: the trace has %+v", what, w)
}

// exec runs a console line through socketlab.exec and returns its output
// or error.
func (h handshake) exec(line string) string {
	h.t.Helper()
	r, err := chromedp.Run(h.ctx, chromedp.Evaluate[map[string]string](`socketlab.exec(`+jsString(line)+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprint(r["output"], r["error"])
}
