package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// Pacing, messages and removing a student: what the instructor changes
// for the whole class from the dashboard, and how the students' pages
// hear of it.
//
//	PATCH  /api/workshops/{code}               {"locked_after": N} (api.go): open the first N
//	                                           exercises only (0: all), live
//	POST   /api/workshops/{code}/message       {"message": "…"}: a line to every student's
//	                                           page; "" takes it down
//	DELETE /api/workshops/{code}/students/{id} one student, their progress and their
//	                                           seat: 204; their session is closed
//
// A workshop's sessions hear of its state through a bridge.WorkshopMessage
// (the pacing, the instructor's message, the student's hand), pushed
// after the hello and on each change. A locked exercise's page is refused
// to a workshop's student (labPage), and so are reports of it
// (answerReport). The pacing and the message are the store's, so that a
// restart keeps them; the message is kept in memory too, per workshop,
// for the sessions' reads.

// classMessage is the instructor's last message to a workshop's class.
type classMessage struct {
	text string
	id   int64 // changes with each message sent: when it was, in µs
}

// classJSON is a workshop's pacing, peers rule and message, as the
// dashboard's "class" change shows them.
type classJSON struct {
	LockedAfter int       `json:"locked_after"`
	Peers       lab.Peers `json:"peers"`
	Message     string    `json:"message"`
	// Wire is the room's wire the instructor set (roomwire.go), null
	// for none.
	Wire *lab.RoomWire `json:"wire"`
}

// routePacing serves the pacing's and the removal's calls.
func (s *Server) routePacing() {
	s.mux.HandleFunc("POST /api/workshops/{code}/message", s.postMessage)
	s.mux.HandleFunc("DELETE /api/workshops/{code}/students/{id}", s.deleteStudent)
	s.mux.HandleFunc("PUT /api/workshops/{code}/wire", s.putWire)
}

// classMessageLocked is what student id's session is told of lw: its
// pacing, the message, their hand. ws.mu is held.
func (ws *workshops) classMessageLocked(lw *liveWorkshop, id int64) []byte {
	m := ws.messages[lw.code]
	return marshal(bridge.WorkshopMessage{
		Type: bridge.TypeWorkshop, LockedAfter: lw.lockedAfter,
		Message: m.text, MessageID: m.id, Hand: ws.hands.state(lw.code, id),
		Wire: lw.wire,
	})
}

// tellClassLocked sends every session of lw its workshop message; ws.mu
// is held.
func (ws *workshops) tellClassLocked(lw *liveWorkshop) {
	for id, sess := range lw.sessions {
		sess.push(pushedWorkshop, ws.classMessageLocked(lw, id))
	}
}

// setPacing applies a workshop's pacing to its running network's
// sessions, if it runs.
func (ws *workshops) setPacing(code string, lockedAfter int) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if lw := ws.live[code]; lw != nil {
		lw.lockedAfter = lockedAfter
		ws.tellClassLocked(lw)
	}
}

// lockedAfter is the pacing of a session's workshop as its network has
// it now.
func (ws *workshops) lockedAfter(lw *liveWorkshop) int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return lw.lockedAfter
}

// say sets a workshop's message ("" takes it down) in the store and
// tells its sessions.
func (ws *workshops) say(ctx context.Context, code, text string) error {
	at, err := ws.store.SetMessage(ctx, code, text)
	if err != nil {
		return err
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.setMessageLocked(code, text, at)
	if lw := ws.live[code]; lw != nil {
		ws.tellClassLocked(lw)
	}
	return nil
}

// setMessageLocked keeps a workshop's message set at; ws.mu is held.
func (ws *workshops) setMessageLocked(code, text string, at time.Time) {
	if text == "" {
		delete(ws.messages, code)
	} else {
		ws.messages[code] = classMessage{text: text, id: at.UnixMicro()}
	}
}

// message is a workshop's message, "" for none.
func (ws *workshops) message(code string) string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.messages[code].text
}

// tellStudent sends a student's session, if they have one, their
// workshop message: their hand changed.
func (ws *workshops) tellStudent(code string, id int64) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if lw := ws.live[code]; lw != nil {
		if sess := lw.sessions[id]; sess != nil {
			sess.push(pushedWorkshop, ws.classMessageLocked(lw, id))
		}
	}
}

// removeStudent ends a deleted student's session, if they have one,
// with CloseRemoved, and their look-ins, takes their hand down and the
// spotlight off them.
func (ws *workshops) removeStudent(code string, id int64) {
	ws.forgetWatched(code, id)
	if q, ok := ws.hands.drop(code, id); ok {
		ws.events.publish(code, dashEvent{Kind: "hands", Hands: q})
	}
	if sp := ws.spotOf(code); sp != nil && sp.student == id {
		ws.spotlight(code, nil) // the store's went with the student
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	lw := ws.live[code]
	if lw == nil || lw.sessions[id] == nil {
		return
	}
	sess := lw.sessions[id]
	// Taken off first, so that its end tells no dashboard the student
	// went offline: they are gone.
	delete(lw.sessions, id)
	sess.port.Detach()
	sess.end(bridge.CloseRemoved, "the instructor removed you from the workshop")
}

// forget drops a deleted workshop's message.
func (ws *workshops) forget(code string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	delete(ws.messages, code)
}

// classEvent is the dashboard's change for a workshop's pacing, peers
// rule or message.
func (s *Server) classEvent(wk *lab.Workshop) dashEvent {
	return dashEvent{Kind: "class", Class: &classJSON{LockedAfter: wk.LockedAfter, Peers: wk.Peers, Message: s.workshops.message(wk.Code), Wire: wk.Wire}}
}

// postMessage is POST /api/workshops/{code}/message: {"message": "…"},
// one line of at most bridge.MaxWorkshopMessage characters, to every
// student's page, now and on their next session; "" takes it down. It
// answers with the class's state (classJSON).
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	var req struct {
		Message *string `json:"message"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Message == nil {
		apiError(w, http.StatusBadRequest, `send {"message": "one line"}, or "" to take it down`)
		return
	}
	text := strings.TrimSpace(*req.Message)
	if text != "" {
		if err := lab.ValidateText("message", text, bridge.MaxWorkshopMessage); err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if err := s.workshops.say(r.Context(), wk.Code, text); err != nil {
		s.storeError(w, err)
		return
	}
	ev := s.classEvent(wk)
	s.workshops.events.publish(wk.Code, ev)
	s.log.Info("workshop message", "workshop", lab.FormatCode(wk.Code), "chars", len([]rune(text)))
	writeJSON(w, http.StatusOK, ev.Class)
}

// deleteStudent is DELETE /api/workshops/{code}/students/{id}: the
// student and their progress go from the store, which frees their seat
// (their address is never given again); their session ends with
// bridge.CloseRemoved, their hand comes down, and the dashboards drop
// their row.
func (s *Server) deleteStudent(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	const noStudent = "the workshop has no student with this id"
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		apiError(w, http.StatusNotFound, noStudent)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	if err := s.cfg.Store.DeleteStudent(ctx, wk.Code, id); errors.Is(err, lab.ErrNotFound) {
		apiError(w, http.StatusNotFound, noStudent)
		return
	} else if err != nil {
		s.storeError(w, err)
		return
	}
	s.workshops.removeStudent(wk.Code, id)
	s.workshops.events.publish(wk.Code, dashEvent{Kind: "removed", Student: &dashStudent{ID: id}})
	s.log.Info("student deleted", "workshop", lab.FormatCode(wk.Code), "student", id)
	w.WriteHeader(http.StatusNoContent)
}
