package server

import (
	"errors"
	"net/netip"
	"sync"
)

// errShutdown and errFull are why a session could not join the registry.
var (
	errShutdown = errors.New("server is shutting down")
	errFull     = errors.New("server is full")
	errAddress  = errors.New("too many sessions from the client's address")
)

// registry owns the bridge's sessions and the goroutines that serve them:
// every /bridge request runs between enter and exit, so that Serve can end
// every session at shutdown and wait for all of them, which http.Server
// does not do for hijacked connections.
type registry struct {
	wg sync.WaitGroup

	mu       sync.Mutex
	sessions map[*session]struct{}
	byAddr   map[netip.Addr]int // sessions open by client address, outside workshops
	closed   bool
	total    uint64
	retired  Stats // the counters of sessions that have ended
}

func newRegistry() *registry {
	return &registry{sessions: map[*session]struct{}{}, byAddr: map[netip.Addr]int{}}
}

// enter starts a /bridge request; false once the server is shutting down.
// A true enter must be followed by exit.
func (g *registry) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

// exit ends a /bridge request.
func (g *registry) exit() { g.wg.Done() }

// admits says why a session from addr (invalid for a workshop's, which
// are not counted by address) would not be added now: there are limit
// sessions already (errFull), or perAddr from addr (errAddress); nil if
// it would. A cheap check before building a session's lab network: add
// checks again.
func (g *registry) admits(addr netip.Addr, limit, perAddr int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.admitsLocked(addr, limit, perAddr)
}

func (g *registry) admitsLocked(addr netip.Addr, limit, perAddr int) error {
	switch {
	case g.closed:
		return errShutdown
	case len(g.sessions) >= limit:
		return errFull
	case addr.IsValid() && g.byAddr[addr] >= perAddr:
		return errAddress
	}
	return nil
}

// add registers s, unless admits says no.
func (g *registry) add(s *session, limit, perAddr int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.admitsLocked(s.addr, limit, perAddr); err != nil {
		return err
	}
	g.sessions[s] = struct{}{}
	if s.addr.IsValid() {
		g.byAddr[s.addr]++
	}
	g.total++
	return nil
}

// remove takes an ended session out, keeping its counters.
func (g *registry) remove(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.sessions[s]; !ok {
		return
	}
	delete(g.sessions, s)
	if g.byAddr[s.addr]--; g.byAddr[s.addr] <= 0 {
		delete(g.byAddr, s.addr)
	}
	s.addTo(&g.retired)
}

// shutdown refuses new sessions and ends every open one with code and
// reason. It does not wait: wait does.
func (g *registry) shutdown(code int, reason string) {
	g.mu.Lock()
	g.closed = true
	open := make([]*session, 0, len(g.sessions))
	for s := range g.sessions {
		open = append(open, s)
	}
	g.mu.Unlock()
	for _, s := range open {
		s.end(code, reason)
	}
}

// wait waits for every /bridge request to finish.
func (g *registry) wait() { g.wg.Wait() }

// stats adds up the counters of the open and the ended sessions.
func (g *registry) stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.retired
	st.SessionsCurrent = len(g.sessions)
	st.SessionsTotal = g.total
	for s := range g.sessions {
		s.addTo(&st)
	}
	return st
}
