package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/services"
)

// closeLost is the close code recorded, never sent, for a connection that
// ended without a close frame (RFC 6455's 1006).
const closeLost = websocket.CloseAbnormalClosure

// session is one student host's WebSocket: its cable to a port on a room's
// switch. A session owns its reader (a goroutine for the session's life,
// which puts the client's packets on the switch), its writer (a goroutine
// that runs while the session is busy, writing the packets and events the
// room sends the host: see queue) and an idle timer. It ends once, for one
// reason; then the close handshake runs, and the session tears itself
// down.
type session struct {
	id   string
	srv  *Server
	conn *websocket.Conn
	nc   net.Conn // under conn, for deadlines and for lingering on close
	// batch is nc, when it gathers the writer's batches (see batchConn).
	batch *batchConn
	log   *slog.Logger

	room     *room.Room
	port     *room.Port
	ownRoom  bool             // the session made its room, and closes it
	workshop *sessionWorkshop // the student's, in a workshop; nil outside one
	addr     netip.Addr       // the client's, outside a workshop: counted by the registry

	out      *queue
	c        counters
	start    time.Time
	lastRead atomic.Int64 // when the last message came, in Unix nanoseconds

	// The writer's own state: the buffer events are encoded in.
	evBuf []byte

	// The reader's own state.
	bucket     bucket
	rateStreak int   // messages dropped for rate since the client last rested
	warned     uint8 // abuse already logged, by bit
	reports    int   // progress reports made, at most bridge.MaxReports
	unchecked  int   // packets since the memory budget was last checked
	afterEnded int   // messages read after the session ended (afterEnd)

	done       chan struct{} // closed when the session ends
	writerDone chan struct{} // closed when the writer has written the close frame

	mu         sync.Mutex
	idle       *time.Timer
	ended      bool
	closeBy    time.Time // when the close handshake gives up
	code       int
	reason     string
	peerClosed bool // the client sent a close frame; it has been answered

	// The spotlight's messages, in a workshop (spotlight.go): queued in
	// order, and its events dropped since the queue last took one.
	spotMu      sync.Mutex
	spotSkipped int
}

// The abuses a session logs once, as warnings.
const (
	warnSpoofed uint8 = 1 << iota
	warnMalformed
	warnRate
	warnText
)

// sessionWorkshop is the workshop a session is in, and its student.
type sessionWorkshop struct {
	workshop *lab.Workshop
	student  *lab.Student
	live     *liveWorkshop // the workshop's network, once attached
	// seen is what the session saw of the student's work, to confirm
	// their reports with; emptied when the session ends.
	seen *seen
}

// newSession builds a session on conn and attaches the session's host: to
// a room of its own, or, in a workshop (wk not nil), to the workshop's
// network at the student's address.
func (s *Server) newSession(conn *websocket.Conn, wk *sessionWorkshop) (*session, error) {
	var id [8]byte
	rand.Read(id[:])
	sess := &session{
		id:         hex.EncodeToString(id[:]),
		srv:        s,
		conn:       conn,
		nc:         conn.NetConn(),
		start:      time.Now(),
		bucket:     newBucket(s.cfg.PacketRate, s.cfg.PacketBurst, s.now()),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	sess.out = newQueue(s.cfg.SendQueue, s.cfg.EventQueue, func() { go sess.writeLoop() })
	sess.out.budget = MemoryBudget
	sess.batch, _ = sess.nc.(*batchConn)
	sess.log = s.log.With("session", sess.id)
	if wk != nil {
		sess.workshop = wk
		wk.seen = newSeen(wk.student.Addr)
		sess.log = sess.log.With("workshop", lab.FormatCode(wk.workshop.Code), "student", wk.student.ID)
		live, port, err := s.workshops.attach(wk.workshop, wk.student, sess)
		if err != nil {
			return nil, fmt.Errorf("start session: %w", err)
		}
		wk.live, sess.room, sess.port = live, live.room, port
		s.workshops.greetWatched(sess)
	} else {
		r, err := room.New(room.Config{MaxConnections: s.cfg.MaxConnections})
		if err != nil {
			return nil, fmt.Errorf("start session: %w", err)
		}
		sess.room, sess.ownRoom = r, true
		port, err := r.Attach(sess.deliver, lab.RecorderFunc(sess.record))
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("start session: %w", err)
		}
		sess.port = port
	}
	sess.log = sess.log.With("host", sess.port.Addr().String())
	conn.SetReadLimit(readLimit)
	conn.SetPingHandler(sess.ping)
	return sess, nil
}

// hello is the session's first message.
func (s *session) hello() bridge.Hello {
	return bridge.Hello{
		Type:    bridge.TypeHello,
		Version: bridge.Version,
		Session: s.id,
		Host: bridge.HostConfig{
			Address: s.port.Addr().String(),
			Prefix:  s.room.Prefix().Bits(),
			Gateway: s.room.Server().String(),
			MTU:     MTU,
		},
		Services: helloServices(s.room.Services()),
		Workshop: s.workshopHello(),
	}
}

// workshopHello is the Hello's workshop, nil outside one.
func (s *session) workshopHello() *bridge.WorkshopHello {
	if s.workshop == nil {
		return nil
	}
	w, st := s.workshop.workshop, s.workshop.student
	return &bridge.WorkshopHello{
		Code:      lab.FormatCode(w.Code),
		Title:     w.Title,
		Exercises: w.Exercises,
		Student:   bridge.Student{ID: st.ID, Name: st.Name},
	}
}

// helloServices lists specs as a Hello does.
func helloServices(specs []services.Spec) []bridge.Service {
	out := make([]bridge.Service, len(specs))
	for i, sp := range specs {
		out[i] = bridge.Service(sp)
	}
	return out
}

// run serves the session until it ends, then tears it down: the close
// handshake, the connection, the session's port and room.
func (s *session) run() {
	s.log.Info("bridge session started", "remote", s.nc.RemoteAddr().String())
	s.lastRead.Store(time.Now().UnixNano())
	s.mu.Lock()
	s.idle = time.AfterFunc(s.srv.cfg.IdleTimeout, s.checkIdle)
	s.mu.Unlock()
	if err := s.writeHello(); err != nil {
		s.fail(fmt.Errorf("write hello: %w", err))
	}
	go s.writeLoop() // what the room queued before the hello, if anything
	err := s.readLoop()

	// The session has ended, and the reader has stopped: the client has
	// answered the close frame, or hung up, or the handshake has run out
	// of time. The writer has written the close frame, or is cut off.
	s.mu.Lock()
	s.idle.Stop()
	closeBy := s.closeBy
	s.mu.Unlock()
	wait := time.NewTimer(time.Until(closeBy))
	select {
	case <-s.writerDone:
	case <-wait.C:
		s.nc.Close()
		<-s.writerDone
	}
	wait.Stop()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) && !isTimeout(err) {
		// The reader stopped short of the close handshake (errAfterEnd
		// included), and the client may still be sending.
		s.linger()
	}
	s.conn.Close()
	s.leaveRoom()
	code, reason := s.cause()
	s.srv.closes.add(code)
	s.log.Info("bridge session ended",
		"duration", time.Since(s.start).Round(time.Millisecond),
		"code", code, "reason", reason,
		"packets_in", s.c.packetsIn.Load(), "packets_out", s.c.packetsOut.Load(),
		"events_out", s.c.eventsOut.Load(), "dropped", s.c.dropped())
}

// leaveRoom takes the session's host off its network: the session's own
// room closes; a workshop's lingers for its other students.
func (s *session) leaveRoom() {
	s.port.Detach()
	if s.ownRoom {
		s.room.Close()
	} else {
		s.workshop.seen.release()
		s.srv.workshops.leave(s)
	}
}

// end ends the session with a close code and a reason for the client; the
// first call decides. It does not block: the writer sends the close frame,
// and the reader, which goes on reading until the client answers it, gets
// closeGrace for the handshake.
func (s *session) end(code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended, s.code, s.reason = true, code, reason
	s.closeBy = time.Now().Add(closeGrace)
	close(s.done)
	s.out.pushClose()
	s.nc.SetReadDeadline(s.closeBy)
}

// checkIdle ends a session whose client has sent nothing for IdleTimeout;
// it runs on the idle timer.
func (s *session) checkIdle() {
	idle := s.srv.cfg.IdleTimeout
	quiet := time.Since(time.Unix(0, s.lastRead.Load()))
	if quiet >= idle {
		s.end(bridge.CloseGoingAway, "idle")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.idle.Reset(idle - quiet)
	}
}

// fail ends the session for an error a good client does not cause.
func (s *session) fail(err error) {
	if !s.isDone() {
		s.c.errors.Add(1)
	}
	s.end(closeLost, err.Error())
}

func (s *session) isDone() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *session) cause() (code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.code, s.reason
}

// warn logs an abuse of the session's, once for each kind.
func (s *session) warn(kind uint8, msg string, args ...any) {
	if s.warned&kind != 0 {
		return
	}
	s.warned |= kind
	s.log.Warn(msg, args...)
}

// addTo adds the session's counters to st, with its room's refused
// connections.
func (s *session) addTo(st *Stats) {
	s.c.addTo(st)
	if s.ownRoom {
		st.ConnsRefused += s.room.Counters().Refused
	}
}

// linger reads and discards what the client still sends, until it hangs
// up or for closeGrace, when the WebSocket can no longer be read: closing
// a TCP connection with unread data resets it, and a reset can destroy the
// close frame before the client reads it.
func (s *session) linger() {
	s.nc.SetReadDeadline(time.Now().Add(closeGrace))
	io.Copy(io.Discard, s.nc)
}

// closeNow refuses a connection that did not become a session: a close
// frame, the client's answer, then the connection's end.
func closeNow(conn *websocket.Conn, code int, reason string) {
	deadline := time.Now().Add(closeGrace)
	writeBye(conn, code, reason, deadline)
	conn.SetReadDeadline(deadline)
	for {
		if _, _, err := conn.NextReader(); err != nil {
			break
		}
	}
	conn.Close()
}

// writeBye ends conn's writing: the bye message, then the close frame,
// with one code and reason (see bridge.ByeMessage). The caller is conn's
// only writer.
func writeBye(conn *websocket.Conn, code int, reason string, deadline time.Time) {
	msg := closeMessage(code, reason)
	bye, _ := json.Marshal(bridge.ByeMessage{Type: bridge.TypeBye, Code: code, Reason: string(msg[2:])})
	conn.SetWriteDeadline(deadline)
	if conn.WriteMessage(websocket.TextMessage, bye) != nil {
		return
	}
	conn.WriteControl(websocket.CloseMessage, msg, deadline)
}

// closeMessage is a close frame's payload, its reason cut to fit.
func closeMessage(code int, reason string) []byte {
	const maxReason = 123 // a control frame's 125 bytes, less the code
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	return websocket.FormatCloseMessage(code, reason)
}

// isTimeout reports whether err is a deadline passing. The WebSocket
// library hides the net package's error behind its own.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// marshal encodes a message the server sends; what it sends always
// encodes.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}
