package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/pages"
)

// The instructor's dashboard (README, "Run a workshop"):
//
//	GET  /workshop/{code}                     the page: with the workshop's cookie or the
//	                                          instructor's (teach.go), the join code, URL
//	                                          and QR, the class's grid and help queue;
//	                                          without, it asks for the dashboard link
//	POST /workshop/{code}/session             {"token": …}: sets the instructor's cookie
//	GET  /api/workshops/{code}/events         server-sent events: a snapshot, then changes
//	GET  /api/workshops/{code}/progress.json  the workshop, its students and their
//	                                          progress, as a download
//	POST /api/workshops/{code}/hands/{id}     {"state": "coming" | "done"}
//
// The dashboard link the API gives, /workshop/{code}#token=…, keeps the
// token out of the server's logs and the Referer: the page's script posts
// it once to /workshop/{code}/session, which sets it as an HttpOnly,
// SameSite=Strict cookie named for the workshop (instructorCookie), and
// takes it out of the address bar. Every call of the instructor's API,
// these included, takes that cookie as it takes the bearer token; a
// student's cookie is not it.

// instructorCookieAge is how long a browser keeps the instructor's cookie.
const instructorCookieAge = 30 * 24 * time.Hour

// maxToken bounds a token from a browser: crypto/rand.Text's are 26
// characters.
const maxToken = 64

// The dashboard's stream: changes go out at most once a batchInterval,
// and a comment every keepAlive shows a dead connection.
const (
	batchInterval  = 250 * time.Millisecond
	keepAlive      = 25 * time.Second
	sseWriteBudget = 10 * time.Second // a write to a dashboard that takes longer ends its stream
)

// instructorCookie is the name of a workshop's instructor cookie.
func instructorCookie(code string) string { return "socketlab_instructor_" + code }

// routeDashboard serves the instructor's dashboard.
func (s *Server) routeDashboard() {
	s.mux.HandleFunc("GET /workshop/{code}", s.dashboardPage)
	s.mux.HandleFunc("POST /workshop/{code}/session", s.dashboardSession)
	s.mux.HandleFunc("GET /api/workshops/{code}/events", s.dashboardEvents)
	s.mux.HandleFunc("GET /api/workshops/{code}/progress.json", s.progressJSON)
	s.mux.HandleFunc("POST /api/workshops/{code}/hands/{id}", s.markHand)
}

// instructorToken is the instructor's token r carries: its bearer token
// or, without one, the workshop's instructor cookie (cookie true).
func instructorToken(r *http.Request) (token string, cookie bool) {
	if t := bearer(r); t != "" {
		return t, false
	}
	code, err := lab.ParseCode(r.PathValue("code"))
	if err != nil {
		return "", false
	}
	c, err := r.Cookie(instructorCookie(code))
	if err != nil || c.Value == "" || len(c.Value) > maxToken {
		return "", false
	}
	return c.Value, true
}

// dashboardPage is GET /workshop/{code}. Without the instructor's cookie
// the page says how to open it (its script posts the link's token), the
// same for a code that names no workshop, which it shows as it shows any
// code, in its canonical form if it has one: it tells a guesser nothing.
// A cookie that opens nothing counts as a wrong guess.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	token, _ := instructorToken(r)
	var wk *lab.Workshop
	var err error
	if signedIn, _ := s.isInstructor(r); signedIn {
		if wk, err = s.workshop(r.Context(), r.PathValue("code")); err != nil {
			wk = nil
		}
	} else if token != "" && !s.guessRefused(r, r.PathValue("code")) {
		wk, err = s.workshop(r.Context(), r.PathValue("code"))
		if err != nil || !sameToken(token, wk.TokenHash) {
			s.guesses.take(r)
			wk = nil
		}
	}
	if wk == nil {
		view := pages.DashboardView{Code: r.PathValue("code")}
		if c, err := lab.ParseCode(view.Code); err == nil {
			view.Code = lab.FormatCode(c)
		}
		render(w, r, pages.DashboardPage(view))
		return
	}
	view := pages.DashboardView{Code: lab.FormatCode(wk.Code), Title: wk.Title, Authorized: true, JoinURL: joinURL(r, wk), QRURL: qrURL(wk)}
	for _, id := range wk.Exercises {
		ex := s.exercises[id]
		if ex == nil {
			continue
		}
		de := pages.DashboardExercise{ID: id, Title: ex.Title}
		for _, st := range ex.Steps {
			de.Steps = append(de.Steps, st.Title)
		}
		view.Exercises = append(view.Exercises, de)
	}
	render(w, r, pages.DashboardPage(view))
}

// dashboardSession is POST /workshop/{code}/session: the page's script
// trades the dashboard link's token for the instructor's cookie.
func (s *Server) dashboardSession(w http.ResponseWriter, r *http.Request) {
	if !s.origins.allowed(r) {
		apiError(w, http.StatusForbidden, "a page of another site may not sign in to the dashboard")
		return
	}
	var req struct {
		Token string `json:"token"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Token == "" || len(req.Token) > maxToken {
		apiError(w, http.StatusUnauthorized, "this needs the workshop's token, from its dashboard link")
		return
	}
	r.Header.Set("Authorization", "Bearer "+req.Token)
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     instructorCookie(wk.Code),
		Value:    req.Token,
		Path:     "/",
		MaxAge:   int(instructorCookieAge / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	w.WriteHeader(http.StatusNoContent)
}

// snapshotJSON is the first event of a dashboard's stream: everything it
// shows. Changes follow.
type snapshotJSON struct {
	Workshop workshopJSON  `json:"workshop"`
	Hands    []handJSON    `json:"hands"`
	Message  string        `json:"message"` // the instructor's message to the class, "" for none (pacing.go)
	Wire     *lab.RoomWire `json:"wire"`    // the room's wire the instructor set, null for none (roomwire.go)
	// Spotlight is whom the spotlight is on, null for off (spotlight.go).
	Spotlight *spotlightJSON `json:"spotlight"`
}

// dashboardEvents is GET /api/workshops/{code}/events: a stream of
// server-sent events, "snapshot" (snapshotJSON) and then "changes" (a
// JSON array of dashEvent), batched to one every batchInterval. It ends
// with the request, when the subscriber falls maxPending changes behind
// (the browser's EventSource reconnects, to a new snapshot), or when the
// server shuts down.
func (s *Server) dashboardEvents(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	sub := s.workshops.events.subscribe(wk.Code)
	defer s.workshops.events.unsubscribe(sub)
	snap, ok := s.withStudents(w, r, wk)
	if !ok {
		return
	}
	serveSSE(w, r, sub, "snapshot", snapshotJSON{Workshop: snap, Hands: s.workshops.hands.list(wk.Code), Message: s.workshops.message(wk.Code), Spotlight: spotlightState(s.workshops.spotOf(wk.Code))},
		func(evs []dashEvent) (string, any) { return "changes", evs })
}

// progressJSON is GET /api/workshops/{code}/progress.json: what GET
// /api/workshops/{code} answers, as a file to keep.
func (s *Server) progressJSON(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	out, ok := s.withStudents(w, r, wk)
	if !ok {
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="workshop-`+lab.FormatCode(wk.Code)+`-progress.json"`)
	writeJSON(w, http.StatusOK, out)
}

// markHand is POST /api/workshops/{code}/hands/{id}: the instructor is
// on their way ("coming": the student's page says so) or has dealt with
// it ("done": it comes down). It answers with the queue.
func (s *Server) markHand(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	var req struct {
		State string `json:"state"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.State != bridge.HandComing && req.State != handDone {
		apiError(w, http.StatusBadRequest, `state is "coming" or "done"`)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		apiError(w, http.StatusNotFound, "no hand is up with this id")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	student, err := s.workshops.markHand(ctx, wk.Code, id, req.State == handDone)
	if errors.Is(err, lab.ErrNotFound) {
		apiError(w, http.StatusNotFound, "no hand is up with this id")
		return
	} else if err != nil {
		s.storeError(w, err)
		return
	}
	s.workshops.tellStudent(wk.Code, student)
	writeJSON(w, http.StatusOK, s.workshops.hands.list(wk.Code))
}
