package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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
// it is one (unknown fields, a kind without its part, more than
// bridge.MaxMirrorFootprint bytes once decoded), renumbered in the
// server's order and kept, the last bridge.MaxMirrorKept within
// maxMirrorKeptBytes, then fanned out through the hub to the look-ins
// (and the class, if spotlit). A mirror nobody asked for is refused. When
// the last viewer leaves, the client is told, and what was kept is let
// go; so it is when the student, or the workshop, is deleted, and their
// trace streams end.
//
// A trace stream (a look-in's, or the projector's) sends its events in
// parts of at most maxTracePart bytes, marshalled one at a time; a
// workshop has at most maxTraceStreamsPerWorkshop open, a client address
// maxTraceStreamsPerAddress (429 past them).

// The bounds of the mirrored traces and their streams (README, "Serving
// it to others"). Sizes are bridge.EventFootprint's: bytes of memory.
const (
	// maxMirrorKeptBytes bounds what the server keeps of a watched
	// student's trace: about 900 events of a full segment each.
	maxMirrorKeptBytes = 2 << 20
	// maxTracePart bounds the events of one message of a trace stream.
	maxTracePart = 64 << 10
	// maxTraceStreamsPerWorkshop bounds the look-in and projector
	// streams open for one workshop, and maxTraceStreamsPerAddress those
	// open from one client address (Server.clientAddr).
	maxTraceStreamsPerWorkshop = 12
	maxTraceStreamsPerAddress  = 8
)

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
	streams  traceStreams
}

// mirror is a watched student's trace, as far as the server keeps it.
type mirror struct {
	viewers int  // look-in streams open
	spotlit bool // on the class's pages
	last    uint64
	events  []mirrored // the last bridge.MaxMirrorKept, in the server's numbering
	bytes   int        // their footprints', at most maxMirrorKeptBytes
}

// mirrored is an event kept, with its number in the student's trace and
// its footprint.
type mirrored struct {
	from  uint64
	ev    lab.Event
	bytes int
}

func newMirrors() *mirrors {
	return &mirrors{students: map[mirrorKey]*mirror{}, spots: map[string]*spot{},
		streams: traceStreams{byWorkshop: map[string]int{}, byAddr: map[netip.Addr]int{}}}
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
func (m *mirrors) update(k mirrorKey, change func(*mirror)) (w bridge.WatchMessage, changed bool, kept traceEvents) {
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

// traceEvents are events of a trace, and their footprints' sum.
type traceEvents struct {
	events []lab.Event
	bytes  int
}

// eventsLocked copies the events kept.
func (mr *mirror) eventsLocked() traceEvents {
	out := make([]lab.Event, len(mr.events))
	for i, e := range mr.events {
		out[i] = e.ev
	}
	return traceEvents{out, mr.bytes}
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
	mr.events, mr.bytes = nil, 0
	return m.watchLocked(k), true
}

// forget lets go of what is kept of the traces of a workshop's students
// (student 0: all of them) or of one student, deleted, and of the
// workshop's spotlight if it was on one of them. It returns that
// spotlight, nil if none.
func (m *mirrors) forget(code string, student int64) (spotlit *spot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.students {
		if k.code == code && (student == 0 || k.student == student) {
			delete(m.students, k)
		}
	}
	if sp := m.spots[code]; sp != nil && (student == 0 || sp.student == student) {
		delete(m.spots, code)
		return sp
	}
	return nil
}

// take keeps k's mirrored events, numbered in the server's order (a
// before that names an event no longer kept is dropped), the last
// bridge.MaxMirrorKept within maxMirrorKeptBytes, and returns them as
// kept, and whether k is spotlit. ok false: nobody watches k.
func (m *mirrors) take(k mirrorKey, evs []mirrored) (kept traceEvents, spotlit, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mr := m.students[k]
	if mr == nil {
		return traceEvents{}, false, false
	}
	ours := make(map[uint64]uint64, len(mr.events))
	for _, e := range mr.events {
		ours[e.from] = e.ev.Seq
	}
	for _, e := range evs {
		from := e.ev.Seq
		mr.last++
		e.from, e.ev.Seq = from, mr.last
		e.ev.Before = ours[e.ev.Before]
		ours[from] = e.ev.Seq
		mr.events = append(mr.events, e)
		mr.bytes += e.bytes
		kept.events = append(kept.events, e.ev)
		kept.bytes += e.bytes
	}
	n := 0
	for ; len(mr.events)-n > bridge.MaxMirrorKept || mr.bytes > maxMirrorKeptBytes; n++ {
		mr.bytes -= mr.events[n].bytes
	}
	if n > 0 {
		mr.events = append(mr.events[:0:0], mr.events[n:]...)
	}
	return kept, mr.spotlit, true
}

// decodeMirrored decodes and checks a mirror request's events: each a
// lab.Event, no field it does not have, its kind's part and no other,
// within bridge.MaxMirrorEvent bytes and bridge.MaxMirrorFootprint once
// decoded. They come back with their footprints, in the client's
// numbering.
func decodeMirrored(raw []json.RawMessage) ([]mirrored, error) {
	if len(raw) > bridge.MaxMirrorBatch {
		return nil, fmt.Errorf("%d events: at most %d a request", len(raw), bridge.MaxMirrorBatch)
	}
	evs := make([]mirrored, 0, len(raw))
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
		size := bridge.EventFootprint(&e)
		if size > bridge.MaxMirrorFootprint {
			return nil, fmt.Errorf("event %d takes %d bytes decoded: at most %d (are its lists longer than its kind's?)", i, size, bridge.MaxMirrorFootprint)
		}
		evs = append(evs, mirrored{ev: e, bytes: size})
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
	ws.events.publish(k.topic(), traceChange(false, kept))
	if spotlit {
		ws.spotlightEvents(k, false, kept)
	}
	return marshal(bridge.MirrorMessage{Type: bridge.TypeMirror, ID: req.ID, Taken: len(kept.events)}), nil
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
		ws.events.publish(k.topic(), traceChange(true, traceEvents{}))
		if w.Spotlight {
			ws.spotlightEvents(k, true, traceEvents{})
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
func (ws *workshops) watch(k mirrorKey, change func(*mirror)) traceEvents {
	w, changed, kept := ws.mirrors.update(k, change)
	if changed {
		ws.tellWatch(k, marshal(w))
	}
	return kept
}

// forgetWatched lets go of the traces kept of a deleted workshop's
// students (student 0) or of a deleted student, and ends their trace
// streams; a spotlight on them goes off.
func (ws *workshops) forgetWatched(code string, student int64) {
	sp := ws.mirrors.forget(code, student)
	if student == 0 {
		ws.events.drop(func(topic string) bool { return strings.HasPrefix(topic, code+"/") })
		return
	}
	k := mirrorKey{code, student}
	ws.events.drop(func(topic string) bool { return topic == k.topic() })
	if sp != nil {
		ws.spotlight(code, nil)
	}
}

// traceChange is the hub's change for a trace topic: events, after
// forgetting those before if reset.
func traceChange(reset bool, evs traceEvents) dashEvent {
	if evs.events == nil {
		evs.events = []lab.Event{}
	}
	return dashEvent{Kind: "trace", Reset: reset, Events: evs.events, bytes: evs.bytes}
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

// parts splits t into traceJSONs of at most maxTracePart bytes of events
// each (bridge.EventFootprint; one event, if larger), the first with t's
// reset: a stream marshals and holds one at a time.
func (t traceJSON) parts() []traceJSON {
	out := []traceJSON{{Reset: t.Reset, Events: []lab.Event{}}}
	size := 0
	for i := range t.Events {
		b := bridge.EventFootprint(&t.Events[i])
		last := &out[len(out)-1]
		if len(last.Events) > 0 && size+b > maxTracePart {
			out = append(out, traceJSON{Events: []lab.Event{}})
			last, size = &out[len(out)-1], 0
		}
		last.Events = append(last.Events, t.Events[i])
		size += b
	}
	return out
}

// traceParts is t as the values of a stream's messages (see serveSSE).
func traceParts(t traceJSON) sseParts {
	var out sseParts
	for _, p := range t.parts() {
		out = append(out, p)
	}
	return out
}

// traceStreams counts the trace streams open, by workshop and by client
// address.
type traceStreams struct {
	mu         sync.Mutex
	byWorkshop map[string]int
	byAddr     map[netip.Addr]int
}

// enter counts one more stream of the workshop's from addr, or says why
// not.
func (ts *traceStreams) enter(code string, addr netip.Addr) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	switch {
	case ts.byWorkshop[code] >= maxTraceStreamsPerWorkshop:
		return fmt.Errorf("this workshop has %d look-ins and projectors open, the most it may: close one", maxTraceStreamsPerWorkshop)
	case ts.byAddr[addr] >= maxTraceStreamsPerAddress:
		return fmt.Errorf("your address has %d look-ins and projectors open, the most it may: close one", maxTraceStreamsPerAddress)
	}
	ts.byWorkshop[code]++
	ts.byAddr[addr]++
	return nil
}

// exit counts a stream that entered as closed.
func (ts *traceStreams) exit(code string, addr netip.Addr) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.byWorkshop[code]--; ts.byWorkshop[code] <= 0 {
		delete(ts.byWorkshop, code)
	}
	if ts.byAddr[addr]--; ts.byAddr[addr] <= 0 {
		delete(ts.byAddr, addr)
	}
}

// open is the trace streams open.
func (ts *traceStreams) open() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for _, c := range ts.byWorkshop {
		n += c
	}
	return n
}

// openTrace admits a trace stream of wk's for r's client, or answers 429:
// ok false. The caller calls done when the stream ends.
func (s *Server) openTrace(w http.ResponseWriter, r *http.Request, wk *lab.Workshop) (done func(), ok bool) {
	ts, addr := &s.workshops.mirrors.streams, s.clientAddr(r)
	if err := ts.enter(wk.Code, addr); err != nil {
		w.Header().Set("Retry-After", "10")
		apiError(w, http.StatusTooManyRequests, err.Error())
		return nil, false
	}
	return func() { ts.exit(wk.Code, addr) }, true
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
	done, ok := s.openTrace(w, r, wk)
	if !ok {
		return
	}
	defer done()
	ws := s.workshops
	k := mirrorKey{wk.Code, st.ID}
	sub := ws.events.subscribe(k.topic())
	defer ws.events.unsubscribe(sub)
	kept := ws.watch(k, func(mr *mirror) { mr.viewers++ })
	defer ws.watch(k, func(mr *mirror) { mr.viewers-- })
	serveSSE(w, r, sub, "trace", traceParts(traceJSON{Reset: true, Events: kept.events}), func(changes []dashEvent) (string, any) {
		return "trace", traceParts(traceOf(changes))
	})
}
