package server

import (
	"encoding/json"
	"net/http"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// The spotlight: the instructor shows one student's trace to the class.
//
//	PUT    /api/workshops/{code}/spotlight  {"student": id, "show_name": false}
//	DELETE /api/workshops/{code}/spotlight  spotlight off
//
// While it is on, the student's client mirrors its trace (lookin.go), and
// every other student's session gets it in spotlight messages, named
// classmateName unless the instructor chose to show the name; session
// events (which name the session) stay out. Off, everyone's page is as
// it was. The spotlit student is told, as a watch message.

// classmateName is what the class is told a spotlit student is called.
const classmateName = "a classmate"

// spot is a workshop's spotlight: whose trace, named what.
type spot struct {
	student int64
	name    string
}

// spotlightJSON is the spotlight as the instructor's API says it.
type spotlightJSON struct {
	Student  int64 `json:"student"`
	ShowName bool  `json:"show_name"`
}

// routeSpotlight serves the spotlight's endpoints.
func (s *Server) routeSpotlight() {
	s.mux.HandleFunc("PUT /api/workshops/{code}/spotlight", s.putSpotlight)
	s.mux.HandleFunc("DELETE /api/workshops/{code}/spotlight", s.deleteSpotlight)
}

// putSpotlight is PUT /api/workshops/{code}/spotlight: it turns the
// spotlight on a student (off the one before).
func (s *Server) putSpotlight(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	var req spotlightJSON
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Student <= 0 {
		apiError(w, http.StatusBadRequest, "student is a student's id")
		return
	}
	st, ok := s.studentByID(w, r, wk, req.Student)
	if !ok {
		return
	}
	name := classmateName
	if req.ShowName {
		name = st.Name
	}
	s.workshops.spotlight(wk.Code, &spot{student: st.ID, name: name})
	writeJSON(w, http.StatusOK, req)
}

// deleteSpotlight is DELETE /api/workshops/{code}/spotlight.
func (s *Server) deleteSpotlight(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	s.workshops.spotlight(wk.Code, nil)
	w.WriteHeader(http.StatusNoContent)
}

// spotlight puts sp's student on the class's pages, or, sp nil, takes the
// spotlight off.
func (ws *workshops) spotlight(code string, sp *spot) {
	ws.mirrors.mu.Lock()
	old := ws.mirrors.spots[code]
	if sp == nil {
		delete(ws.mirrors.spots, code)
	} else {
		ws.mirrors.spots[code] = sp
	}
	ws.mirrors.mu.Unlock()
	if old != nil {
		ws.watch(mirrorKey{code, old.student}, func(mr *mirror) { mr.spotlit = false })
	}
	if sp == nil {
		ws.toClass(code, 0, [][]byte{marshal(bridge.SpotlightMessage{Type: bridge.TypeSpotlight})})
		return
	}
	k := mirrorKey{code, sp.student}
	kept := ws.watch(k, func(mr *mirror) { mr.spotlit = true })
	ws.spotlightEvents(k, true, kept)
}

// spotlightEvents sends k's events to the rest of k's class, if k is
// spotlit: on its start, after telling them to forget the last
// spotlight's.
func (ws *workshops) spotlightEvents(k mirrorKey, start bool, evs []lab.Event) {
	ws.mirrors.mu.Lock()
	sp := ws.mirrors.spots[k.code]
	ws.mirrors.mu.Unlock()
	if sp == nil || sp.student != k.student {
		return
	}
	ws.toClass(k.code, k.student, spotlightMessages(sp.name, start, evs))
}

// greetSpotlight sends a new session the workshop's spotlight, if one is
// on a classmate: its start and the events kept.
func (ws *workshops) greetSpotlight(sess *session) {
	wk := sess.workshop
	code := wk.workshop.Code
	ws.mirrors.mu.Lock()
	sp := ws.mirrors.spots[code]
	var kept []lab.Event
	if sp != nil {
		if mr := ws.mirrors.students[mirrorKey{code, sp.student}]; mr != nil {
			kept = mr.eventsLocked()
		}
	}
	ws.mirrors.mu.Unlock()
	if sp == nil || sp.student == wk.student.ID {
		return
	}
	for _, msg := range spotlightMessages(sp.name, true, kept) {
		sess.answer(msg)
	}
}

// toClass sends msgs to every session of the workshop's but the
// student's (0: every one).
func (ws *workshops) toClass(code string, except int64, msgs [][]byte) {
	ws.mu.Lock()
	var class []*session
	if lw := ws.live[code]; lw != nil {
		for id, sess := range lw.sessions {
			if id != except {
				class = append(class, sess)
			}
		}
	}
	ws.mu.Unlock()
	for _, sess := range class {
		for _, msg := range msgs {
			sess.answer(msg)
		}
	}
}

// spotlightMessages are the spotlight messages that carry evs, without
// session events, each within bridge.MaxText and bridge.MaxMirrorBatch;
// an event too large for one on its own is left out. There is at least
// one message if start is set.
func spotlightMessages(name string, start bool, evs []lab.Event) [][]byte {
	const budget = bridge.MaxText - 1024
	var msgs [][]byte
	var batch []json.RawMessage
	size := 0
	flush := func() {
		if len(batch) == 0 && !start {
			return
		}
		b := marshal(struct {
			Type   string            `json:"type"`
			On     bool              `json:"on"`
			Start  bool              `json:"start,omitempty"`
			Name   string            `json:"name"`
			Events []json.RawMessage `json:"events,omitempty"`
		}{bridge.TypeSpotlight, true, start, name, batch})
		msgs = append(msgs, b)
		batch, size, start = nil, 0, false
	}
	for _, e := range evs {
		if e.Kind == lab.KindSession {
			continue
		}
		b, err := json.Marshal(e)
		if err != nil || len(b) > budget-512 {
			continue
		}
		if len(batch) == bridge.MaxMirrorBatch || size+len(b) > budget-512 {
			flush()
		}
		batch = append(batch, b)
		size += len(b) + 1
	}
	flush()
	return msgs
}
