package server

import (
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
)

// TestQueueWriter follows a send queue's writer through its life: held
// back for the hello, started by a push, lingering, woken, stopped,
// started again, and given the close.
func TestQueueWriter(t *testing.T) {
	starts := 0
	q := newQueue(2, 2, func() { starts++ })
	text := outMsg{text: []byte(`{"type":"pong"}`)}
	woken := func() bool {
		select {
		case <-q.wake:
			return true
		default:
			return false
		}
	}

	// Before the hello, pushes wait and start nothing.
	if !q.push(text) || starts != 0 {
		t.Fatalf("push before the first take: starts = %d, want 0", starts)
	}
	if b := q.take(nil); len(b) != 1 {
		t.Fatalf("first take = %d messages, want 1", len(b))
	}
	if b := q.take(nil); b != nil || q.writer != lingering {
		t.Fatalf("take of an empty queue = %v, writer %d; want nil, lingering", b, q.writer)
	}

	// A push wakes the lingering writer rather than starting another.
	q.push(text)
	if starts != 0 || !woken() {
		t.Fatalf("push to a lingering writer: starts = %d, woken = false; want 0, true", starts)
	}
	q.take(nil)
	q.take(nil)

	// A writer that has lingered long enough stops, unless a push came.
	q.push(text)
	if q.stop() {
		t.Fatal("stop with a message queued = true")
	}
	woken()
	q.take(nil)
	q.take(nil)
	if !q.stop() || q.writer != noWriter {
		t.Fatalf("stop of an idle writer: writer %d, want none", q.writer)
	}

	// With no writer, a push starts one; the bounds hold.
	q.push(text)
	q.push(text)
	if starts != 1 {
		t.Fatalf("starts = %d, want 1", starts)
	}
	if q.push(text) {
		t.Fatal("push over the bound of 2 = true")
	}
	if q.push(outMsg{ev: lab.Event{Kind: lab.KindCall}}) {
		t.Fatal("an event over the bound of other messages = true")
	}
	if !q.push(outMsg{pkt: new([]byte)}) {
		t.Fatal("a packet refused: packets have a bound of their own")
	}
	if b := q.take(nil); len(b) != 3 {
		t.Fatalf("take = %d messages, want 3", len(b))
	}
	q.take(nil)
	q.stop()

	// The close goes past every bound, starts a writer, and is the last
	// message: what comes after is dropped.
	q.push(outMsg{pkt: new([]byte)})
	q.push(outMsg{pkt: new([]byte)})
	q.pushClose()
	q.push(text)
	b := q.take(nil)
	if starts != 2 || len(b) != 3 || !b[len(b)-1].close {
		t.Fatalf("after the close: starts = %d, batch %d messages ending in close %v; want 2, 3, true", starts, len(b), len(b) > 0 && b[len(b)-1].close)
	}
}

// Answers to a client's requests wait within a bound of their own, inside
// the bound for events and text: a client sending requests faster than it
// reads their answers cannot crowd out the lab server's events.
func TestQueueAnswers(t *testing.T) {
	q := newQueue(1, maxAnswers+2, func() {})
	text := outMsg{text: []byte(`{"type":"pong"}`)}
	for i := range maxAnswers {
		if !q.push(text) {
			t.Fatalf("answer %d refused, want %d taken", i, maxAnswers)
		}
	}
	if q.push(text) {
		t.Fatalf("answer %d taken, want it over the bound", maxAnswers+1)
	}
	if !q.push(outMsg{ev: lab.Event{Kind: lab.KindCall}}) {
		t.Fatal("an event refused behind the answers")
	}
	if b := q.take(nil); len(b) != maxAnswers+1 {
		t.Fatalf("take = %d messages, want %d", len(b), maxAnswers+1)
	}
	if !q.push(text) {
		t.Fatal("an answer refused after the writer took the others")
	}
}

// A queue holds at most its budget of bytes, with what the session's
// connections hold and the batch its writer is writing: a push past it
// is refused and says so; the writer's batch counts until it is done.
func TestQueueBudget(t *testing.T) {
	q := newQueue(100, 100, func() {})
	ev := lab.Event{Kind: lab.KindCall, Call: &lab.Call{Name: "recv", Result: strings.Repeat("x", 1000)}}
	size := eventSize(ev)
	q.budget = 3*size + 10
	q.setBuffered(size)
	for i := range 2 {
		if !q.push(outMsg{ev: ev}) {
			t.Fatalf("event %d refused within the budget", i)
		}
	}
	if q.exceeded() || q.held() != 2*size {
		t.Fatalf("held %d, exceeded %v; want %d, false", q.held(), q.exceeded(), 2*size)
	}
	if q.push(outMsg{ev: ev}) || !q.exceeded() {
		t.Fatal("an event past the budget taken, or not said")
	}
	batch := q.take(nil)
	if q.push(outMsg{ev: ev}) {
		t.Fatal("an event taken while the writer's batch still holds the budget")
	}
	q.take(batch)
	if !q.push(outMsg{ev: ev}) || q.held() != size {
		t.Fatalf("after the batch was written: held %d, want %d", q.held(), size)
	}
}

// Messages the server pushes unasked: a state's (watch, workshop, a
// spotlight's start or end) takes the place of the one it makes stale
// and goes past the bounds; a spotlight's events are dropped when the
// queue is full, and the next that fits is preceded by a count of them.
func TestQueuePushed(t *testing.T) {
	s := &session{out: newQueue(1, 3, func() {})}
	ev := outMsg{ev: lab.Event{Kind: lab.KindCall}}
	s.out.push(ev)
	s.spotlight("a classmate", spotlightMessages("a classmate", "10.0.1.1", true, []lab.Event{{Kind: lab.KindCall, Call: &lab.Call{Name: "send"}}}))
	s.spotlight("a classmate", spotlightMessages("a classmate", "10.0.1.1", false, []lab.Event{{Kind: lab.KindCall, Call: &lab.Call{Name: "recv"}}}))
	if s.spotSkipped != 0 {
		t.Fatalf("skipped %d with room for the events", s.spotSkipped)
	}
	for _, v := range []string{"1", "2"} {
		if !s.push(pushedWatch, []byte(`{"type":"watch","v":`+v+`}`)) || !s.push(pushedWorkshop, []byte(`{"type":"workshop","v":`+v+`}`)) {
			t.Fatalf("state %s refused past the bound", v)
		}
	}
	more := spotlightMessages("a classmate", "10.0.1.1", false, []lab.Event{{Kind: lab.KindCall, Call: &lab.Call{Name: "close"}}, {Kind: lab.KindCall, Call: &lab.Call{Name: "close"}}})
	s.spotlight("a classmate", more)
	if s.spotSkipped != 2 {
		t.Fatalf("skipped %d events, want 2", s.spotSkipped)
	}
	var got []string
	for _, m := range s.out.take(nil) {
		if m.text != nil {
			got = append(got, string(m.text))
		}
	}
	want := []string{`"start":true`, `"recv"`, `"type":"watch","v":2`, `"type":"workshop","v":2`}
	if len(got) != len(want) {
		t.Fatalf("queued %q, want %d messages like %q", got, len(want), want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("message %d = %s, want it with %s", i, got[i], want[i])
		}
	}

	// With room again, the count goes first; a start or end drops the
	// spotlight's messages waiting and the count.
	s.spotlight("a classmate", more)
	b := s.out.take(nil)
	if len(b) != 2 || !strings.Contains(string(b[0].text), `"skipped":2`) || s.spotSkipped != 0 {
		t.Fatalf("after the drop: %d messages, first %s; want the count of 2 first", len(b), b[0].text)
	}
	s.spotlight("a classmate", more)
	s.spotlight("a classmate", more)
	s.spotlight("", []spotMsg{spotlightOff()})
	if b := s.out.take(nil); len(b) != 1 || !b[0].class.stales(pushedSpotEvents) || s.spotSkipped != 0 {
		t.Fatalf("after the end: %d messages, skipped %d; want the end alone", len(b), s.spotSkipped)
	}
}
