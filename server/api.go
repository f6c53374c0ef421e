package server

import (
	"bytes"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// The instructor's API (JSON; the README's "Run a workshop" documents
// it):
//
//	POST   /api/workshops                       create: 201 and the token
//	GET    /api/workshops/{code}                the workshop, its students, their progress
//	PATCH  /api/workshops/{code}                {"title"?, "peers"?, "locked_after"?}: live
//	DELETE /api/workshops/{code}                the workshop, its students and progress: 204
//	DELETE /api/workshops/{code}/students/{id}  one student and their progress: 204 (pacing.go)
//	PUT    /api/workshops/{code}/wire           the wire of every student's port (roomwire.go)
//	GET    /api/workshops/{code}/progress.csv   one row per completed step (or student without one)
//
// Every call on a workshop needs its token, "Authorization: Bearer
// TOKEN", or the dashboard's cookie that carries it (dashboard.go),
// compared in constant time; or the instructor's: the key as the bearer
// token, or the instructor's cookie (teach.go), which open every
// workshop. Without a bearer token the answer is
// 401 and nothing is looked up, so it says nothing of the code. With one,
// a code that names no workshop is 404 and another workshop's token 401,
// and both count as the client address's wrong guesses, as wrong codes on
// the join page do (429 after 10 a minute, for a request without a
// credential that holds, guessRefused): the API tells a guesser no
// more, and no faster, than the join page, which shows a workshop's title
// to anyone with its code. Errors are {"error": "plain words"}.

// maxAPIBody bounds a request's JSON: 64 exercise IDs of 64 bytes and a
// title of 100 characters fit with room to spare.
const maxAPIBody = 16 << 10

// routeAPI serves the instructor's API.
func (s *Server) routeAPI() {
	s.mux.HandleFunc("POST /api/workshops", s.createWorkshop)
	s.mux.HandleFunc("GET /api/workshops/{code}", s.getWorkshop)
	s.mux.HandleFunc("PATCH /api/workshops/{code}", s.patchWorkshop)
	s.mux.HandleFunc("DELETE /api/workshops/{code}", s.deleteWorkshop)
	s.mux.HandleFunc("GET /api/workshops/{code}/progress.csv", s.progressCSV)
}

// workshopJSON is a workshop as the API shows it. Token and DashboardURL
// with the token are in the answer to POST only.
type workshopJSON struct {
	Code         string        `json:"code"` // "ABCD-EFGH"
	Title        string        `json:"title"`
	Exercises    []string      `json:"exercises"`
	Peers        lab.Peers     `json:"peers"`
	MaxStudents  int           `json:"max_students"`
	LockedAfter  int           `json:"locked_after"` // the first N exercises are open, the rest locked; 0: all open
	Wire         *lab.RoomWire `json:"wire"`         // the wire of every student's port (roomwire.go), null for none
	JoinURL      string        `json:"join_url"`
	QRURL        string        `json:"qr_url"` // the join URL as a QR code, an SVG
	DashboardURL string        `json:"dashboard_url"`
	Token        string        `json:"token,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Students     []studentJSON `json:"students"`
}

// studentJSON is a student as the API shows them, with their progress.
type studentJSON struct {
	ID       int64          `json:"id"`
	Name     string         `json:"name"`
	Address  netip.Addr     `json:"address"`
	JoinedAt time.Time      `json:"joined_at"`
	LastSeen time.Time      `json:"last_seen"`
	Online   bool           `json:"online"` // has a bridge session now
	Progress []progressJSON `json:"progress"`
}

// createRequest is POST /api/workshops's body.
type createRequest struct {
	Title       string    `json:"title"`
	Exercises   []string  `json:"exercises"`    // default: the whole worksheet
	Peers       lab.Peers `json:"peers"`        // default: none
	MaxStudents int       `json:"max_students"` // default and most: serve --max-students
	// Wire is the wire of every student's port (roomwire.go); null for
	// none.
	Wire *lab.RoomWire `json:"wire"`
}

// patchRequest is PATCH /api/workshops/{code}'s body: what is not null
// changes.
type patchRequest struct {
	Title       *string    `json:"title"`
	Peers       *lab.Peers `json:"peers"`
	LockedAfter *int       `json:"locked_after"`
}

// apiError writes {"error": msg}.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decodeBody reads r's JSON body into v: at most maxAPIBody bytes, one
// object, no field v does not have. ok false means the answer (400 or
// 413) is written.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("more than one JSON value")
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxAPIBody))
		return false
	case errors.Is(err, io.EOF):
		apiError(w, http.StatusBadRequest, "the body is empty: send a JSON object")
		return false
	case err != nil:
		apiError(w, http.StatusBadRequest, "the body is not the JSON expected: "+err.Error())
		return false
	}
	return true
}

// bearer is r's bearer token, "" for none.
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// sameToken compares a token with a hash in constant time.
func sameToken(token string, hash lab.TokenHash) bool {
	h := lab.HashToken(token)
	return subtle.ConstantTimeCompare(h[:], hash[:]) == 1
}

// authorized is the workshop the path's code names, for a request that
// carries its token. ok false means the answer (401, 404, 429) is
// written. See the API's doc above for why 404 and 401 are as they are.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) (*lab.Workshop, bool) {
	const noToken = "this needs the workshop's token: Authorization: Bearer TOKEN, or the dashboard's cookie"
	if ok, cookie := s.isInstructor(r); ok {
		return s.instructorWorkshop(w, r, cookie)
	}
	token, cookie := instructorToken(r)
	if token == "" {
		apiError(w, http.StatusUnauthorized, noToken)
		return nil, false
	}
	if cookie && r.Method != http.MethodGet && r.Method != http.MethodHead && !s.origins.allowed(r) {
		apiError(w, http.StatusForbidden, "a page of another site may not use the dashboard's cookie")
		return nil, false
	}
	if s.guessRefused(r, r.PathValue("code")) {
		w.Header().Set("Retry-After", "60")
		apiError(w, http.StatusTooManyRequests, "too many wrong codes or tokens from this address: wait a minute")
		return nil, false
	}
	wk, err := s.workshop(r.Context(), r.PathValue("code"))
	switch {
	case errors.Is(err, lab.ErrNotFound), errors.Is(err, lab.ErrInvalid):
		s.guesses.take(r)
		apiError(w, http.StatusNotFound, "no workshop has this code")
		return nil, false
	case err != nil:
		s.log.Error("read a workshop", "err", err)
		apiError(w, http.StatusInternalServerError, "the workshop could not be read")
		return nil, false
	case !sameToken(token, wk.TokenHash):
		s.guesses.take(r)
		apiError(w, http.StatusUnauthorized, noToken)
		return nil, false
	}
	return wk, true
}

// instructorWorkshop is the workshop the path's code names, for the
// instructor (signed in, or with the key): every workshop is theirs. An
// unknown code is 404, but no guess: whoever has the key could list the
// codes at /teach.
func (s *Server) instructorWorkshop(w http.ResponseWriter, r *http.Request, cookie bool) (*lab.Workshop, bool) {
	if cookie && r.Method != http.MethodGet && r.Method != http.MethodHead && !s.origins.allowed(r) {
		apiError(w, http.StatusForbidden, "a page of another site may not use the instructor's cookie")
		return nil, false
	}
	wk, err := s.workshop(r.Context(), r.PathValue("code"))
	switch {
	case errors.Is(err, lab.ErrNotFound), errors.Is(err, lab.ErrInvalid):
		apiError(w, http.StatusNotFound, "no workshop has this code")
		return nil, false
	case err != nil:
		s.log.Error("read a workshop", "err", err)
		apiError(w, http.StatusInternalServerError, "the workshop could not be read")
		return nil, false
	}
	return wk, true
}

// storeError answers a store's error: its words for ErrInvalid and
// ErrFull, plain ones for the rest.
func (s *Server) storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, lab.ErrInvalid):
		apiError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, lab.ErrNotFound):
		apiError(w, http.StatusNotFound, "no workshop has this code")
	case errors.Is(err, lab.ErrFull), errors.Is(err, lab.ErrConflict):
		apiError(w, http.StatusConflict, err.Error())
	default:
		s.log.Error("workshop store", "err", err)
		apiError(w, http.StatusInternalServerError, "the workshops could not be read or written")
	}
}

// createWorkshop is POST /api/workshops. With an instructor key it
// needs the key (as a bearer token, or the instructor's cookie); a wrong
// key is a wrong guess.
func (s *Server) createWorkshop(w http.ResponseWriter, r *http.Request) {
	if s.cfg.InstructorKey != "" {
		ok, cookie := s.isInstructor(r)
		switch {
		case ok && cookie && !s.origins.allowed(r):
			apiError(w, http.StatusForbidden, "a page of another site may not use the instructor's cookie")
			return
		case !ok && !s.guesses.allowed(r):
			w.Header().Set("Retry-After", "60")
			apiError(w, http.StatusTooManyRequests, "too many wrong keys, codes or tokens from this address: wait a minute")
			return
		case !ok:
			if bearer(r) != "" {
				s.guesses.take(r)
			}
			apiError(w, http.StatusUnauthorized, "creating a workshop needs the instructor key: Authorization: Bearer KEY")
			return
		}
	}
	var req createRequest
	if !decodeBody(w, r, &req) {
		return
	}
	wk, token, err := s.newWorkshop(r.Context(), req)
	if he := (*httpError)(nil); errors.As(err, &he) {
		apiError(w, he.status, he.msg)
		return
	} else if err != nil {
		s.storeError(w, err)
		return
	}
	out := s.workshopJSON(r, wk)
	out.Token = token
	out.DashboardURL += "#token=" + token
	out.Students = []studentJSON{}
	w.Header().Set("Location", "/api/workshops/"+out.Code)
	writeJSON(w, http.StatusCreated, out)
}

// workshopJSON is wk as the API shows it, without its students.
func (s *Server) workshopJSON(r *http.Request, wk *lab.Workshop) workshopJSON {
	code := lab.FormatCode(wk.Code)
	return workshopJSON{
		Code: code, Title: wk.Title, Exercises: wk.Exercises, Peers: wk.Peers, MaxStudents: wk.MaxStudents, LockedAfter: wk.LockedAfter, Wire: wk.Wire,
		JoinURL:      joinURL(r, wk),
		QRURL:        baseURL(r) + qrURL(wk),
		DashboardURL: baseURL(r) + "/workshop/" + code,
		CreatedAt:    wk.CreatedAt, UpdatedAt: wk.UpdatedAt,
	}
}

// withStudents is wk as GET shows it: with its students and their
// progress.
func (s *Server) withStudents(w http.ResponseWriter, r *http.Request, wk *lab.Workshop) (workshopJSON, bool) {
	out := s.workshopJSON(r, wk)
	students, err := s.cfg.Store.Students(r.Context(), wk.Code)
	if err != nil {
		s.storeError(w, err)
		return out, false
	}
	progress, err := s.cfg.Store.Progress(r.Context(), wk.Code)
	if err != nil {
		s.storeError(w, err)
		return out, false
	}
	online := s.workshops.online(wk.Code)
	out.Students = make([]studentJSON, 0, len(students))
	index := map[int64]int{}
	for _, st := range students {
		index[st.ID] = len(out.Students)
		out.Students = append(out.Students, studentJSON{
			ID: st.ID, Name: st.Name, Address: st.Addr, JoinedAt: st.JoinedAt, LastSeen: st.LastSeen,
			Online: online[st.ID], Progress: []progressJSON{},
		})
	}
	for _, p := range progress {
		if i, ok := index[p.StudentID]; ok {
			out.Students[i].Progress = append(out.Students[i].Progress, s.judged(p))
		}
	}
	return out, true
}

// getWorkshop is GET /api/workshops/{code}.
func (s *Server) getWorkshop(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	if out, ok := s.withStudents(w, r, wk); ok {
		writeJSON(w, http.StatusOK, out)
	}
}

// patchWorkshop is PATCH /api/workshops/{code}: a new peers policy
// applies at once to the workshop's running network.
func (s *Server) patchWorkshop(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	var req patchRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Title == nil && req.Peers == nil && req.LockedAfter == nil {
		apiError(w, http.StatusBadRequest, `nothing to change: send "title", "peers" or "locked_after"`)
		return
	}
	upd := lab.WorkshopUpdate{Title: req.Title, Peers: req.Peers, LockedAfter: req.LockedAfter}
	if err := upd.Validate(); err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	wk, err := s.cfg.Store.UpdateWorkshop(r.Context(), wk.Code, upd)
	if err != nil {
		s.storeError(w, err)
		return
	}
	if req.Peers != nil {
		s.workshops.setPeers(wk.Code, wk.Peers)
	}
	if req.LockedAfter != nil {
		s.workshops.setPacing(wk.Code, wk.LockedAfter)
	}
	if req.Peers != nil || req.LockedAfter != nil {
		s.workshops.events.publish(wk.Code, s.classEvent(wk))
	}
	s.log.Info("workshop changed", "workshop", lab.FormatCode(wk.Code), "peers", wk.Peers, "locked_after", wk.LockedAfter)
	if out, ok := s.withStudents(w, r, wk); ok {
		writeJSON(w, http.StatusOK, out)
	}
}

// deleteWorkshop is DELETE /api/workshops/{code}: the workshop, its
// students and their progress go from the store, and its students'
// sessions end.
func (s *Server) deleteWorkshop(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Store.DeleteWorkshop(r.Context(), wk.Code); err != nil {
		s.storeError(w, err)
		return
	}
	s.workshops.remove(wk.Code)
	s.log.Info("workshop deleted", "workshop", lab.FormatCode(wk.Code))
	w.WriteHeader(http.StatusNoContent)
}

// progressCSV is GET /api/workshops/{code}/progress.csv: a row per step
// a student completed, in the order they joined and then completed them,
// done or not seen on the wire (progressJSON); a student who completed
// none has a row of their own without a step, so that the CSV takes
// attendance too.
func (s *Server) progressCSV(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.authorized(w, r)
	if !ok {
		return
	}
	students, err := s.cfg.Store.Students(r.Context(), wk.Code)
	if err != nil {
		s.storeError(w, err)
		return
	}
	progress, err := s.cfg.Store.Progress(r.Context(), wk.Code)
	if err != nil {
		s.storeError(w, err)
		return
	}
	steps := make(map[int64][]lab.ProgressRecord, len(students))
	for _, p := range progress {
		if p.Kind == lab.ProgressStep {
			steps[p.StudentID] = append(steps[p.StudentID], p)
		}
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"student", "name", "address", "exercise", "step", "completed_at", "confirmed", "status", "missing"})
	for _, st := range students {
		who := []string{strconv.FormatInt(st.ID, 10), csvSafe(st.Name), st.Addr.String()}
		if len(steps[st.ID]) == 0 {
			// Attendance: a student who joined and completed nothing.
			cw.Write(append(who, "", "", "", "", "no steps", ""))
		}
		for _, p := range steps[st.ID] {
			j := s.judged(p)
			status := "done"
			if !j.Confirmed {
				status = "not seen on the wire"
			}
			cw.Write(append(who, p.Exercise, strconv.Itoa(p.Step), p.At.UTC().Format(time.RFC3339),
				strconv.FormatBool(j.Confirmed), status, j.Missing))
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="workshop-`+lab.FormatCode(wk.Code)+`-progress.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (OWASP's
// CSV injection): a cell starting with =, +, -, @, a tab or a carriage
// return gets a ' in front.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
