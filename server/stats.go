package server

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of the server's bridge counters, for /metrics. All
// but SessionsCurrent only grow.
type Stats struct {
	SessionsCurrent int    `json:"sessions_current"`
	SessionsTotal   uint64 `json:"sessions_total"` // sessions started

	PacketsIn  uint64 `json:"packets_in"`  // binary messages from clients, dropped or not
	BytesIn    uint64 `json:"bytes_in"`    // their bytes
	PacketsOut uint64 `json:"packets_out"` // binary messages written to clients
	BytesOut   uint64 `json:"bytes_out"`   // their bytes
	TextIn     uint64 `json:"text_in"`     // text messages from clients that were understood
	EventsOut  uint64 `json:"events_out"`  // event messages written to clients

	Drops   Drops   `json:"drops"`
	Refused Refused `json:"refused"`

	// ConnsRefused counts TCP connections into lab servers closed at once
	// for being over Config.MaxConnections.
	ConnsRefused uint64 `json:"conns_refused"`
	// Closed counts the sessions that have ended, by the close code
	// their client received (1006: the connection was lost).
	Closed map[int]uint64 `json:"closed"`
	// Errors counts what went wrong on the server's side: lab networks
	// that would not start, failed writes, events that would not encode.
	// A client's doing (a lost connection, a protocol error, a handshake
	// given up on) is not one.
	Errors uint64 `json:"errors"`
}

// Drops counts messages the bridge let go, by reason.
type Drops struct {
	Spoofed   uint64 `json:"spoofed"`    // a packet whose source is not the session's address
	Malformed uint64 `json:"malformed"`  // a binary message that is not an IPv4 packet
	TooBig    uint64 `json:"too_big"`    // a message over the MTU or MaxText (the session is closed)
	Rate      uint64 `json:"rate"`       // a message over the session's packet rate
	QueueFull uint64 `json:"queue_full"` // a packet, or an answer to a request, for a client whose send queue was full
	BadText   uint64 `json:"bad_text"`   // a text message that is not a request the server takes (answered with an error message)
	// Isolated is a packet from one workshop student to another while
	// the workshop's peers policy is none (counted by its running network).
	Isolated uint64 `json:"isolated"`
}

// Refused counts upgrades to /bridge that did not become sessions.
type Refused struct {
	Origin uint64 `json:"origin"` // cross-origin, not allowed (HTTP 403)
	Full   uint64 `json:"full"`   // over MaxSessions (close 1013)
	// Student: a workshop's upgrade without a student of it (no cookie,
	// a bad one, an unknown code: HTTP 401, 403, 404 or 429).
	Student uint64 `json:"student"`
	// Address: over MaxSessionsPerAddress from one client address, open
	// at once or new in a minute (close 1013).
	Address uint64 `json:"address"`
	// Handshake: not a WebSocket handshake, or one the client gave up on
	// (HTTP 400, or nothing).
	Handshake uint64 `json:"handshake"`
}

// counters are one session's share of Stats. They are updated from the
// session's reader and writer and from the lab network's goroutines.
type counters struct {
	packetsIn, bytesIn, packetsOut, bytesOut, textIn, eventsOut atomic.Uint64

	spoofed, malformed, tooBig, rate, queueFull, badText atomic.Uint64

	errors atomic.Uint64
}

// addTo adds c to st.
func (c *counters) addTo(st *Stats) {
	st.PacketsIn += c.packetsIn.Load()
	st.BytesIn += c.bytesIn.Load()
	st.PacketsOut += c.packetsOut.Load()
	st.BytesOut += c.bytesOut.Load()
	st.TextIn += c.textIn.Load()
	st.EventsOut += c.eventsOut.Load()
	st.Drops.Spoofed += c.spoofed.Load()
	st.Drops.Malformed += c.malformed.Load()
	st.Drops.TooBig += c.tooBig.Load()
	st.Drops.Rate += c.rate.Load()
	st.Drops.QueueFull += c.queueFull.Load()
	st.Drops.BadText += c.badText.Load()
	st.Errors += c.errors.Load()
}

// dropped is the total of c's drops.
func (c *counters) dropped() uint64 {
	var st Stats
	c.addTo(&st)
	d := st.Drops
	return d.Spoofed + d.Malformed + d.TooBig + d.Rate + d.QueueFull + d.BadText
}

// Stats returns a snapshot of the server's counters: those of the sessions
// open now and of every session that has ended.
func (s *Server) Stats() Stats {
	st := s.sessions.stats()
	st.Refused.Origin += s.refusedOrigin.Load()
	st.Refused.Full += s.refusedFull.Load()
	st.Refused.Student += s.refusedStudent.Load()
	st.Refused.Address += s.refusedAddress.Load()
	st.Refused.Handshake += s.refusedHandshake.Load()
	st.Closed = s.closes.snapshot()
	if s.workshops != nil {
		s.workshops.addTo(&st)
	}
	st.Errors += s.errors.Load()
	return st
}

// closeCounts counts ended sessions by close code.
type closeCounts struct {
	mu     sync.Mutex
	byCode map[int]uint64
}

// add counts a session ended with code.
func (c *closeCounts) add(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byCode == nil {
		c.byCode = map[int]uint64{}
	}
	c.byCode[code]++
}

// snapshot is a copy of the counts.
func (c *closeCounts) snapshot() map[int]uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byCode)
}
