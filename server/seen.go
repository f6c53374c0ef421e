package server

import (
	"net/netip"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/worksheet"
)

// What a workshop session keeps of what it saw, to confirm the student's
// reports with: the last maxSeen events, each packet's bytes cut to
// maxSeenBytes. A ring full of full-sized packets holds about
// maxSeen × (maxSeenBytes + 64) bytes, 110 KB; an idle student's ring
// holds nothing (it grows as events come), and it is let go when the
// session ends.
const (
	// maxSeen is how many events the ring keeps: an exercise step's check
	// reads the last few dozen packets and calls; a student opening
	// thirty connections makes about 250.
	maxSeen = 256
	// maxSeenBytes is what is kept of a packet: the longest IPv4 and TCP
	// headers (60 bytes each) and the most of its payload a check reads
	// (check.MaxPayload).
	maxSeenBytes = 120 + check.MaxPayload
)

// seen is what the server saw of one workshop student's session itself,
// which the student's browser cannot make up: the packets that crossed the
// session's bridge (as recorded on the student's host: out is from it,
// in is to it) and the lab server's events the room routed to the
// student. It judges a student's report with the same checks the browser
// does, over these events alone. It is safe for concurrent use: the
// reader, the room's stacks and the services record into it.
type seen struct {
	you netip.Addr

	mu       sync.Mutex
	ring     []seenEvent // in order from next, once it is full
	next     int         // the oldest, where the next event goes once full
	released bool        // the session has ended: keep nothing more
}

// seenEvent is a packet (ev nil: its length, direction and first bytes)
// or one of the lab server's events.
type seenEvent struct {
	ev     *lab.Event
	out    bool // the student's host sent the packet
	length int  // the packet's length; data is its first maxSeenBytes
	data   []byte
}

func newSeen(you netip.Addr) *seen { return &seen{you: you} }

// packet records a packet the student's host sent (out) or was sent.
func (s *seen) packet(out bool, pkt []byte) {
	n := min(len(pkt), maxSeenBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.slot()
	if e == nil {
		return
	}
	e.ev, e.out, e.length = nil, out, len(pkt)
	e.data = append(e.data[:0], pkt[:n]...)
}

// event records one of the lab server's events for the student. Of a
// call it keeps what checks and questions read: not its arguments or its
// printed result, which can be long.
func (s *seen) event(e lab.Event) {
	if e.Kind != lab.KindCall && e.Kind != lab.KindState {
		return
	}
	kept := lab.Event{Host: e.Host, Kind: e.Kind, State: e.State}
	if e.Call != nil {
		c := *e.Call
		c.Args, c.Result = nil, ""
		kept.Call = &c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot := s.slot(); slot != nil {
		slot.ev, slot.data = &kept, nil
	}
}

// release lets go of what was seen, when the session ends; what comes
// after is not kept.
func (s *seen) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ring, s.next, s.released = nil, 0, true
}

// slot is where the next event goes: a new one while the ring grows, then
// the oldest; nil once released. s.mu is held.
func (s *seen) slot() *seenEvent {
	if s.released {
		return nil
	}
	if len(s.ring) < maxSeen {
		s.ring = append(s.ring, seenEvent{})
		return &s.ring[len(s.ring)-1]
	}
	e := &s.ring[s.next]
	s.next = (s.next + 1) % maxSeen
	return e
}

// events are the events seen, oldest first, as the student's trace has
// them: packets decoded (a packet cut short is decoded at its length, the
// bytes not kept read as zeros, which no check reads) and numbered
// relative to their connections.
func (s *seen) events() []lab.Event {
	s.mu.Lock()
	ring := make([]seenEvent, 0, len(s.ring))
	ring = append(ring, s.ring[s.next:]...)
	ring = append(ring, s.ring[:s.next]...)
	for i := range ring {
		ring[i].data = append([]byte(nil), ring[i].data...)
	}
	s.mu.Unlock()

	host := s.you.String()
	var tr packet.Tracker
	out := make([]lab.Event, 0, len(ring))
	for _, e := range ring {
		if e.ev != nil {
			out = append(out, *e.ev)
			continue
		}
		pkt := make([]byte, e.length)
		copy(pkt, e.data)
		dir := lab.In
		if e.out {
			dir = lab.Out
		}
		out = append(out, tr.Event(host, "eth0", dir, time.Time{}, pkt))
	}
	for i := range out {
		out[i].Seq = uint64(i + 1)
	}
	return out
}

// confirms reports whether what the server saw shows the record done: a
// step whose check passes over it (a step without a check, only a
// question, is never confirmed as a step), an answer that the question
// reads from it too. A check or question about the student's own calls
// cannot pass over it: the server never sees them.
func (s *seen) confirms(ex *worksheet.Exercise, r lab.ProgressRecord) bool {
	st := ex.Steps[r.Step]
	switch r.Kind {
	case lab.ProgressStep:
		c := st.Check
		return len(c.Expect)+len(c.All) > 0 && c.Match(s.events(), s.you)
	case lab.ProgressAnswer:
		return st.Question != nil && st.Question.Answer(s.events(), s.you, r.Answer).OK
	}
	return false
}
