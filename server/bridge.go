package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/netip"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
)

// newUpgrader is the bridge's WebSocket upgrader. Origins are checked
// before it runs. Each session has a write buffer of its own, just big
// enough that a packet or an event goes out as one frame in one piece (a
// pooled buffer would cost an allocation a message); the session's
// batchConn gathers the frames of a batch. Its read buffer, the same
// size, holds a packet's frame; net/http's, which the library would
// otherwise keep, is twice that.
func newUpgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		HandshakeTimeout: closeGrace * 5,
		ReadBufferSize:   readBuffer,
		WriteBufferSize:  writeBuffer,
		CheckOrigin:      func(*http.Request) bool { return true },
	}
}

// writeBuffer is the size of a session's WebSocket write buffer: a packet,
// or an event of a usual size, fits it.
const writeBuffer = 2 << 10

// readBuffer is the size of a session's WebSocket read buffer: a packet's
// frame fits it.
const readBuffer = 2 << 10

// serveBridge is GET /bridge: it upgrades to a WebSocket and runs a session
// on it until the session ends. See lab/bridge for the protocol.
func (s *Server) serveBridge(w http.ResponseWriter, r *http.Request) {
	if !s.sessions.enter() {
		http.Error(w, "socketlab is shutting down", http.StatusServiceUnavailable)
		return
	}
	running := false // the session's goroutine has taken over the exit
	defer func() {
		if !running {
			s.sessions.exit()
		}
	}()

	if !s.origins.allowed(r) {
		s.refusedOrigin.Add(1)
		s.log.Warn("bridge: cross-origin upgrade refused", "origin", r.Header.Get("Origin"), "host", r.Host, "remote", r.RemoteAddr)
		http.Error(w, "socketlab: this page's origin may not open the lab's bridge (see serve --allow-origin)", http.StatusForbidden)
		return
	}
	var wk *sessionWorkshop
	if r.URL.Query().Has("workshop") {
		w2, st, status, msg := s.bridgeStudent(r)
		if status != 0 {
			s.refusedStudent.Add(1)
			http.Error(w, msg, status)
			return
		}
		wk = &sessionWorkshop{workshop: w2, student: st}
	}
	conn, err := s.upgrader.Upgrade(batching{w}, r, nil)
	if err != nil {
		// The upgrader has answered with an HTTP error: not a WebSocket
		// handshake, or one given up on.
		s.refusedHandshake.Add(1)
		s.log.Debug("bridge: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	var addr netip.Addr // outside a workshop, where sessions count by address
	if wk == nil {
		addr = s.clientAddr(r)
	}
	err = s.sessions.admits(addr, s.cfg.MaxSessions, s.cfg.MaxSessionsPerAddress)
	if err == nil && wk == nil && !s.starts.take(r) {
		err = errAddress
	}
	if err != nil {
		s.refuse(conn, r, err)
		return
	}
	sess, err := s.newSession(conn, wk)
	if err != nil {
		s.errors.Add(1)
		s.log.Error("bridge: no session", "remote", r.RemoteAddr, "err", err)
		closeNow(conn, bridge.CloseInternalErr, "the lab network would not start")
		return
	}
	sess.addr = addr
	if err := s.sessions.add(sess, s.cfg.MaxSessions, s.cfg.MaxSessionsPerAddress); err != nil {
		sess.leaveRoom()
		s.refuse(conn, r, err)
		return
	}
	// The session runs on a goroutine of its own, and the request returns:
	// net/http then lets go of what it keeps for a request (the
	// connection's write buffer, the request, this goroutine's stack, grown
	// in net/http), which a session would otherwise hold for its life.
	if wk != nil {
		s.touch(r.Context(), wk.student)
	}
	running = true
	go func() {
		defer s.sessions.exit()
		sess.run()
		s.sessions.remove(sess)
	}()
}

// batching is the response writer a session's WebSocket is upgraded from:
// it hands the WebSocket library the hijacked connection wrapped in a
// batchConn, so that the session's writer can gather the messages of a
// batch into one write.
type batching struct{ http.ResponseWriter }

func (b batching) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(b.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &batchConn{Conn: c}, brw, nil
}

// refuse closes a connection the registry would not add a session for,
// saying why (registry.admits).
func (s *Server) refuse(conn *websocket.Conn, r *http.Request, why error) {
	switch {
	case errors.Is(why, errFull):
		s.refusedFull.Add(1)
		s.log.Warn("bridge: too many sessions, refusing one", "max_sessions", s.cfg.MaxSessions, "remote", r.RemoteAddr)
		closeNow(conn, bridge.CloseTryAgain, "the lab server is full: try again later")
	case errors.Is(why, errAddress):
		s.refusedAddress.Add(1)
		s.log.Warn("bridge: too many sessions from one address, refusing one",
			"max_sessions_per_address", s.cfg.MaxSessionsPerAddress, "client", s.clientAddr(r), "remote", r.RemoteAddr)
		closeNow(conn, bridge.CloseTryAgain, "too many lab sessions from your address: close a lab tab, or try again in a minute")
	default:
		closeNow(conn, bridge.CloseGoingAway, "server shutting down")
	}
}
