package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sqlite"
)

// workshopServer serves the lab with the built-in worksheet and a real
// SQLite store in the test's directory.
func workshopServer(t *testing.T, cfg Config, setup ...func(*Server)) *labServer {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "workshops.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	cfg.Store, cfg.Exercises = db, exs
	return serve(t, cfg, setup...)
}

// call makes an API request with a bearer token ("" for none) and a body
// (nil for none), and returns the status and the body.
func (ls *labServer) call(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, "http://"+ls.addr+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// create makes a workshop through the API.
func (ls *labServer) create(t *testing.T, req map[string]any) workshopJSON {
	t.Helper()
	status, body := ls.call(t, "POST", "/api/workshops", "", req)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/workshops = %d %s", status, body)
	}
	var w workshopJSON
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// joinAs joins the workshop with a name in c and returns the answer.
func (ls *labServer) joinAs(t *testing.T, c *http.Client, code, name string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+ls.addr+"/join/"+code, strings.NewReader(url.Values{"name": {name}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+ls.addr)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// get fetches a page in c and returns the status, Location and body.
func (ls *labServer) get(t *testing.T, c *http.Client, path string) (int, string, string) {
	t.Helper()
	resp, err := c.Get("http://" + ls.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestWorkshopAPI(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Networks 101"})
	if len(w.Code) != 9 || w.Code[4] != '-' || w.Token == "" || w.Peers != lab.PeersNone ||
		w.JoinURL != "http://"+ls.addr+"/join/"+w.Code ||
		w.DashboardURL != "http://"+ls.addr+"/workshop/"+w.Code+"#token="+w.Token ||
		len(w.Exercises) != len(ls.cfg.Exercises) || w.Exercises[0] != ls.cfg.Exercises[0].ID || w.MaxStudents != DefaultMaxStudents {
		t.Fatalf("created %+v", w)
	}

	// A student joins; GET lists them, with their address and progress.
	c := browser(t)
	if resp := ls.joinAs(t, c, w.Code, "=HYPERLINK(\"x\")"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/w/"+w.Code {
		t.Fatalf("join = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	code, _ := lab.ParseCode(w.Code)
	students, _ := ls.cfg.Store.Students(context.Background(), code)
	if len(students) != 1 {
		t.Fatalf("students = %v", students)
	}
	id := students[0].ID
	for _, r := range []lab.ProgressRecord{
		{StudentID: id, Exercise: w.Exercises[0], Step: 0, Kind: lab.ProgressStep, Confirmed: true},
		{StudentID: id, Exercise: w.Exercises[0], Step: 1, Kind: lab.ProgressStep},
		{StudentID: id, Exercise: w.Exercises[0], Step: 1, Kind: lab.ProgressAnswer, Answer: "42"},
	} {
		if _, err := ls.cfg.Store.RecordProgress(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	// Any case, with or without the dash.
	status, body := ls.call(t, "GET", "/api/workshops/"+strings.ToLower(code), w.Token, nil)
	var got workshopJSON
	json.Unmarshal(body, &got)
	if status != 200 || got.Title != "Networks 101" || len(got.Students) != 1 || got.Students[0].Address.String() != "10.0.1.1" ||
		got.Students[0].Name != `=HYPERLINK("x")` || len(got.Students[0].Progress) != 3 || got.Students[0].Online || got.Token != "" {
		t.Fatalf("GET = %d %s", status, body)
	}

	// PATCH: peers and title; an unknown field or a bad value is refused.
	status, body = ls.call(t, "PATCH", "/api/workshops/"+w.Code, w.Token, map[string]any{"peers": "all", "title": "Networks 102"})
	json.Unmarshal(body, &got)
	if status != 200 || got.Peers != lab.PeersAll || got.Title != "Networks 102" {
		t.Fatalf("PATCH = %d %s", status, body)
	}
	for _, bad := range []string{`{"peers":"some"}`, `{"colour":"red"}`, `{}`, ``, `{"title":""} {}`} {
		if status, body := ls.call(t, "PATCH", "/api/workshops/"+w.Code, w.Token, bad); status != 400 || !strings.Contains(string(body), `"error":`) {
			t.Errorf("PATCH %s = %d %s, want 400 and an error", bad, status, body)
		}
	}

	// The CSV: one row per completed step, the name defused, done or not
	// seen on the wire with what is missing; a student who joined and
	// completed nothing has a row too (attendance).
	if resp := ls.joinAs(t, browser(t), w.Code, "Bo"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("join Bo = %d", resp.StatusCode)
	}
	status, body = ls.call(t, "GET", "/api/workshops/"+w.Code+"/progress.csv", w.Token, nil)
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if status != 200 || err != nil || len(rows) != 4 {
		t.Fatalf("CSV = %d %v\n%s", status, err, body)
	}
	if strings.Join(rows[0], ",") != "student,name,address,exercise,step,completed_at,confirmed,status,missing" ||
		rows[1][1] != `'=HYPERLINK("x")` || rows[1][4] != "0" || rows[1][6] != "true" || rows[1][7] != "done" ||
		rows[2][6] != "false" || rows[2][7] != "not seen on the wire" || !strings.Contains(rows[2][8], "a SYN packet from the student’s host") ||
		rows[3][1] != "Bo" || rows[3][3] != "" || rows[3][7] != "no steps" {
		t.Errorf("CSV rows = %q", rows)
	}

	// DELETE: gone, for the token that had it too.
	if status, body := ls.call(t, "DELETE", "/api/workshops/"+w.Code, w.Token, nil); status != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", status, body)
	}
	if status, _ := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil); status != 404 {
		t.Errorf("GET after DELETE = %d, want 404", status)
	}
}

func TestWorkshopAPIAuth(t *testing.T) {
	ls := workshopServer(t, Config{InstructorKey: "sesame"})
	if status, body := ls.call(t, "POST", "/api/workshops", "", map[string]any{"title": "A"}); status != 401 || !strings.Contains(string(body), "instructor key") {
		t.Fatalf("POST without the key = %d %s", status, body)
	}
	if status, _ := ls.call(t, "POST", "/api/workshops", "open", map[string]any{"title": "A"}); status != 401 {
		t.Fatalf("POST with a wrong key = %d", status)
	}
	var a, b workshopJSON
	for _, w := range []*workshopJSON{&a, &b} {
		status, body := ls.call(t, "POST", "/api/workshops", "sesame", map[string]any{"title": "Secret title"})
		if status != 201 {
			t.Fatalf("POST with the key = %d %s", status, body)
		}
		json.Unmarshal(body, w)
	}
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/workshops/" + a.Code}, {"PATCH", "/api/workshops/" + a.Code},
		{"DELETE", "/api/workshops/" + a.Code}, {"GET", "/api/workshops/" + a.Code + "/progress.csv"},
	} {
		for _, token := range []string{"", b.Token, "sesame!"} {
			status, body := ls.call(t, req.method, req.path, token, `{"peers":"all"}`)
			if status != 401 || strings.Contains(string(body), "Secret") || strings.Contains(string(body), a.Code) {
				t.Errorf("%s %s with token %q = %d %s, want 401 and nothing of the workshop", req.method, req.path, token, status, body)
			}
		}
	}
	if status, _ := ls.call(t, "GET", "/api/workshops/"+a.Code, a.Token, nil); status != 200 {
		t.Errorf("GET with its token = %d", status)
	}
	// The instructor key opens every workshop: a lost token is never a
	// lost workshop.
	if status, body := ls.call(t, "GET", "/api/workshops/"+b.Code, "sesame", nil); status != 200 || !strings.Contains(string(body), b.Code) {
		t.Errorf("GET with the instructor key = %d %s", status, body)
	}
	// An unknown code is 404 with a token, 401 without one.
	if status, _ := ls.call(t, "GET", "/api/workshops/2345-6789", a.Token, nil); status != 404 {
		t.Errorf("GET an unknown code = %d, want 404", status)
	}
	if status, _ := ls.call(t, "GET", "/api/workshops/2345-6789", "", nil); status != 401 {
		t.Errorf("GET an unknown code without a token = %d, want 401", status)
	}
}

func TestWorkshopAPIBounds(t *testing.T) {
	ls := workshopServer(t, Config{MaxStudents: 30, MaxWorkshops: 2})
	for body, want := range map[string]int{
		`{"title":"` + strings.Repeat("x", maxAPIBody) + `"}`:        413,
		`{"title":"` + strings.Repeat("x", lab.MaxTitleLen+1) + `"}`: 400,
		`{"title":"A","exercises":["no-such-exercise"]}`:             400,
		`{"title":"A","exercises":[]}`:                               400,
		`{"title":"A","peers":"some"}`:                               400,
		`{"title":"A","max_students":31}`:                            400,
		`{"title":"A","owner":"me"}`:                                 400,
		`{"title":"A"}{"title":"B"}`:                                 400,
		`not json`:                                                   400,
		``:                                                           400,
	} {
		if status, resp := ls.call(t, "POST", "/api/workshops", "", body); status != want || !strings.Contains(string(resp), `"error":`) {
			t.Errorf("POST %.60s = %d %s, want %d and an error", body, status, resp, want)
		}
	}
	w := ls.create(t, map[string]any{"title": "A", "exercises": []string{ls.cfg.Exercises[1].ID, ls.cfg.Exercises[0].ID}, "peers": "all"})
	if w.MaxStudents != 30 || w.Peers != lab.PeersAll || w.Exercises[0] != ls.cfg.Exercises[1].ID {
		t.Errorf("created %+v", w)
	}
	ls.create(t, map[string]any{"title": "B"})
	if status, body := ls.call(t, "POST", "/api/workshops", "", map[string]any{"title": "C"}); status != 409 {
		t.Errorf("a third workshop over --max-workshops 2 = %d %s, want 409", status, body)
	}
}

func TestJoin(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Networks <i>101</i>"})
	c := browser(t)
	status, _, page := ls.get(t, c, "/join/"+strings.ToLower(strings.ReplaceAll(w.Code, "-", "")))
	if status != 200 || !strings.Contains(page, "Networks &lt;i&gt;101&lt;/i&gt;") || !strings.Contains(page, `name="name"`) {
		t.Fatalf("join page = %d\n%s", status, page)
	}

	// Names: too long is refused; any script and markup are kept, and
	// shown escaped; empty is "Student N".
	if resp := ls.joinAs(t, c, w.Code, strings.Repeat("é", lab.MaxNameLen+1)); resp.StatusCode != 400 {
		t.Errorf("a name of 41 characters: %d, want 400", resp.StatusCode)
	}
	resp := ls.joinAs(t, c, w.Code, "  <b>Ada</b> 李  ")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("join = %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		cookie = ck
	}
	code, _ := lab.ParseCode(w.Code)
	if cookie == nil || cookie.Name != "socketlab_"+code || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || len(cookie.Value) < 26 {
		t.Fatalf("cookie = %+v", cookie)
	}
	status, _, page = ls.get(t, c, "/w/"+w.Code)
	if status != 200 || !strings.Contains(page, "&lt;b&gt;Ada&lt;/b&gt; 李") || strings.Contains(page, "<b>Ada") ||
		!strings.Contains(page, "10.0.1.1") || !strings.Contains(page, "/lab/"+w.Exercises[0]+"?workshop="+w.Code) {
		t.Fatalf("student page = %d\n%s", status, page)
	}
	// Joined already: not asked again, and the same student.
	if status, loc, _ := ls.get(t, c, "/join/"+w.Code); status != http.StatusSeeOther || loc != "/w/"+w.Code {
		t.Errorf("join page with the cookie = %d to %q", status, loc)
	}
	ls.joinAs(t, c, w.Code, "again")
	// The lab page in the workshop names it and the student.
	status, _, page = ls.get(t, c, "/lab/"+w.Exercises[0]+"?workshop="+code)
	if status != 200 || !strings.Contains(page, `data-workshop="`+w.Code+`"`) || !strings.Contains(page, "&lt;b&gt;Ada") {
		t.Errorf("lab page in the workshop = %d", status)
	}

	// Another browser: no cookie, sent to join; the resume link makes it
	// the same student.
	other := browser(t)
	if status, loc, _ := ls.get(t, other, "/w/"+w.Code); status != http.StatusSeeOther || loc != "/join/"+w.Code {
		t.Errorf("student page without the cookie = %d to %q", status, loc)
	}
	if status, loc, _ := ls.get(t, other, "/lab?workshop="+w.Code); status != http.StatusSeeOther || loc != "/join/"+w.Code {
		t.Errorf("lab page without the cookie = %d to %q", status, loc)
	}
	if status, loc, _ := ls.get(t, other, "/join/"+w.Code+"?resume="+url.QueryEscape(cookie.Value)); status != http.StatusSeeOther || loc != "/w/"+w.Code {
		t.Fatalf("resume link = %d to %q", status, loc)
	}
	if _, _, page := ls.get(t, other, "/w/"+w.Code); !strings.Contains(page, "10.0.1.1") {
		t.Error("the resume link did not bring the same student")
	}
	// An empty name is Student N; the next address is the next one's.
	third := browser(t)
	ls.joinAs(t, third, w.Code, "   ")
	if _, _, page := ls.get(t, third, "/w/"+w.Code); !strings.Contains(page, "Student 2") || !strings.Contains(page, "10.0.1.2") {
		t.Errorf("an empty name:\n%s", page)
	}
	// A form posted from another site is refused.
	req, _ := http.NewRequest("POST", "http://"+ls.addr+"/join/"+w.Code, strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := browser(t).Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("cross-site join = %v, %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	// The home page's code box leads to the join page, in any form.
	if status, loc, _ := ls.get(t, other, "/join?code="+url.QueryEscape(" "+strings.ToLower(code)+" ")); status != http.StatusSeeOther || loc != "/join/"+w.Code {
		t.Errorf("code box = %d to %q", status, loc)
	}
}

// TestWrongCodesAreRateLimited: ten wrong codes a minute from one
// address, then 429 for every code, right ones too, until it refills;
// but not for a request with the workshop's token (issue 26, 4).
func TestWrongCodesAreRateLimited(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ls := workshopServer(t, Config{}, func(s *Server) { s.guesses.now = clock })
	w := ls.create(t, map[string]any{"title": "A"})
	c := browser(t)
	for i := range guessBurst {
		if status, _, _ := ls.get(t, c, "/join/ZZZZ-ZZZ"+lab.CodeAlphabet[i:i+1]); status != 404 {
			t.Fatalf("wrong code %d = %d, want 404", i, status)
		}
	}
	for _, path := range []string{"/join/ZZZZ-ZZZZ", "/join/" + w.Code} {
		if status, _, _ := ls.get(t, c, path); status != 429 {
			t.Errorf("%s after %d wrong codes = %d, want 429", path, guessBurst, status)
		}
	}
	if status, _ := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil); status != 200 {
		t.Errorf("the API with the token after %d wrong codes = %d, want 200", guessBurst, status)
	}
	mu.Lock()
	now = now.Add(guessWindow)
	mu.Unlock()
	if status, _, _ := ls.get(t, c, "/join/"+w.Code); status != 200 {
		t.Errorf("a right code a minute later = %d, want 200", status)
	}
}

// TestGuessesForget bounds the addresses remembered.
func TestGuessesForget(t *testing.T) {
	g := newBuckets(time.Now, remoteAddr, guessBurst, guessWindow)
	for i := range maxGuessers + 10 {
		r := &http.Request{RemoteAddr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1).String()}
		g.take(r)
	}
	if n := len(g.buckets); n > maxGuessers {
		t.Errorf("%d addresses remembered, more than %d", n, maxGuessers)
	}
}

// TestWorkshopNetworkLingers: a workshop's network outlives its last
// student by WorkshopLinger, then closes; a student who comes back gets a
// new one, at the same address.
func TestWorkshopNetworkLingers(t *testing.T) {
	ls := workshopServer(t, Config{WorkshopLinger: 200 * time.Millisecond})
	w := ls.create(t, map[string]any{"title": "Linger"})
	cookie := ls.joinStudent(t, w.Code, "Ada")
	dial := func() *bridge.Client { return ls.dialStudent(t, w.Code, cookie) }
	live := func() int {
		ls.workshops.mu.Lock()
		defer ls.workshops.mu.Unlock()
		return len(ls.workshops.live)
	}
	first := dial()
	addr := first.Addr()
	if live() != 1 {
		t.Fatalf("%d networks running with a student on one", live())
	}
	first.Close()
	deadline := time.Now().Add(10 * time.Second)
	for live() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the workshop's network still runs after its last student left and the linger passed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	again := dial()
	if again.Addr() != addr || live() != 1 {
		t.Errorf("back at %v (was %v), %d networks", again.Addr(), addr, live())
	}
	code, _ := lab.ParseCode(w.Code)
	students, _ := ls.cfg.Store.Students(context.Background(), code)
	if len(students) != 1 || students[0].LastSeen.IsZero() {
		t.Errorf("students = %+v, want one, seen", students)
	}
}
