package lab

import (
	"sync"
	"time"
)

// Recorder takes events as they happen. Record must not block: it is called
// from the paths that carry packets.
type Recorder interface {
	Record(Event)
}

// RecorderFunc adapts a function to a Recorder.
type RecorderFunc func(Event)

// Record calls f(e).
func (f RecorderFunc) Record(e Event) { f(e) }

// Trace is one host's timeline: its own events (Record) and another host's
// (Place), in the order they happened, as far as the clocks and causality
// tell. It numbers events in the order recorded (Seq), keeps at most a
// limit of them (the oldest go first, and are counted), and passes each to
// its subscribers in the order recorded, saying where it went (Before). It
// is safe for concurrent use.
//
// The host's own events keep the order they are recorded in. Another
// host's keep theirs too, as far as they are of one connection and began
// in that order, and are placed among the host's own by time, within how
// sure the time is (see Remote), then by causality (see Causality): a call
// is placed after the packets it took and before those it sent. Once
// placed, an event does not move: a later one is inserted before it, if
// it goes there.
//
// A packet from the other host goes after that host's events that arrived
// before it: the lab server sends its events and packets to a bridge
// client through one first-in, first-out queue, recording a call's event
// as it returns, so such an event ended before the packet left. Place
// keeps this, as an event is placed no later than it arrived (NotAfter)
// and a packet is recorded at its arrival. It agrees with causality: the
// packets a call sent left before it returned, so they arrive before its
// event, which Place may then put before them. Two events of the other
// host's are compared by its own clock, which the offset's error does not
// bend.
type Trace struct {
	mu      sync.Mutex
	limit   int
	events  []Event
	placed  []placed // for each event, whose it is
	dropped int
	seq     uint64
	last    time.Time // the last own event's time
	remote  time.Time // the last other host's event's time
	subs    map[int]func(Event)
	nextSub int
}

// Remote says how an event of another host's fits on a trace's clock: the
// other clock's offset from it (added to the event's times), how sure the
// offset is (the true one is within Uncertainty of it), and the times the
// event must fall within whatever the clocks say (zero for no bound): not
// before the session that brought it began, not after it arrived.
type Remote struct {
	Offset      time.Duration
	Uncertainty time.Duration
	NotBefore   time.Time
	NotAfter    time.Time
}

// placed says whose an event on a trace is: the host's own, or another
// host's, which began at start by that host's own clock (a call's start):
// two of its events are compared on it, which the offset's error and the
// bounds of Remote do not bend.
type placed struct {
	remote bool
	start  time.Time
}

// DefaultTraceLimit bounds a trace: about an hour of busy lab work.
const DefaultTraceLimit = 100_000

// NewTrace returns an empty trace that keeps at most limit events.
func NewTrace(limit int) *Trace {
	if limit <= 0 {
		limit = DefaultTraceLimit
	}
	return &Trace{limit: limit, subs: map[int]func(Event){}}
}

// Record numbers e, an event of the trace's own host, keeps it and passes
// it to every subscriber, in order. Events are stamped on many goroutines,
// so a time earlier than the last own event's is raised to it: the host's
// own events read in time order. It goes at the end, or before the other
// host's events placed later than it, but after those that sent it.
//
// A call is recorded when it returns. One that sent a packet while it ran
// and took none goes back to where it started, before what it sent (a
// sendall before its data, a close before its FIN and the state change
// before it), as Place puts the other host's calls; one that took a packet
// stays at its return, after what it took (a recv after the data it read,
// an accept after the handshake's last ACK, a connect after the SYN-ACK),
// and so does one that did neither. Its Start and End keep its span: its
// start and its return fall among the trace's events by their times,
// which read in order.
func (t *Trace) Record(e Event) { t.RecordSeq(e) }

// RecordSeq is Record, and returns the number it gave e.
func (t *Trace) RecordSeq(e Event) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.Time.Before(t.last) {
		e.Time = t.last
	}
	t.last = e.Time
	n := len(t.events)
	if c := e.Call; c != nil && !c.Start.IsZero() && c.Start.Before(e.Time) {
		if at := t.callPlace(&e); at < n {
			return t.insert(at, e, placed{})
		}
	}
	at := n
	for at > 0 && t.placed[at-1].remote && t.events[at-1].Time.After(e.Time) {
		at--
	}
	for j := n - 1; j >= at; j-- {
		if causality(&t.events[j], &e) < 0 {
			at = j + 1
			break
		}
	}
	if at > 0 && e.Time.Before(t.events[at-1].Time) {
		e.Time = t.events[at-1].Time
	}
	return t.insert(at, e, placed{})
}

// callPlace is where an own call goes, as Record says, n for the end; it
// sets the call's Time to fit there. t.mu is held.
func (t *Trace) callPlace(e *Event) int {
	n := len(t.events)
	start := n
	for start > 0 && t.events[start-1].Time.After(e.Call.Start) {
		start--
	}
	sent := false
	for j := start; j < n; j++ {
		own := &t.events[j]
		if own.Host != e.Host || own.Packet == nil {
			continue
		}
		switch Causality(e.Call, own.Packet) {
		case 1:
			return n
		case -1:
			sent = true
		}
	}
	if !sent {
		return n
	}
	e.Time = e.Call.Start
	if start > 0 && e.Time.Before(t.events[start-1].Time) {
		e.Time = t.events[start-1].Time
	}
	if start < n && e.Time.After(t.events[start].Time) {
		e.Time = t.events[start].Time
	}
	return start
}

// Place numbers e, an event of another host's, and keeps it in its place
// on the trace's clock, as r says how to convert its times; it passes it
// to every subscriber. A call is placed at its start, at the earliest
// after the packets it took (a recv after its data, though it may have
// waited for them) and before those it sent, as far as its span, widened
// by the uncertainty, allows; any other event at its time. Its times are
// converted (a call's Start and End too), and its Time is the one it is
// placed at: between its neighbours', so that the trace reads in time
// order.
func (t *Trace) Place(e Event, r Remote) {
	bound := func(x time.Time) time.Time {
		x = x.Add(r.Offset)
		if !r.NotBefore.IsZero() && x.Before(r.NotBefore) {
			x = r.NotBefore
		}
		if !r.NotAfter.IsZero() && x.After(r.NotAfter) {
			x = r.NotAfter
		}
		return x
	}
	early, late := e.Time, e.Time
	if c := e.Call; c != nil {
		early, late = c.Start, c.End
		cc := *c
		cc.Start, cc.End = bound(c.Start), bound(c.End)
		e.Call = &cc
	}
	began := early // on the other host's clock
	e.Time = bound(early)
	early, late = bound(early.Add(-r.Uncertainty)), bound(late.Add(r.Uncertainty))

	t.mu.Lock()
	defer t.mu.Unlock()
	if e.Time.Before(t.remote) {
		e.Time = t.remote
	}
	if early.After(e.Time) {
		early = e.Time
	}
	t.remote = e.Time
	n := len(t.events)
	// By time: after everything not later, and never before an event of
	// the other host's placed already (but see causality, below).
	at := n
	for at > 0 && !t.placed[at-1].remote && t.events[at-1].Time.After(e.Time) {
		at--
	}
	// By causality, within its span: before the earliest own event it
	// sent, after the last own event it took (which wins: a call is shown
	// at its return's side of what it waited for). The other host
	// records a call when it returns, after what happened while it ran:
	// a call that sent a packet goes before it even past the other host's
	// events placed already, if they are of other connections (which ran
	// meanwhile, as a blocked sendall waited) or began after it did (its
	// close's state change); other events of its connection keep their
	// order.
	for j := at - 1; j >= 0 && !t.events[j].Time.Before(early); j-- {
		if t.placed[j].remote {
			if sameConnection(&e, &t.events[j]) && t.placed[j].start.Before(began) {
				break
			}
			continue
		}
		if causality(&e, &t.events[j]) < 0 {
			at = j
		}
	}
	for j := at; j < n && !t.events[j].Time.After(late); j++ {
		if causality(&e, &t.events[j]) > 0 {
			at = j + 1
		}
	}
	// What the wire did to a packet of this host's goes after the
	// packet, whatever the clocks say.
	if w := e.Wire; w != nil && w.Packet != 0 {
		for j := n - 1; j >= at; j-- {
			if !t.placed[j].remote && t.events[j].Seq == w.Packet {
				at = j + 1
				break
			}
		}
	}
	if at > 0 && e.Time.Before(t.events[at-1].Time) {
		e.Time = t.events[at-1].Time
	}
	if at < n && e.Time.After(t.events[at].Time) {
		e.Time = t.events[at].Time
	}
	if c := e.Call; c != nil {
		// Its span holds the place it went to: its start and return
		// fall among the events by their times on either side of it.
		c.Start, c.End = minTime(c.Start, e.Time), maxTime(c.End, e.Time)
	}
	t.insert(at, e, placed{remote: true, start: began})
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// insert numbers e and puts it at index at; t.mu is held.
func (t *Trace) insert(at int, e Event, p placed) uint64 {
	t.seq++
	e.Seq = t.seq
	e.Before = 0
	if at < len(t.events) {
		e.Before = t.events[at].Seq
	}
	if len(t.events) >= t.limit {
		cut := len(t.events)/10 + 1
		n := copy(t.events, t.events[cut:])
		copy(t.placed, t.placed[cut:])
		t.dropped += len(t.events) - n
		t.events, t.placed = t.events[:n], t.placed[:n]
		at = max(at-cut, 0)
	}
	t.events = append(t.events, Event{})
	t.placed = append(t.placed, placed{})
	copy(t.events[at+1:], t.events[at:])
	copy(t.placed[at+1:], t.placed[at:])
	t.events[at], t.placed[at] = e, p
	for _, fn := range t.subs {
		fn(e)
	}
	return e.Seq
}

// Events returns a copy of the events kept so far, in the trace's order.
func (t *Trace) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Event(nil), t.events...)
}

// Dropped reports how many of the oldest events were let go to stay within
// the limit.
func (t *Trace) Dropped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// Reset forgets every event kept so far; numbering goes on.
func (t *Trace) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events, t.placed = nil, nil
}

// Subscribe calls fn with every event recorded from now on, in the order
// recorded (each one's Before says where it went), until the returned
// function is called. fn runs while the trace is locked, so it must be
// quick and must not record.
func (t *Trace) Subscribe(fn func(Event)) (unsubscribe func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.nextSub
	t.nextSub++
	t.subs[id] = fn
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.subs, id)
	}
}
