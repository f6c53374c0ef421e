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

// Trace records events in the order they are recorded, keeps at most a
// limit of them (the oldest go first, and are counted), and passes each to
// its subscribers. It is safe for concurrent use.
type Trace struct {
	mu      sync.Mutex
	limit   int
	events  []Event
	dropped int
	seq     uint64
	last    time.Time
	subs    map[int]func(Event)
	nextSub int
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

// Record numbers e, keeps it and passes it to every subscriber, in order.
// Events are stamped on many goroutines, so a time earlier than the last
// event's is raised to it: a trace reads in time order.
func (t *Trace) Record(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	e.Seq = t.seq
	if e.Time.Before(t.last) {
		e.Time = t.last
	}
	t.last = e.Time
	if len(t.events) >= t.limit {
		n := copy(t.events, t.events[len(t.events)/10+1:])
		t.dropped += len(t.events) - n
		t.events = t.events[:n]
	}
	t.events = append(t.events, e)
	for _, fn := range t.subs {
		fn(e)
	}
}

// Events returns a copy of the events kept so far, oldest first.
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
	t.events = nil
}

// Subscribe calls fn with every event recorded from now on, in order, until
// the returned function is called. fn runs while the trace is locked, so it
// must be quick and must not record.
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
