package server

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/server/pages"
)

// The instructor's way in and home (README, "Run a workshop"):
//
//	GET  /teach?key=KEY                   signs the browser in and redirects to /teach
//	GET  /teach                           signed in: the workshops and the create form;
//	                                      else a form for the key
//	POST /teach/signin                    key=…[&next=/workshop/…]: signs in, from that
//	                                      form, and goes on to /teach or next
//	POST /teach/signout                   signs out
//	POST /teach/workshops                 the create form: 303 to the new dashboard
//	GET  /workshop/{code}/join-screen     the join screen, for the projector
//
// Signing in sets the instructor's cookie (teacherCookie): HttpOnly,
// SameSite=Strict, holding not the key but an HMAC of it, so that the
// cookie is worth nothing once the key changes and tells nothing of it.
// Every instructor endpoint takes that cookie, or the key as a bearer
// token, as it takes a workshop's token (authorized, api.go). A wrong key
// is a wrong guess (guesses.go), as a wrong code is: an address with 10
// in a minute is refused (429) every other wrong key until its allowance
// refills, but never the right key, nor the cookie. Without an
// instructor key (Config.InstructorKey empty, as in tests) nobody signs
// in here.

// sameOrigin is the instructor's pages' Referrer-Policy: their addresses
// go to no other site, and their forms keep the Origin header the
// server checks (under no-referrer, Chromium sends "Origin: null").
const sameOrigin = "same-origin"

// teacherCookie is the name of the instructor's cookie.
const teacherCookie = "socketlab_teacher"

// maxKey bounds an instructor key from a browser or a header.
const maxKey = 128

// maxTeachForm bounds the create form's body: 64 exercises' fields and a
// title fit many times over.
const maxTeachForm = 16 << 10

// routeTeach serves the instructor's home.
func (s *Server) routeTeach() {
	s.mux.HandleFunc("GET /teach", s.teachPage)
	s.mux.HandleFunc("POST /teach/signin", s.teachSignIn)
	s.mux.HandleFunc("POST /teach/signout", s.teachSignOut)
	s.mux.HandleFunc("POST /teach/workshops", s.teachCreate)
	s.mux.HandleFunc("GET /workshop/{code}/join-screen", s.joinScreenPage)
}

// teacherCookieValue is what the instructor's cookie holds: an HMAC of
// the key.
func (s *Server) teacherCookieValue() string {
	m := hmac.New(sha256.New, []byte(s.cfg.InstructorKey))
	m.Write([]byte("socketlab instructor cookie"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isKey reports whether key is the instructor key, in constant time.
func (s *Server) isKey(key string) bool {
	if s.cfg.InstructorKey == "" || key == "" || len(key) > maxKey {
		return false
	}
	got, want := sha256.Sum256([]byte(key)), sha256.Sum256([]byte(s.cfg.InstructorKey))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// isInstructor reports whether r carries the instructor's cookie, or the
// key as its bearer token (cookie says which).
func (s *Server) isInstructor(r *http.Request) (ok, cookie bool) {
	if s.cfg.InstructorKey == "" {
		return false, false
	}
	if s.isKey(bearer(r)) {
		return true, false
	}
	c, err := r.Cookie(teacherCookie)
	if err != nil || len(c.Value) > maxKey {
		return false, false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.teacherCookieValue())) == 1, true
}

// signIn checks a key a browser sent and, if it is the instructor's,
// sets the cookie. Otherwise it counts a wrong guess and says why (for
// an address with too many, 429).
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, key string) (status int, msg string) {
	if s.cfg.InstructorKey == "" {
		return http.StatusNotFound, "This server was started without an instructor key."
	}
	key = strings.TrimSpace(key)
	if !s.guesses.allowed(r) && !s.isKey(key) {
		w.Header().Set("Retry-After", "60")
		return http.StatusTooManyRequests, "Too many wrong keys or codes from this address: wait a minute and try again."
	}
	if !s.isKey(key) {
		s.guesses.take(r)
		return http.StatusUnauthorized, "That is not this server’s instructor key."
	}
	http.SetCookie(w, &http.Cookie{
		Name: teacherCookie, Value: s.teacherCookieValue(), Path: "/",
		MaxAge:   int(instructorCookieAge / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return 0, ""
}

// teachPage is GET /teach, and GET /teach?key=KEY, the printed link.
func (s *Server) teachPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", sameOrigin)
	if r.URL.Query().Has("key") {
		if status, msg := s.signIn(w, r, r.URL.Query().Get("key")); status != 0 {
			w.WriteHeader(status)
			render(w, r, pages.TeachPage(pages.TeachView{Error: msg}))
			return
		}
		http.Redirect(w, r, "/teach", http.StatusSeeOther) // the key leaves the address bar
		return
	}
	if ok, _ := s.isInstructor(r); !ok {
		render(w, r, pages.TeachPage(pages.TeachView{}))
		return
	}
	s.renderTeach(w, r, http.StatusOK, "", s.defaultForm())
}

// defaultForm is the create form as it first shows: every exercise, in
// the worksheet's order, no peers, the server's most students.
func (s *Server) defaultForm() teachForm {
	f := teachForm{TeachForm: pages.TeachForm{Peers: string(lab.PeersNone), MaxStudents: s.cfg.MaxStudents}, order: map[string]int{}}
	for i, ex := range s.cfg.Exercises {
		f.chosen = append(f.chosen, ex.ID)
		f.order[ex.ID] = i + 1
	}
	return f
}

// teachForm is the create form as sent: its fields, which exercises are
// ticked and the numbers beside them.
type teachForm struct {
	pages.TeachForm
	chosen []string
	order  map[string]int
}

// renderTeach writes the signed-in /teach with form's values.
func (s *Server) renderTeach(w http.ResponseWriter, r *http.Request, status int, errMsg string, form teachForm) {
	view := pages.TeachView{SignedIn: true, Error: errMsg, MaxStudents: s.cfg.MaxStudents, Form: form.TeachForm}
	all, err := s.cfg.Store.ListWorkshops(r.Context())
	if err != nil {
		s.log.Error("list workshops", "err", err)
		status, view.Error = http.StatusInternalServerError, "The workshops could not be read; reload the page."
	}
	for _, sum := range all {
		view.Workshops = append(view.Workshops, pages.TeachWorkshop{
			Code: lab.FormatCode(sum.Workshop.Code), Title: sum.Workshop.Title,
			Students: sum.Students, Online: len(s.workshops.online(sum.Workshop.Code)),
			Created: pageTime(sum.Workshop.CreatedAt), LastActivity: pageTime(sum.LastActivity),
		})
	}
	for i, ex := range s.cfg.Exercises {
		pos, ok := form.order[ex.ID]
		if !ok {
			pos = i + 1
		}
		view.Exercises = append(view.Exercises, pages.TeachExercise{ID: ex.ID, Title: ex.Title, Chosen: slices.Contains(form.chosen, ex.ID), Position: pos})
	}
	w.WriteHeader(status)
	render(w, r, pages.TeachPage(view))
}

// pageTime is a time as the instructor's pages show it.
func pageTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// teachSignIn is POST /teach/signin.
func (s *Server) teachSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.origins.allowed(r) {
		http.Error(w, "socketlab: a page of another site may not sign you in", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJoinForm)
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		render(w, r, pages.TeachPage(pages.TeachView{Error: "That form was too large."}))
		return
	}
	next := nextPage(r.PostForm.Get("next"))
	if status, msg := s.signIn(w, r, r.PostForm.Get("key")); status != 0 {
		w.WriteHeader(status)
		render(w, r, pages.TeachPage(pages.TeachView{Error: msg, Next: r.PostForm.Get("next")}))
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// teachSignOut is POST /teach/signout.
func (s *Server) teachSignOut(w http.ResponseWriter, r *http.Request) {
	if !s.origins.allowed(r) {
		http.Error(w, "socketlab: a page of another site may not sign you out", http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: teacherCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/teach", http.StatusSeeOther)
}

// teachCreate is POST /teach/workshops: the create form. A workshop
// created lands on its dashboard, which the instructor's cookie opens;
// a form with a mistake comes back with it said.
func (s *Server) teachCreate(w http.ResponseWriter, r *http.Request) {
	if !s.origins.allowed(r) {
		http.Error(w, "socketlab: a page of another site may not create a workshop", http.StatusForbidden)
		return
	}
	if ok, _ := s.isInstructor(r); !ok {
		w.WriteHeader(http.StatusUnauthorized)
		render(w, r, pages.TeachPage(pages.TeachView{Error: "Sign in first: your browser is not signed in as the instructor."}))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTeachForm)
	if err := r.ParseForm(); err != nil {
		s.renderTeach(w, r, http.StatusRequestEntityTooLarge, "That form was too large.", s.defaultForm())
		return
	}
	form, req, problem := s.readTeachForm(r)
	if problem != "" {
		s.renderTeach(w, r, http.StatusBadRequest, problem, form)
		return
	}
	wk, _, err := s.newWorkshop(r.Context(), req)
	if err != nil {
		s.renderTeach(w, r, httpStatus(err), sentence(err), form)
		return
	}
	http.Redirect(w, r, "/workshop/"+lab.FormatCode(wk.Code), http.StatusSeeOther)
}

// readTeachForm reads the create form: the exercises ticked, by the
// numbers beside them (ties in the worksheet's order).
func (s *Server) readTeachForm(r *http.Request) (teachForm, createRequest, string) {
	f := teachForm{order: map[string]int{}}
	pf := r.PostForm
	f.Title = strings.TrimSpace(pf.Get("title"))
	f.Peers = pf.Get("peers")
	index := map[string]int{}
	for i, ex := range s.cfg.Exercises {
		index[ex.ID] = i
		if n, err := strconv.Atoi(pf.Get("order-" + ex.ID)); err == nil {
			f.order[ex.ID] = n
		}
	}
	for _, id := range pf["exercise"] {
		if _, ok := index[id]; ok && !slices.Contains(f.chosen, id) {
			f.chosen = append(f.chosen, id)
		}
	}
	var err error
	if f.MaxStudents, err = strconv.Atoi(cmp.Or(pf.Get("max_students"), "0")); err != nil {
		return f, createRequest{}, "Most students is not a whole number."
	}
	if f.LossPercent, err = strconv.ParseFloat(cmp.Or(pf.Get("loss"), "0"), 64); err != nil || f.LossPercent < 0 || f.LossPercent > 100 {
		return f, createRequest{}, "Loss is a percentage, 0 to 100."
	}
	if f.DelayMillis, err = strconv.Atoi(cmp.Or(pf.Get("delay"), "0")); err != nil || f.DelayMillis < 0 {
		return f, createRequest{}, "Delay is a whole number of milliseconds."
	}
	if len(f.chosen) == 0 {
		return f, createRequest{}, "Tick at least one exercise."
	}
	exs := slices.Clone(f.chosen)
	slices.SortStableFunc(exs, func(a, b string) int {
		return cmp.Or(cmp.Compare(f.order[a], f.order[b]), cmp.Compare(index[a], index[b]))
	})
	req := createRequest{Title: f.Title, Exercises: exs, Peers: lab.Peers(f.Peers), MaxStudents: f.MaxStudents}
	if f.LossPercent > 0 || f.DelayMillis > 0 {
		ws := lab.WireSettings{Loss: f.LossPercent / 100, Delay: time.Duration(f.DelayMillis) * time.Millisecond}
		req.Wire = &lab.RoomWire{WireDirs: ws.Both()}
	}
	return f, req, ""
}

// httpStatus is the status newWorkshop's error answers with.
func httpStatus(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return http.StatusInternalServerError
}

// sentence is err's words as a sentence for a page.
func sentence(err error) string {
	msg := err.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// joinScreenPage is GET /workshop/{code}/join-screen. Without the
// instructor's sign-in it is the sign-in form, which comes back here:
// one step on a classroom PC, the same for a code that names no
// workshop.
func (s *Server) joinScreenPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", sameOrigin)
	wk, ok := s.pageWorkshop(r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		render(w, r, pages.TeachPage(pages.TeachView{Next: r.URL.Path}))
		return
	}
	render(w, r, pages.JoinScreenPage(s.joinScreenView(r, wk)))
}

// pageWorkshop is the workshop the path's code names, if r is the
// instructor's (signed in, or with the workshop's cookie). A page that
// uses it answers the same for a code that names no workshop as for one
// without the sign-in, so only a wrong token counts as a guess.
func (s *Server) pageWorkshop(r *http.Request) (*lab.Workshop, bool) {
	wk, err := s.workshop(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, false
	}
	if ok, _ := s.isInstructor(r); ok {
		return wk, true
	}
	token, _ := instructorToken(r)
	if token == "" {
		return nil, false
	}
	if !sameToken(token, wk.TokenHash) {
		s.guesses.take(r) // a wrong token is a guess, as in authorized
		return nil, false
	}
	return wk, true
}

// nextPage is where a sign-in goes on to: a path of this server's
// workshops from the form, else /teach.
func nextPage(next string) string {
	if strings.HasPrefix(next, "/workshop/") && !strings.ContainsAny(next, "\\?#") {
		return next
	}
	return "/teach"
}

// joinScreenView is what wk's join screen shows.
func (s *Server) joinScreenView(r *http.Request, wk *lab.Workshop) pages.JoinScreenView {
	return pages.JoinScreenView{Code: lab.FormatCode(wk.Code), Title: wk.Title, JoinURL: joinURL(r, wk), QRURL: qrURL(wk)}
}

// TeachURL is the instructor's link for a server at base
// ("http://192.0.2.7:8080"): opening it signs the browser in.
func TeachURL(base, key string) string {
	return strings.TrimSuffix(base, "/") + "/teach?key=" + url.QueryEscape(key)
}

// newWorkshop creates a workshop as req asks, with a new token. Its
// errors are httpErrors, in words for the instructor, but for the
// store's failures.
func (s *Server) newWorkshop(ctx context.Context, req createRequest) (*lab.Workshop, string, error) {
	wk := &lab.Workshop{Title: req.Title, Exercises: req.Exercises, Peers: req.Peers, MaxStudents: req.MaxStudents, Wire: req.Wire}
	if wk.Exercises == nil {
		for _, ex := range s.cfg.Exercises {
			wk.Exercises = append(wk.Exercises, ex.ID)
		}
	}
	for _, id := range wk.Exercises {
		if _, ok := s.worksheets[id]; !ok {
			return nil, "", badRequest("no exercise is called %q", id)
		}
	}
	if wk.Peers == "" {
		wk.Peers = lab.PeersNone
	}
	if wk.MaxStudents == 0 {
		wk.MaxStudents = s.cfg.MaxStudents
	}
	if wk.MaxStudents > s.cfg.MaxStudents {
		return nil, "", badRequest("max students is %d, more than this server's %d", wk.MaxStudents, s.cfg.MaxStudents)
	}
	if wk.Wire != nil && wk.Wire.Clear() {
		wk.Wire = nil
	}
	token := rand.Text()
	wk.TokenHash = lab.HashToken(token)
	if err := wk.Validate(); err != nil {
		return nil, "", badRequest("%s", err)
	}
	s.creating.Lock()
	defer s.creating.Unlock()
	if err := s.roomFor(ctx, wk); err != nil {
		return nil, "", err
	}
	if err := s.cfg.Store.CreateWorkshop(ctx, wk); err != nil {
		if errors.Is(err, lab.ErrInvalid) {
			return nil, "", badRequest("%s", err)
		}
		return nil, "", err
	}
	s.log.Info("workshop created", "workshop", lab.FormatCode(wk.Code), "exercises", len(wk.Exercises), "peers", wk.Peers)
	return wk, token, nil
}

// roomFor checks that the server has room for one more workshop, wk:
// fewer than MaxWorkshops, and wk's seats with the others' within
// MaxWorkshopSeats. Only the instructor key makes workshops, so the
// bound on its workshops' seats is the bound on all of them; without a
// key it bounds any one address's too (issue 26, 3: one address's 40
// workshops of 300 took every session). s.creating is held.
func (s *Server) roomFor(ctx context.Context, wk *lab.Workshop) error {
	n, err := s.cfg.Store.CountWorkshops(ctx)
	if err != nil {
		return err
	}
	if n >= s.cfg.MaxWorkshops {
		return &httpError{http.StatusConflict, fmt.Sprintf("this server holds %d workshops, its most: delete one first", n)}
	}
	all, err := s.cfg.Store.ListWorkshops(ctx)
	if err != nil {
		return err
	}
	seats := 0
	for _, o := range all {
		seats += o.Workshop.MaxStudents
	}
	if left := s.cfg.MaxWorkshopSeats - seats; wk.MaxStudents > left {
		return &httpError{http.StatusConflict, fmt.Sprintf("this server's workshops have %d seats of the %d they may take together (the rest are for everyone else): "+
			"ask for at most %d students, or delete a workshop first", seats, s.cfg.MaxWorkshopSeats, max(left, 0))}
	}
	return nil
}

// httpError is an error with the HTTP status it answers with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}
