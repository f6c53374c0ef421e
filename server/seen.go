package server

import (
	"net/netip"
	"sync"
	"time"
	"unique"

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

// seenEvent is a packet (rec zero: its length, direction and first
// bytes) or one of the lab server's events.
type seenEvent struct {
	rec unique.Handle[seenRecord]
	// When, in Unix nanoseconds on the server's clock: a packet's crossing
	// of the bridge, a state change's moment, a call's return (at) and
	// start (start), so that events() places the lab server's calls
	// among the packets as the student's trace does.
	at, start int64
	out       bool // the student's host sent the packet
	length    int  // the packet's length; data is its first maxSeenBytes
	data      []byte
}

// seenRecord is what checks and questions read of one of the lab
// server's calls or state changes: not a call's arguments, printed result
// or times. Records are interned (unique.Make): the lab server's
// socket, bind and listen calls and its listening sockets' states, which
// every student of a workshop is sent when they arrive (about fifty), are
// kept once for all of them, not once a student.
type seenRecord struct {
	kind lab.Kind
	host string
	// A call's.
	name, proto, err, exception string
	errno                       lab.Errno
	bytes, newFD                int
	// A call's and a state change's.
	socket      int
	local, peer netip.AddrPort
	// A state change's.
	from, to lab.SocketState
}

// record is what seen keeps of a call or state change.
func record(e lab.Event) seenRecord {
	r := seenRecord{kind: e.Kind, host: e.Host}
	if c := e.Call; c != nil {
		r.name, r.proto, r.err, r.exception, r.errno = c.Name, c.Proto, c.Error, c.Exception, c.Errno
		r.bytes, r.newFD, r.socket, r.local, r.peer = c.Bytes, c.NewFD, c.Socket, c.Local, c.Peer
	}
	if st := e.State; st != nil {
		r.proto, r.socket, r.local, r.peer, r.from, r.to = st.Proto, st.Socket, st.Local, st.Peer, st.From, st.To
	}
	return r
}

// event is the event r keeps, as checks read it.
func (r seenRecord) event() lab.Event {
	e := lab.Event{Host: r.host, Kind: r.kind}
	switch r.kind {
	case lab.KindCall:
		e.Call = &lab.Call{Socket: r.socket, Proto: r.proto, Name: r.name, Error: r.err, Errno: r.errno,
			Exception: r.exception, Local: r.local, Peer: r.peer, Bytes: r.bytes, NewFD: r.newFD}
	case lab.KindState:
		e.State = &lab.StateChange{Socket: r.socket, Proto: r.proto, Local: r.local, Peer: r.peer, From: r.from, To: r.to}
	}
	return e
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
	e.rec, e.out, e.length = unique.Handle[seenRecord]{}, out, len(pkt)
	e.at, e.start = time.Now().UnixNano(), 0
	e.data = append(e.data[:0], pkt[:n]...)
}

// event records one of the lab server's events for the student: what
// checks and questions read of it (seenRecord).
func (s *seen) event(e lab.Event) {
	if (e.Kind != lab.KindCall || e.Call == nil) && (e.Kind != lab.KindState || e.State == nil) {
		return
	}
	rec := unique.Make(record(e))
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot := s.slot(); slot != nil {
		slot.rec, slot.data = rec, nil
		slot.at, slot.start = e.Time.UnixNano(), 0
		if e.Call != nil {
			slot.at, slot.start = e.Call.End.UnixNano(), e.Call.Start.UnixNano()
		}
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

// events are the events seen, in the order the student's trace has them:
// packets decoded (a packet cut short is decoded at its length, the bytes
// not kept read as zeros, which no check reads) and numbered relative to
// their connections, and the lab server's calls placed among them as
// lab.Trace places them (by time, and by what a call sent or took).
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
	var tracker packet.Tracker
	trace := lab.NewTrace(len(ring) + 1)
	for _, e := range ring {
		if e.rec != (unique.Handle[seenRecord]{}) {
			ev := e.rec.Value().event()
			ev.Time = time.Unix(0, e.at)
			if ev.Call != nil {
				ev.Call.Start, ev.Call.End = time.Unix(0, e.start), ev.Time
			}
			trace.Place(ev, lab.Remote{})
			continue
		}
		pkt := make([]byte, e.length)
		copy(pkt, e.data)
		dir := lab.In
		if e.out {
			dir = lab.Out
		}
		trace.Record(tracker.Event(host, "eth0", dir, time.Unix(0, e.at), pkt))
	}
	return trace.Events()
}

// confirms reports whether what the server saw shows the record done, as
// far as it can know: a step is done when every part of its check that
// shows on the wire (check.Check.OnWire: the student's packets, the lab
// server's calls and states) was seen, or when no part of it shows there;
// an answer when the question reads only what shows on the wire and
// gives that answer over what was seen, or when it reads anything that
// does not. A forged report of a step with a part on the wire is not
// confirmed.
func (s *seen) confirms(ex *worksheet.Exercise, r lab.ProgressRecord) bool {
	st := ex.Steps[r.Step]
	switch r.Kind {
	case lab.ProgressStep:
		c := st.Check.OnWire()
		return c.Empty() || c.Match(s.events(), s.you)
	case lab.ProgressAnswer:
		q := st.Question
		return q != nil && (len(q.OnWire()) == 0 || q.Answer(s.events(), s.you, r.Answer).OK)
	}
	return false
}
