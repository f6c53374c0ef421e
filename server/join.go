package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/server/pages"
)

// How students join a workshop, and come back to it:
//
//	GET  /join?code=CODE       the home page's code box: to /join/CODE
//	GET  /join/{code}          the workshop's title and a name to type;
//	                           with the student's cookie, on to /w/{code};
//	                           ?resume=TOKEN sets the cookie from a resume link
//	GET  /join/{code}/qr.svg   the join URL as a QR code (qr.go)
//	POST /join/{code}          name=…: a new student, their cookie, 303 to /w/{code}
//	GET  /w/{code}             the student's page: who, where, the exercises
//	GET  /lab/{ex}?workshop=C  the lab page in the workshop (needs the cookie)
//
// The student's identity is a random token (crypto/rand.Text, 130 bits)
// in an HttpOnly, SameSite=Lax cookie named for the workshop
// (studentCookie), of which the store keeps only the hash. A code that is
// malformed or names no workshop, and a resume token that names no
// student, count against the client address's wrong guesses (guesses.go).

// maxJoinForm bounds POST /join/{code}'s body: a name of 40 characters,
// percent-encoded, fits many times over.
const maxJoinForm = 4 << 10

// studentCookieAge is how long a browser keeps a student's cookie.
const studentCookieAge = 90 * 24 * time.Hour

// studentCookie is the name of a workshop's student cookie.
func studentCookie(code string) string { return "socketlab_" + code }

// routeWorkshops serves the workshops' pages and API.
func (s *Server) routeWorkshops() {
	s.mux.HandleFunc("GET /join", s.joinCodeBox)
	s.mux.HandleFunc("GET /join/{code}", s.joinPage)
	s.mux.HandleFunc("POST /join/{code}", s.join)
	s.mux.HandleFunc("GET /join/{code}/qr.svg", s.joinQR)
	s.mux.HandleFunc("GET /w/{code}", s.studentPage)
	s.routeAPI()
	s.routeTeach()
	s.routeDashboard()
	s.routeLookin()
	s.routePacing()
}

// joinCodeBox is GET /join?code=…, the home page's code box.
func (s *Server) joinCodeBox(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if c, err := lab.ParseCode(code); err == nil {
		code = lab.FormatCode(c)
	}
	http.Redirect(w, r, "/join/"+url.PathEscape(code), http.StatusSeeOther)
}

// findWorkshop is the workshop a path's code names. A code that names
// none is a wrong guess, and answered with 404 (the join page, with the
// code box again); an address with too many wrong guesses gets 429,
// unless r carries a credential for the workshop (guessRefused). ok false
// means the answer is written.
func (s *Server) findWorkshop(w http.ResponseWriter, r *http.Request) (*lab.Workshop, bool) {
	if s.guessRefused(r, r.PathValue("code")) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
		render(w, r, pages.JoinPage(pages.JoinView{Error: "Too many wrong codes from this address: wait a minute and try again."}))
		return nil, false
	}
	wk, err := s.workshop(r.Context(), r.PathValue("code"))
	if err != nil {
		s.guesses.take(r)
		msg := "No workshop has the code " + r.PathValue("code") + "."
		status := http.StatusNotFound
		if !errors.Is(err, lab.ErrNotFound) && !errors.Is(err, lab.ErrInvalid) {
			msg, status = "The workshops could not be read; try again.", http.StatusInternalServerError
			s.log.Error("read a workshop", "err", err)
		}
		w.WriteHeader(status)
		render(w, r, pages.JoinPage(pages.JoinView{Error: msg}))
		return nil, false
	}
	return wk, true
}

// workshop reads the workshop a code names, in any of the forms ParseCode
// takes, and what the instructor set for its class if this process has
// not yet (workshops.restore).
func (s *Server) workshop(ctx context.Context, code string) (*lab.Workshop, error) {
	c, err := lab.ParseCode(code)
	if err != nil {
		return nil, err
	}
	wk, err := s.cfg.Store.Workshop(ctx, c)
	if err != nil {
		return nil, err
	}
	s.workshops.restore(ctx, wk)
	return wk, nil
}

// student is the workshop's student whose token r carries in its cookie,
// or nil.
func (s *Server) student(r *http.Request, wk *lab.Workshop) (*lab.Student, error) {
	c, err := r.Cookie(studentCookie(wk.Code))
	if err != nil || c.Value == "" || len(c.Value) > 64 {
		return nil, lab.ErrNotFound
	}
	return s.cfg.Store.StudentByToken(r.Context(), wk.Code, lab.HashToken(c.Value))
}

// setStudentCookie gives the browser a student's identity in wk.
func setStudentCookie(w http.ResponseWriter, r *http.Request, wk *lab.Workshop, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     studentCookie(wk.Code),
		Value:    token,
		Path:     "/",
		MaxAge:   int(studentCookieAge / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// joinPage is GET /join/{code}.
func (s *Server) joinPage(w http.ResponseWriter, r *http.Request) {
	wk, ok := s.findWorkshop(w, r)
	if !ok {
		return
	}
	home := "/w/" + lab.FormatCode(wk.Code)
	if token := r.URL.Query().Get("resume"); token != "" {
		if len(token) <= 64 {
			if _, err := s.cfg.Store.StudentByToken(r.Context(), wk.Code, lab.HashToken(token)); err == nil {
				setStudentCookie(w, r, wk, token)
				http.Redirect(w, r, home, http.StatusSeeOther)
				return
			}
		}
		s.guesses.take(r)
		w.WriteHeader(http.StatusNotFound)
		render(w, r, pages.JoinPage(pages.JoinView{Code: lab.FormatCode(wk.Code), Title: wk.Title,
			Error: "That resume link is not one of this workshop's: join with a name instead."}))
		return
	}
	if _, err := s.student(r, wk); err == nil {
		http.Redirect(w, r, home, http.StatusSeeOther)
		return
	}
	render(w, r, pages.JoinPage(pages.JoinView{Code: lab.FormatCode(wk.Code), Title: wk.Title}))
}

// join is POST /join/{code}: a new student of the workshop, or, for a
// browser that has joined already, the same one.
func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	if !s.origins.allowed(r) {
		http.Error(w, "socketlab: a page of another site may not join you to a workshop", http.StatusForbidden)
		return
	}
	wk, ok := s.findWorkshop(w, r)
	if !ok {
		return
	}
	home := "/w/" + lab.FormatCode(wk.Code)
	if _, err := s.student(r, wk); err == nil {
		http.Redirect(w, r, home, http.StatusSeeOther)
		return
	}
	view := pages.JoinView{Code: lab.FormatCode(wk.Code), Title: wk.Title}
	r.Body = http.MaxBytesReader(w, r.Body, maxJoinForm)
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		view.Error = "That form was too large."
		render(w, r, pages.JoinPage(view))
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		students, err := s.cfg.Store.Students(r.Context(), wk.Code)
		if err != nil {
			s.serverError(w, r, view, fmt.Errorf("count students: %w", err))
			return
		}
		name = fmt.Sprintf("Student %d", len(students)+1)
	}
	view.Name = name
	if err := lab.ValidateName(name); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		view.Error = "Your " + err.Error() + "."
		render(w, r, pages.JoinPage(view))
		return
	}
	token := rand.Text()
	st := &lab.Student{Workshop: wk.Code, Name: name, TokenHash: lab.HashToken(token)}
	if err := s.cfg.Store.AddStudent(r.Context(), st); err != nil {
		if errors.Is(err, lab.ErrFull) {
			w.WriteHeader(http.StatusConflict)
			view.Error = fmt.Sprintf("This workshop is full (%d students): ask the instructor.", wk.MaxStudents)
			render(w, r, pages.JoinPage(view))
			return
		}
		s.serverError(w, r, view, fmt.Errorf("add student: %w", err))
		return
	}
	s.log.Info("student joined", "workshop", lab.FormatCode(wk.Code), "student", st.ID, "addr", st.Addr)
	s.touch(r.Context(), st)
	s.workshops.events.publish(wk.Code, studentEvent(st, false))
	setStudentCookie(w, r, wk, token)
	http.Redirect(w, r, home, http.StatusSeeOther)
}

// serverError answers a join that failed on the server's side.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, view pages.JoinView, err error) {
	s.log.Error("join a workshop", "workshop", view.Code, "err", err)
	w.WriteHeader(http.StatusInternalServerError)
	view.Error = "The workshop could not be joined just now; try again."
	render(w, r, pages.JoinPage(view))
}

// touch marks a student seen now.
func (s *Server) touch(ctx context.Context, st *lab.Student) {
	if err := s.cfg.Store.TouchStudent(ctx, st.ID, time.Now()); err != nil {
		s.log.Warn("mark a student seen", "student", st.ID, "err", err)
	}
}

// workshopStudent is the workshop r's query names (?workshop=CODE) and
// the student r's cookie makes it. Without a student of it, the answer
// is written: the join page, by a redirect. ok false means that.
func (s *Server) workshopStudent(w http.ResponseWriter, r *http.Request, code string) (*lab.Workshop, *lab.Student, bool) {
	r.SetPathValue("code", code)
	wk, ok := s.findWorkshop(w, r)
	if !ok {
		return nil, nil, false
	}
	st, err := s.student(r, wk)
	if err != nil {
		http.Redirect(w, r, "/join/"+lab.FormatCode(wk.Code), http.StatusSeeOther)
		return nil, nil, false
	}
	return wk, st, true
}

// studentPage is GET /w/{code}.
func (s *Server) studentPage(w http.ResponseWriter, r *http.Request) {
	wk, st, ok := s.workshopStudent(w, r, r.PathValue("code"))
	if !ok {
		return
	}
	c, _ := r.Cookie(studentCookie(wk.Code))
	code := lab.FormatCode(wk.Code)
	render(w, r, pages.WorkshopPage(pages.WorkshopView{
		Code: code, Title: wk.Title, Name: st.Name, Address: st.Addr.String(), Exercises: s.workshopExercises(wk),
		ResumeURL: joinURL(r, wk) + "?resume=" + url.QueryEscape(c.Value),
		JoinURL:   joinURL(r, wk), QRURL: qrURL(wk),
		Message: s.workshops.message(wk.Code),
	}))
}

// workshopExercises lists a workshop's exercises, in its order, each
// marked locked as its pacing says.
func (s *Server) workshopExercises(wk *lab.Workshop) []pages.ExerciseLink {
	links := s.exerciseLinks()
	var exs []pages.ExerciseLink
	for _, id := range wk.Exercises {
		for _, l := range links {
			if l.ID == id {
				l.Locked = wk.Locked(id)
				exs = append(exs, l)
			}
		}
	}
	return exs
}

// baseURL is the scheme and host r was sent to: the server as its client
// reached it. Behind a proxy that ends TLS, it says http.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// bridgeStudent is the workshop and student of a /bridge?workshop=CODE
// upgrade, or the HTTP status and plain reason to refuse it with: 404 for
// a code that names no workshop, 429 after too many of those (but not
// with a student's cookie that holds), 401 without
// the workshop's cookie, 403 with one that is no student's of it. The
// page sends the student to /join/CODE for any of them.
func (s *Server) bridgeStudent(r *http.Request) (*lab.Workshop, *lab.Student, int, string) {
	code := r.URL.Query().Get("workshop")
	if s.workshops == nil {
		return nil, nil, http.StatusNotFound, "socketlab: this server runs no workshops"
	}
	if s.guessRefused(r, code) {
		return nil, nil, http.StatusTooManyRequests, "socketlab: too many wrong workshop codes from this address; wait a minute"
	}
	wk, err := s.workshop(r.Context(), code)
	if err != nil {
		s.guesses.take(r)
		return nil, nil, http.StatusNotFound, "socketlab: no workshop has this code"
	}
	c, err := r.Cookie(studentCookie(wk.Code))
	if err != nil {
		return nil, nil, http.StatusUnauthorized, "socketlab: join the workshop first, at /join/" + lab.FormatCode(wk.Code)
	}
	st, err := s.student(r, wk)
	if err != nil || c.Value == "" {
		return nil, nil, http.StatusForbidden, "socketlab: this browser is no student of the workshop: join it again, at /join/" + lab.FormatCode(wk.Code)
	}
	return wk, st, 0, ""
}
