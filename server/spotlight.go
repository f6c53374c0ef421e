package server

import (
	"encoding/json"
	"net/http"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/pages"
)

// The spotlight: the instructor shows one student's trace to the class.
//
//	PUT    /api/workshops/{code}/spotlight        {"student": id, "show_name": false}
//	DELETE /api/workshops/{code}/spotlight        spotlight off
//	GET    /workshop/{code}/projector             the spotlit trace, full-screen, for the projector
//	GET    /api/workshops/{code}/spotlight/trace  server-sent events: "spotlight" (projectorJSON)
//
// While it is on, the student's client mirrors its trace (lookin.go), and
// every other student's session gets it in spotlight messages, named
// classmateName unless the instructor chose to show the name; session
// events (which name the session) stay out. Off, everyone's page is as
// it was. The spotlit student is told, as a watch message. Whom it is on
// is the store's (lab.WorkshopStore.SetSpotlight), so that a restart
// keeps it: the trace comes back with the student's next session.

// classmateName is what the class is told a spotlit student is called.
const classmateName = "a classmate"

// spot is a workshop's spotlight: whose trace, named what to the class.
type spot struct {
	student  int64
	real     string // the student's name, for the instructor
	name     string // for the class: classmateName, or real if showName
	showName bool
	address  string // the student's host, whose the trace's lifeline is
}

// newSpot is the spotlight on st, named to the class if showName.
func newSpot(st *lab.Student, showName bool) *spot {
	name := classmateName
	if showName {
		name = st.Name
	}
	return &spot{student: st.ID, real: st.Name, name: name, showName: showName, address: st.Addr.String()}
}

// spotlightJSON is the spotlight as the instructor's API says it; the
// dashboard's stream adds the student's name (dashboard.go).
type spotlightJSON struct {
	Student  int64  `json:"student"`
	ShowName bool   `json:"show_name"`
	Name     string `json:"name,omitempty"`
}

// spotlightState is sp as the dashboard's stream says it, nil for off.
func spotlightState(sp *spot) *spotlightJSON {
	if sp == nil {
		return nil
	}
	return &spotlightJSON{Student: sp.student, ShowName: sp.showName, Name: sp.real}
}

// routeSpotlight serves the spotlight's endpoints.
func (s *Server) routeSpotlight() {
	s.mux.HandleFunc("PUT /api/workshops/{code}/spotlight", s.putSpotlight)
	s.mux.HandleFunc("DELETE /api/workshops/{code}/spotlight", s.deleteSpotlight)
	s.mux.HandleFunc("GET /workshop/{code}/projector", s.projectorPage)
	s.mux.HandleFunc("GET /api/workshops/{code}/spotlight/trace", s.projectorTrace)
}

// projectorTopic is the hub's name for what a workshop's projector shows:
// the spotlight's changes and the spotlit trace as the class gets it.
func projectorTopic(code string) string { return code + "/spotlight" }

// projectorJSON is one event of the projector's stream: whether a
// spotlight is on, its name as the class sees it, and the events to add
// (without session events, as the class's), after forgetting those
// shown if reset.
type projectorJSON struct {
	On      bool   `json:"on"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"` // the spotlit student's host
	traceJSON
}

// projectorPage is GET /workshop/{code}/projector: the spotlit trace,
// big, for the projector, drawn by projector.js from its stream.
func (s *Server) projectorPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", sameOrigin)
	wk, ok := s.pageWorkshop(r)
	if !ok { // on a classroom PC: the sign-in form, which comes back here
		w.WriteHeader(http.StatusUnauthorized)
		render(w, r, pages.TeachPage(pages.TeachView{Next: r.URL.Path}))
		return
	}
	render(w, r, pages.ProjectorPage(pages.ProjectorView{Code: lab.FormatCode(wk.Code), Title: wk.Title, Join: s.joinScreenView(r, wk)}))
}

// projectorTrace is GET /api/workshops/{code}/spotlight/trace: the
// spotlight now, then its changes and events, each a projectorJSON.
func (s *Server) projectorTrace(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	done, ok := s.openTrace(w, r, wk)
	if !ok {
		return
	}
	defer done()
	ws := s.workshops
	sub := ws.events.subscribe(projectorTopic(wk.Code))
	defer ws.events.unsubscribe(sub)
	sp, kept := ws.spotlightNow(wk.Code)
	first := traceJSON{Reset: true, Events: classEvents(kept.events)}
	serveSSE(w, r, sub, "spotlight", projectorParts(sp, first), func(changes []dashEvent) (string, any) {
		sp := ws.spotOf(wk.Code)
		if sp == nil {
			return "spotlight", projectorParts(nil, traceJSON{Reset: true, Events: []lab.Event{}})
		}
		return "spotlight", projectorParts(sp, traceOf(changes))
	})
}

// projectorParts is t, with the spotlight sp (nil: off), as the values
// of the projector's stream's messages (see traceJSON.parts).
func projectorParts(sp *spot, t traceJSON) sseParts {
	var out sseParts
	for _, p := range t.parts() {
		m := projectorJSON{traceJSON: p}
		if sp != nil {
			m.On, m.Name, m.Address = true, sp.name, sp.address
		}
		out = append(out, m)
	}
	return out
}

// classEvents are evs without session events, which the class is not
// shown (they name the session).
func classEvents(evs []lab.Event) []lab.Event {
	out := make([]lab.Event, 0, len(evs))
	for _, e := range evs {
		if e.Kind != lab.KindSession {
			out = append(out, e)
		}
	}
	return out
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
	if err := s.cfg.Store.SetSpotlight(r.Context(), wk.Code, &lab.Spotlight{Student: st.ID, ShowName: req.ShowName}); err != nil {
		s.storeError(w, err)
		return
	}
	s.workshops.spotlight(wk.Code, newSpot(st, req.ShowName))
	writeJSON(w, http.StatusOK, req)
}

// deleteSpotlight is DELETE /api/workshops/{code}/spotlight.
func (s *Server) deleteSpotlight(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Store.SetSpotlight(r.Context(), wk.Code, nil); err != nil {
		s.storeError(w, err)
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
	ws.events.publish(code, dashEvent{Kind: "spotlight", Spotlight: spotlightState(sp)})
	ws.events.publish(projectorTopic(code), dashEvent{Kind: "spotlight", Reset: true})
	if sp == nil {
		ws.toClass(code, 0, "", []spotMsg{spotlightOff()})
		return
	}
	k := mirrorKey{code, sp.student}
	if old != nil && old.student != sp.student {
		// The newly spotlit student's page shows the last one's no more.
		var sess *session
		ws.mu.Lock()
		if lw := ws.live[code]; lw != nil {
			sess = lw.sessions[sp.student]
		}
		ws.mu.Unlock()
		if sess != nil {
			sess.spotlight("", []spotMsg{spotlightOff()})
		}
	}
	kept := ws.watch(k, func(mr *mirror) { mr.spotlit = true })
	ws.spotlightEvents(k, true, kept)
}

// spotlightOff is the message that ends a spotlight.
func spotlightOff() spotMsg {
	return spotMsg{text: marshal(bridge.SpotlightMessage{Type: bridge.TypeSpotlight}), reset: true}
}

// spotlightEvents sends k's events to the rest of k's class, if k is
// spotlit: on its start, after telling them to forget the last
// spotlight's.
func (ws *workshops) spotlightEvents(k mirrorKey, start bool, evs traceEvents) {
	ws.mirrors.mu.Lock()
	sp := ws.mirrors.spots[k.code]
	ws.mirrors.mu.Unlock()
	if sp == nil || sp.student != k.student {
		return
	}
	ws.events.publish(projectorTopic(k.code), traceChange(start, traceEvents{classEvents(evs.events), evs.bytes}))
	ws.toClass(k.code, k.student, sp.name, spotlightMessages(sp.name, sp.address, start, evs.events))
}

// spotlightNow is a workshop's spotlight, nil for off, and the spotlit
// student's events kept.
func (ws *workshops) spotlightNow(code string) (*spot, traceEvents) {
	ws.mirrors.mu.Lock()
	defer ws.mirrors.mu.Unlock()
	sp := ws.mirrors.spots[code]
	if sp == nil {
		return nil, traceEvents{}
	}
	var kept traceEvents
	if mr := ws.mirrors.students[mirrorKey{code, sp.student}]; mr != nil {
		kept = mr.eventsLocked()
	}
	return sp, kept
}

// spotOf is a workshop's spotlight, nil for off (a spot is replaced,
// never changed).
func (ws *workshops) spotOf(code string) *spot {
	ws.mirrors.mu.Lock()
	defer ws.mirrors.mu.Unlock()
	return ws.mirrors.spots[code]
}

// greetSpotlight sends a new session the workshop's spotlight, if one is
// on a classmate (its start and the events kept), or else its end, so
// that a page that missed the end while offline does not keep it.
func (ws *workshops) greetSpotlight(sess *session) {
	wk := sess.workshop
	sp, kept := ws.spotlightNow(wk.workshop.Code)
	if sp == nil || sp.student == wk.student.ID {
		sess.spotlight("", []spotMsg{spotlightOff()})
		return
	}
	sess.spotlight(sp.name, spotlightMessages(sp.name, sp.address, true, kept.events))
}

// toClass sends a spotlight's msgs, named name, to every session of the
// workshop's but the student's (0: every one).
func (ws *workshops) toClass(code string, except int64, name string, msgs []spotMsg) {
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
		sess.spotlight(name, msgs)
	}
}

// spotMsg is a spotlight message, ready to send: a start or end (reset),
// which is never dropped, or more events, which may be.
type spotMsg struct {
	text   []byte
	reset  bool
	events int
}

// spotlight queues a spotlight's messages, named name, for the client.
// A start or end takes the place of the spotlight's messages still
// waiting; events that find the queue full are dropped and counted, and
// the next message that fits is preceded by one that says how many were
// skipped (bridge.SpotlightMessage.Skipped), which the page shows.
func (s *session) spotlight(name string, msgs []spotMsg) {
	s.spotMu.Lock()
	defer s.spotMu.Unlock()
	for _, m := range msgs {
		if m.reset {
			s.push(pushedSpotReset, m.text)
			s.spotSkipped = 0
			continue
		}
		if s.spotSkipped > 0 {
			if !s.push(pushedSpotEvents, marshal(bridge.SpotlightMessage{Type: bridge.TypeSpotlight, On: true, Name: name, Skipped: s.spotSkipped})) {
				s.spotSkipped += m.events
				continue
			}
			s.spotSkipped = 0
		}
		if !s.push(pushedSpotEvents, m.text) {
			s.spotSkipped += m.events
		}
	}
}

// spotlightMessages are the spotlight messages that carry evs, without
// session events, each within bridge.MaxText and bridge.MaxMirrorBatch;
// an event too large for one on its own is left out. There is at least
// one message if start is set, and it is the first, a reset.
func spotlightMessages(name, address string, start bool, evs []lab.Event) []spotMsg {
	const budget = bridge.MaxText - 1024
	var msgs []spotMsg
	var batch []json.RawMessage
	size := 0
	flush := func() {
		if len(batch) == 0 && !start {
			return
		}
		addr := ""
		if start {
			addr = address
		}
		b := marshal(struct {
			Type    string            `json:"type"`
			On      bool              `json:"on"`
			Start   bool              `json:"start,omitempty"`
			Name    string            `json:"name"`
			Address string            `json:"address,omitempty"`
			Events  []json.RawMessage `json:"events,omitempty"`
		}{bridge.TypeSpotlight, true, start, name, addr, batch})
		msgs = append(msgs, spotMsg{text: b, reset: start, events: len(batch)})
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
