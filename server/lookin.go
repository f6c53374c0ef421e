package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"sync"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/pages"
)

// Look-in: the instructor watches one student's lab, read-only and live.
//
//	GET /workshop/{code}/students/{id}           the look-in page
//	GET /api/workshops/{code}/students/{id}/trace  server-sent events: "trace"
//	                                             {reset, events}, the events kept
//	                                             so far, then each batch mirrored
//
// A student's trace lives in their browser. While a look-in's stream is
// open (or the student is spotlit, spotlight.go), the server tells the
// student's client to mirror it (a watch message) and takes the client's
// mirror requests: each event is decoded into a lab.Event, refused unless
// it is one (unknown fields, a kind without its part), renumbered in the
// server's order and kept, the last bridge.MaxMirrorKept, then fanned out
// through the hub to the look-ins (and the class, if spotlit). A mirror
// nobody asked for is refused. When the last viewer leaves, the client is
// told, and what was kept is let go.

// errNotWatched refuses a mirror nobody asked for.
var errNotWatched = errors.New("nobody is watching this lab: mirror refused")

// mirrorKey names a workshop's student.
type mirrorKey struct {
	code    string
	student int64
}

// topic is the hub's name for the student's look-ins.
func (k mirrorKey) topic() string { return k.code + "/" + strconv.FormatInt(k.student, 10) }

// mirrors are the workshops' students whose traces are watched.
type mirrors struct {
	mu       sync.Mutex
	students map[mirrorKey]*mirror
	spots    map[string]*spot // by workshop code: the student spotlit
}

// mirror is a watched student's trace, as far as the server keeps it.
type mirror struct {
	viewers int  // look-in streams open
	spotlit bool // on the class's pages
	last    uint64
	events  []mirrored // the last bridge.MaxMirrorKept, in the server's numbering
}

// mirrored is an event kept, with its number in the student's trace.
type mirrored struct {
	from uint64
	ev   lab.Event
}

func newMirrors() *mirrors {
	return &mirrors{students: map[mirrorKey]*mirror{}, spots: map[string]*spot{}}
}

// watchLocked is who watches k; m.mu is held.
func (m *mirrors) watchLocked(k mirrorKey) bridge.WatchMessage {
	w := bridge.WatchMessage{Type: bridge.TypeWatch}
	if mr := m.students[k]; mr != nil {
		w.Look, w.Spotlight = mr.viewers > 0, mr.spotlit
	}
	return w
}

// update changes k's watchers with change, and lets go of its events when
// nobody is left. It returns who watches it now, whether that changed,
// and the events kept.
func (m *mirrors) update(k mirrorKey, change func(*mirror)) (w bridge.WatchMessage, changed bool, kept []lab.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	before := m.watchLocked(k)
	mr := m.students[k]
	if mr == nil {
		mr = &mirror{}
		m.students[k] = mr
	}
	change(mr)
	if mr.viewers <= 0 && !mr.spotlit {
		delete(m.students, k)
	}
	w = m.watchLocked(k)
	return w, w != before, mr.eventsLocked()
}

// eventsLocked copies the events kept.
func (mr *mirror) eventsLocked() []lab.Event {
	out := make([]lab.Event, len(mr.events))
	for i, e := range mr.events {
		out[i] = e.ev
	}
	return out
}

// restart forgets k's events: the student's new session mirrors its trace
// from the start. ok false: nobody watches k.
func (m *mirrors) restart(k mirrorKey) (w bridge.WatchMessage, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mr := m.students[k]
	if mr == nil {
		return bridge.WatchMessage{}, false
	}
	mr.events = nil
	return m.watchLocked(k), true
}

// take keeps k's mirrored events, numbered in the server's order (a
// before that names an event no longer kept is dropped), and returns
// them as kept, and whether k is spotlit. ok false: nobody watches k.
func (m *mirrors) take(k mirrorKey, evs []lab.Event) (kept []lab.Event, spotlit, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mr := m.students[k]
	if mr == nil {
		return nil, false, false
	}
	ours := make(map[uint64]uint64, len(mr.events))
	for _, e := range mr.events {
		ours[e.from] = e.ev.Seq
	}
	for _, e := range evs {
		from := e.Seq
		mr.last++
		e.Seq = mr.last
		e.Before = ours[e.Before]
		ours[from] = e.Seq
		mr.events = append(mr.events, mirrored{from: from, ev: e})
		kept = append(kept, e)
	}
	if n := len(mr.events) - bridge.MaxMirrorKept; n > 0 {
		mr.events = append(mr.events[:0:0], mr.events[n:]...)
	}
	return kept, mr.spotlit, true
}

// decodeMirrored decodes and checks a mirror request's events: each a
// lab.Event, no field it does not have, its kind's part and no other.
func decodeMirrored(raw []json.RawMessage) ([]lab.Event, error) {
	if len(raw) > bridge.MaxMirrorBatch {
		return nil, fmt.Errorf("%d events: at most %d a request", len(raw), bridge.MaxMirrorBatch)
	}
	evs := make([]lab.Event, 0, len(raw))
	for i, b := range raw {
		if len(b) > bridge.MaxMirrorEvent {
			return nil, fmt.Errorf("event %d is %d bytes: at most %d", i, len(b), bridge.MaxMirrorEvent)
		}
		var e lab.Event
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("event %d does not decode: %w", i, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("event %d does not decode: more than one value", i)
		}
		if err := checkMirrored(&e); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		evs = append(evs, e)
	}
	return evs, nil
}

// checkMirrored refuses an event whose parts do not match its kind, or
// whose host is not an address.
func checkMirrored(e *lab.Event) error {
	if e.Host != "" {
		if _, err := netip.ParseAddr(e.Host); err != nil {
			return fmt.Errorf("host %s is not an address", quoteType(e.Host))
		}
	}
	parts := map[lab.Kind]bool{
		lab.KindCall: e.Call != nil, lab.KindPacket: e.Packet != nil, lab.KindState: e.State != nil,
		lab.KindSession: e.Session != nil, lab.KindWire: e.Wire != nil,
	}
	has, known := parts[e.Kind]
	if !known {
		return fmt.Errorf("kind %s is not one of call, packet, state, session, wire", quoteType(string(e.Kind)))
	}
	n := 0
	for _, p := range parts {
		if p {
			n++
		}
	}
	if !has || n != 1 {
		return fmt.Errorf("a %s event has its %s part and no other", e.Kind, e.Kind)
	}
	return nil
}

// answerMirror takes a watched student's mirrored events: kept, and sent
// to the look-ins and, if spotlit, to the class.
func (s *session) answerMirror(req bridge.Envelope, msg []byte) ([]byte, error) {
	wk := s.workshop
	if wk == nil {
		return nil, errNotInWorkshop
	}
	var r bridge.MirrorRequest
	if err := json.Unmarshal(msg, &r); err != nil {
		return nil, decodeError(err)
	}
	evs, err := decodeMirrored(r.Events)
	if err != nil {
		return nil, err
	}
	ws := s.srv.workshops
	k := mirrorKey{wk.workshop.Code, wk.student.ID}
	kept, spotlit, ok := ws.mirrors.take(k, evs)
	if !ok {
		return nil, errNotWatched
	}
	ws.events.publish(k.topic(), dashEvent{Kind: "trace", Events: kept})
	if spotlit {
		ws.spotlightEvents(k, false, kept)
	}
	return marshal(bridge.MirrorMessage{Type: bridge.TypeMirror, ID: req.ID, Taken: len(kept)}), nil
}

// greetWatched tells a workshop student's new session who watches it,
// nobody included (a page that missed the end of a look-in while offline
// stops saying it is watched): if anyone does, its mirror starts again
// from its trace, and the look-ins (and the class) start again with it.
// It tells the session of the spotlight on a classmate, or that there
// is none, too.
func (ws *workshops) greetWatched(sess *session) {
	wk := sess.workshop
	k := mirrorKey{wk.workshop.Code, wk.student.ID}
	w, ok := ws.mirrors.restart(k)
	if ok {
		ws.events.publish(k.topic(), dashEvent{Kind: "trace", Reset: true, Events: []lab.Event{}})
		if w.Spotlight {
			ws.spotlightEvents(k, true, nil)
		}
	} else {
		w = bridge.WatchMessage{Type: bridge.TypeWatch}
	}
	sess.push(pushedWatch, marshal(w))
	ws.greetSpotlight(sess)
}

// tellWatch sends a watch message to a workshop student's session, if
// they have one.
func (ws *workshops) tellWatch(k mirrorKey, msg []byte) {
	ws.mu.Lock()
	var sess *session
	if lw := ws.live[k.code]; lw != nil {
		sess = lw.sessions[k.student]
	}
	ws.mu.Unlock()
	if sess != nil {
		sess.push(pushedWatch, msg)
	}
}

// watch changes who watches k and, if that changed, tells the student.
// It returns the events kept.
func (ws *workshops) watch(k mirrorKey, change func(*mirror)) []lab.Event {
	w, changed, kept := ws.mirrors.update(k, change)
	if changed {
		ws.tellWatch(k, marshal(w))
	}
	return kept
}

// traceJSON is one event of a look-in's stream: the events to add, after
// forgetting those shown if reset.
type traceJSON struct {
	Reset  bool        `json:"reset"`
	Events []lab.Event `json:"events"`
}

// traceOf is a batch of a trace topic's changes as one traceJSON: the
// events after the last reset, and whether there was one.
func traceOf(changes []dashEvent) traceJSON {
	out := traceJSON{Events: []lab.Event{}}
	for _, c := range changes {
		if c.Reset {
			out = traceJSON{Reset: true, Events: []lab.Event{}}
		}
		out.Events = append(out.Events, c.Events...)
	}
	return out
}

// routeLookin serves the look-in page and its stream, and the spotlight.
func (s *Server) routeLookin() {
	s.mux.HandleFunc("GET /workshop/{code}/students/{id}", s.lookinPage)
	s.mux.HandleFunc("GET /api/workshops/{code}/students/{id}/trace", s.lookinTrace)
	s.routeSpotlight()
}

// studentByID is the workshop's student with the id (from the path's
// {id} if id is 0); ok false means the answer (404) is written.
func (s *Server) studentByID(w http.ResponseWriter, r *http.Request, wk *lab.Workshop, id int64) (*lab.Student, bool) {
	var err error
	if id == 0 {
		id, err = strconv.ParseInt(r.PathValue("id"), 10, 64)
	}
	if err == nil {
		sts, err := s.workshops.store.Students(r.Context(), wk.Code)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "could not read the workshop's students")
			return nil, false
		}
		for _, st := range sts {
			if st.ID == id {
				return st, true
			}
		}
	}
	apiError(w, http.StatusNotFound, "this workshop has no student with this id")
	return nil, false
}

// lookinPage is GET /workshop/{code}/students/{id}: the student's
// transcript, diagram and packets, read-only, filled by lookin.js from
// the trace's stream.
func (s *Server) lookinPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	st, ok := s.studentByID(w, r, wk, 0)
	if !ok {
		return
	}
	render(w, r, pages.LookinPage(pages.LookinView{Code: lab.FormatCode(wk.Code), Title: wk.Title, StudentID: st.ID, Name: st.Name, Address: st.Addr.String()}))
}

// lookinTrace is GET /api/workshops/{code}/students/{id}/trace: while it
// runs, the student's client mirrors its trace, and the stream carries
// it (see traceJSON).
func (s *Server) lookinTrace(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	st, ok := s.studentByID(w, r, wk, 0)
	if !ok {
		return
	}
	ws := s.workshops
	k := mirrorKey{wk.Code, st.ID}
	sub := ws.events.subscribe(k.topic())
	defer ws.events.unsubscribe(sub)
	kept := ws.watch(k, func(mr *mirror) { mr.viewers++ })
	defer ws.watch(k, func(mr *mirror) { mr.viewers-- })
	serveSSE(w, r, sub, "trace", traceJSON{Reset: true, Events: kept}, func(changes []dashEvent) (string, any) {
		return "trace", traceOf(changes)
	})
}
