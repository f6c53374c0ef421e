package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/room"
)

// workshops runs the lab networks of the workshops that have students on
// this server now: one room per workshop, made from the store's record
// when its first student arrives (after a restart too), shared by all its
// students, each at the address the store keeps for them, and closed when
// its last student has been gone for the linger time.
type workshops struct {
	store          lab.WorkshopStore
	linger         time.Duration
	maxConnections int
	log            *slog.Logger
	// events tells the instructors' dashboards of the workshops' changes;
	// hands are the workshops' help queues.
	events *hub
	hands  *hands
	// mirrors are the students' traces watched: look-in and spotlight.
	mirrors *mirrors

	mu     sync.Mutex
	live   map[string]*liveWorkshop // by code
	closed bool
	// messages are the instructors' last messages to their classes, by
	// code (pacing.go).
	messages map[string]classMessage
	// restored are the workshops whose message, spotlight and help queue
	// this process has read from the store (restore).
	restoreMu sync.Mutex
	restored  map[string]bool
	// wireMu keeps the changes of the room wires in order (roomwire.go).
	wireMu sync.Mutex
}

// liveWorkshop is a workshop's running network and the sessions on it.
type liveWorkshop struct {
	code     string
	room     *room.Room
	sessions map[int64]*session // by student ID; one each
	idle     *time.Timer        // set while it has no session: closes it
	idleGen  uint64             // which idle timer is the current one
	deleted  bool               // the workshop is gone: close the room with its last session
	// lockedAfter is the workshop's pacing (lab.Workshop.LockedAfter),
	// set live (pacing.go).
	lockedAfter int
	// wire is the room's wire (lab.Workshop.Wire), set live
	// (roomwire.go).
	wire *lab.RoomWire
}

func newWorkshops(store lab.WorkshopStore, linger time.Duration, maxConnections int, log *slog.Logger) *workshops {
	return &workshops{store: store, linger: linger, maxConnections: maxConnections, log: log,
		events: newHub(), hands: newHands(), mirrors: newMirrors(), live: map[string]*liveWorkshop{}, messages: map[string]classMessage{}, restored: map[string]bool{}}
}

// attach puts sess's host on w's network at the student's address,
// starting the network if it is not running. A session the student
// already has there is closed with CloseReplaced: the newer one takes the
// address over.
func (ws *workshops) attach(w *lab.Workshop, st *lab.Student, sess *session) (*liveWorkshop, *room.Port, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return nil, nil, errShutdown
	}
	lw := ws.live[w.Code]
	if lw == nil {
		r, err := room.New(room.Config{
			MaxHosts:             w.MaxStudents,
			MaxConnections:       ws.maxConnections,
			StudentsSeeEachOther: w.Peers == lab.PeersAll,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("start workshop %s: %w", w.Code, err)
		}
		if err := r.SetWire(w.Wire); err != nil {
			r.Close()
			return nil, nil, fmt.Errorf("start workshop %s: %w", w.Code, err)
		}
		lw = &liveWorkshop{code: w.Code, room: r, sessions: map[int64]*session{}, lockedAfter: w.LockedAfter, wire: w.Wire}
		ws.live[w.Code] = lw
		ws.log.Info("workshop network started", "workshop", lab.FormatCode(w.Code))
	}
	if lw.idle != nil {
		lw.idle.Stop()
		lw.idle = nil
	}
	if old := lw.sessions[st.ID]; old != nil {
		old.port.Detach()
		old.end(bridge.CloseReplaced, "you opened this workshop in another tab or browser")
		delete(lw.sessions, st.ID)
	}
	port, err := lw.room.AttachAt(st.Addr, sess.deliver, lab.RecorderFunc(sess.record))
	if err != nil {
		ws.idleLocked(lw)
		return nil, nil, err
	}
	lw.sessions[st.ID] = sess
	sess.push(pushedWorkshop, ws.classMessageLocked(lw, st.ID)) // sent after the hello
	ws.events.publish(w.Code, studentEvent(st, true))
	return lw, port, nil
}

// leave takes an ended session off its workshop, and marks when the
// student was last seen. The session's port is detached already.
func (ws *workshops) leave(sess *session) {
	wk := sess.workshop
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A student deleted (or in a workshop deleted) is not found: no news.
	if err := ws.store.TouchStudent(ctx, wk.student.ID, time.Now()); err != nil && !errors.Is(err, lab.ErrNotFound) {
		ws.log.Warn("mark a student last seen", "workshop", lab.FormatCode(wk.student.Workshop), "student", wk.student.ID, "err", err)
	}
	ws.mu.Lock()
	lw := wk.live
	if lw.sessions[wk.student.ID] == sess {
		delete(lw.sessions, wk.student.ID)
		st := *wk.student
		st.LastSeen = time.Now()
		ws.events.publish(lw.code, studentEvent(&st, false))
	}
	closeNow := len(lw.sessions) == 0 && (lw.deleted || ws.closed)
	if !closeNow {
		ws.idleLocked(lw)
	}
	ws.mu.Unlock()
	if closeNow {
		lw.room.Close()
	}
}

// idleLocked starts lw's linger timer if it has no session; ws.mu is
// held.
func (ws *workshops) idleLocked(lw *liveWorkshop) {
	if len(lw.sessions) > 0 || lw.idle != nil || lw.deleted || ws.closed {
		return
	}
	lw.idleGen++
	gen := lw.idleGen
	lw.idle = time.AfterFunc(ws.linger, func() { ws.expire(lw, gen) })
}

// expire closes lw's network if nobody came back while its idle timer
// gen ran.
func (ws *workshops) expire(lw *liveWorkshop, gen uint64) {
	ws.mu.Lock()
	if ws.live[lw.code] != lw || len(lw.sessions) > 0 || lw.idle == nil || lw.idleGen != gen {
		ws.mu.Unlock()
		return
	}
	delete(ws.live, lw.code)
	ws.mu.Unlock()
	lw.room.Close()
	ws.log.Info("workshop network stopped: nobody there", "workshop", lab.FormatCode(lw.code))
}

// remove ends a deleted workshop's sessions and its trace streams; its
// network closes with the last of them.
func (ws *workshops) remove(code string) {
	ws.hands.remove(code)
	ws.forget(code)
	ws.restoreMu.Lock()
	delete(ws.restored, code)
	ws.restoreMu.Unlock()
	ws.forgetWatched(code, 0)
	ws.mu.Lock()
	lw := ws.live[code]
	if lw == nil {
		ws.mu.Unlock()
		return
	}
	delete(ws.live, code)
	lw.deleted = true
	if lw.idle != nil {
		lw.idle.Stop()
		lw.idle = nil
	}
	open := make([]*session, 0, len(lw.sessions))
	for _, s := range lw.sessions {
		open = append(open, s)
	}
	ws.mu.Unlock()
	if len(open) == 0 {
		lw.room.Close()
	}
	for _, s := range open {
		s.end(bridge.CloseEnded, "the instructor ended this workshop")
	}
}

// restore reads what the instructor set for wk's class (the message, the
// spotlight, the help queue) from the store, the first time this process
// needs it: after a restart, or on a server new to the workshop. A
// failure is logged, and tried again on the next call.
func (ws *workshops) restore(ctx context.Context, wk *lab.Workshop) {
	ws.restoreMu.Lock()
	defer ws.restoreMu.Unlock()
	if ws.restored[wk.Code] {
		return
	}
	if err := ws.load(ctx, wk); err != nil {
		ws.log.Warn("read the class's message, spotlight and hands", "workshop", lab.FormatCode(wk.Code), "err", err)
		return
	}
	ws.restored[wk.Code] = true
}

// load is restore's reading; ws.restoreMu is held.
func (ws *workshops) load(ctx context.Context, wk *lab.Workshop) error {
	c, err := ws.store.Class(ctx, wk.Code)
	if err != nil {
		return err
	}
	ws.hands.set(wk.Code, c.Hands)
	ws.mu.Lock()
	ws.setMessageLocked(wk.Code, c.Message, c.MessageAt)
	ws.mu.Unlock()
	if c.Spotlight == nil {
		return nil
	}
	students, err := ws.store.Students(ctx, wk.Code)
	if err != nil {
		return err
	}
	for _, st := range students {
		if st.ID == c.Spotlight.Student {
			ws.spotlight(wk.Code, newSpot(st, c.Spotlight.ShowName))
		}
	}
	return nil
}

// setPeers applies a workshop's peers policy to its network, if it runs.
func (ws *workshops) setPeers(code string, peers lab.Peers) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if lw := ws.live[code]; lw != nil {
		lw.room.SetStudentsSeeEachOther(peers == lab.PeersAll)
	}
}

// online reports which of a workshop's students have a session now.
func (ws *workshops) online(code string) map[int64]bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	on := map[int64]bool{}
	if lw := ws.live[code]; lw != nil {
		for id := range lw.sessions {
			on[id] = true
		}
	}
	return on
}

// addTo adds the running networks' refused connections and packets kept
// between students to st.
func (ws *workshops) addTo(st *Stats) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, lw := range ws.live {
		c := lw.room.Counters()
		st.ConnsRefused += c.Refused
		st.Drops.Isolated += c.Isolated
	}
}

// close stops every network; the sessions on them have ended already
// (Serve waits for them first).
func (ws *workshops) close() {
	ws.mu.Lock()
	ws.closed = true
	var rooms []*room.Room
	for code, lw := range ws.live {
		if lw.idle != nil {
			lw.idle.Stop()
		}
		rooms = append(rooms, lw.room)
		delete(ws.live, code)
	}
	ws.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
}

// studentEvent is the change a student's arrival, or their coming online
// or going offline, makes to the dashboard.
func studentEvent(st *lab.Student, online bool) dashEvent {
	return dashEvent{Kind: "student", Student: &dashStudent{ID: st.ID, Name: st.Name, JoinedAt: st.JoinedAt, LastSeen: st.LastSeen, Online: online}}
}
