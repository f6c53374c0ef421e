package server

import (
	"errors"
	"sync"
)

// errShutdown and errFull are why a session could not join the registry.
var (
	errShutdown = errors.New("server is shutting down")
	errFull     = errors.New("server is full")
)

// registry owns the bridge's sessions and the goroutines that serve them:
// every /bridge request runs between enter and exit, so that Serve can end
// every session at shutdown and wait for all of them, which http.Server
// does not do for hijacked connections.
type registry struct {
	wg sync.WaitGroup

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
	total    uint64
	retired  Stats // the counters of sessions that have ended
}

func newRegistry() *registry {
	return &registry{sessions: map[*session]struct{}{}}
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

// full reports whether there are limit sessions already: a cheap check
// before building a session's lab network. add checks again.
func (g *registry) full(limit int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sessions) >= limit
}

// add registers s, unless there are limit sessions already or the server
// is shutting down.
func (g *registry) add(s *session, limit int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.closed:
		return errShutdown
	case len(g.sessions) >= limit:
		return errFull
	}
	g.sessions[s] = struct{}{}
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
