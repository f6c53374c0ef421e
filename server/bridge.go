package server

import (
	"errors"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
)

// newUpgrader is the bridge's WebSocket upgrader. Origins are checked
// before it runs; write buffers are pooled, so an idle session holds none.
func newUpgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		HandshakeTimeout: closeGrace * 5,
		WriteBufferPool:  &sync.Pool{},
		CheckOrigin:      func(*http.Request) bool { return true },
	}
}

// serveBridge is GET /bridge: it upgrades to a WebSocket and runs a session
// on it until the session ends. See lab/bridge for the protocol.
func (s *Server) serveBridge(w http.ResponseWriter, r *http.Request) {
	if !s.sessions.enter() {
		http.Error(w, "socketlab is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.sessions.exit()

	if !s.origins.allowed(r) {
		s.refusedOrigin.Add(1)
		s.log.Warn("bridge: cross-origin upgrade refused", "origin", r.Header.Get("Origin"), "host", r.Host, "remote", r.RemoteAddr)
		http.Error(w, "socketlab: this page's origin may not open the lab's bridge (see serve --allow-origin)", http.StatusForbidden)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has answered with an HTTP error.
		s.errors.Add(1)
		s.log.Debug("bridge: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	if s.sessions.full(s.cfg.MaxSessions) {
		s.refuseFull(conn, r)
		return
	}
	sess, err := s.newSession(conn)
	if err != nil {
		s.errors.Add(1)
		s.log.Error("bridge: no session", "remote", r.RemoteAddr, "err", err)
		closeNow(conn, bridge.CloseInternalErr, "the lab network would not start")
		return
	}
	if err := s.sessions.add(sess, s.cfg.MaxSessions); err != nil {
		sess.room.Close()
		if errors.Is(err, errFull) {
			s.refuseFull(conn, r)
		} else {
			closeNow(conn, bridge.CloseGoingAway, "server shutting down")
		}
		return
	}
	sess.run()
	s.sessions.remove(sess)
}

// refuseFull closes a connection over MaxSessions.
func (s *Server) refuseFull(conn *websocket.Conn, r *http.Request) {
	s.refusedFull.Add(1)
	s.log.Warn("bridge: too many sessions, refusing one", "max_sessions", s.cfg.MaxSessions, "remote", r.RemoteAddr)
	closeNow(conn, bridge.CloseTryAgain, "the lab server is full: try again later")
}
