package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/exercises"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sqlite"
)

// post sends a form from the server's own page in c.
func (ls *labServer) post(t *testing.T, c *http.Client, path string, form url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+ls.addr+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+ls.addr)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), b.String()
}

func TestTeachSignIn(t *testing.T) {
	ls := workshopServer(t, Config{InstructorKey: "sesame-key"})
	c := browser(t)
	// Without the cookie: the form for the key, and nothing else.
	if status, _, body := ls.get(t, c, "/teach"); status != 200 || !strings.Contains(body, `data-testid="teach-signin"`) || strings.Contains(body, "create-form") {
		t.Fatalf("GET /teach without signing in = %d, want the key's form only", status)
	}
	// The printed link: a cookie, and the key leaves the address bar.
	resp, err := c.Get("http://" + ls.addr + "/teach?key=sesame-key")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/teach" {
		t.Fatalf("the instructor's link = %d to %q, want 303 to /teach", resp.StatusCode, resp.Header.Get("Location"))
	}
	if rp := resp.Header.Get("Referrer-Policy"); rp != "same-origin" {
		// no-referrer makes Chromium send "Origin: null" with the forms.
		t.Errorf("Referrer-Policy = %q, want same-origin", rp)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || strings.Contains(cookies[0].Value, "sesame") {
		t.Fatalf("cookies = %+v, want one HttpOnly, SameSite=Strict, without the key in it", cookies)
	}
	status, _, body := ls.get(t, c, "/teach")
	if status != 200 || !strings.Contains(body, `data-testid="create-form"`) {
		t.Fatalf("GET /teach signed in = %d, want the create form", status)
	}
	// The create form: three exercises, in the order asked.
	form := url.Values{"title": {"Networks <b>101</b>"}, "exercise": {"round-trip", "ports", "datagrams"},
		"order-round-trip": {"3"}, "order-ports": {"1"}, "order-datagrams": {"2"}, "peers": {"all"}, "max_students": {"12"}, "loss": {"5"}, "delay": {"0"}}
	status, loc, body := ls.post(t, c, "/teach/workshops", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/workshop/") {
		t.Fatalf("POST /teach/workshops = %d to %q: %s", status, loc, body)
	}
	code := strings.TrimPrefix(loc, "/workshop/")
	// The cookie opens the dashboard, the API and the join screen without
	// the workshop's token.
	if status, _, body := ls.get(t, c, loc); status != 200 || !strings.Contains(body, `data-testid="dashboard"`) || !strings.Contains(body, "/join/"+code+"/qr.svg") {
		t.Errorf("the dashboard with the instructor's cookie = %d, want the page with the join QR", status)
	}
	if status, _, body := ls.get(t, c, "/workshop/"+code+"/join-screen"); status != 200 || !strings.Contains(body, `data-testid="join-screen-code">`+code) {
		t.Errorf("the join screen with the instructor's cookie = %d", status)
	}
	status, _, body = ls.get(t, c, "/api/workshops/"+code)
	if status != 200 || !strings.Contains(body, `"exercises":["ports","datagrams","round-trip"]`) || !strings.Contains(body, `"peers":"all"`) ||
		!strings.Contains(body, `"max_students":12`) || !strings.Contains(body, `"loss":0.05`) || !strings.Contains(body, `Networks \u003cb\u003e101`) {
		t.Errorf("GET the workshop with the instructor's cookie = %d %s", status, body)
	}
	if status, _, body := ls.get(t, c, "/teach"); !strings.Contains(body, `data-code="`+code+`"`) {
		t.Errorf("/teach = %d, does not list %s", status, code)
	}
	// Another browser, without the cookie, gets nothing of it.
	other := browser(t)
	if status, _, body := ls.get(t, other, "/workshop/"+code+"/join-screen"); status != 401 || strings.Contains(body, "Networks") ||
		!strings.Contains(body, `name="next" value="/workshop/`+code+`/join-screen"`) {
		t.Errorf("the join screen without signing in = %d, want the sign-in form, coming back", status)
	}
	if status, _, body := ls.get(t, other, "/workshop/"+code+"/projector"); status != 401 || !strings.Contains(body, `name="next" value="/workshop/`+code+`/projector"`) {
		t.Errorf("the projector's view without signing in = %d, want the sign-in form, coming back", status)
	}
	// On a classroom PC: the key, and on to the join screen.
	if status, loc, _ := ls.post(t, other, "/teach/signin", url.Values{"key": {"sesame-key"}, "next": {"/workshop/" + code + "/join-screen"}}); status != 303 || loc != "/workshop/"+code+"/join-screen" {
		t.Errorf("signing in from the join screen = %d to %q", status, loc)
	}
	if status, loc, _ := ls.post(t, other, "/teach/signin", url.Values{"key": {"sesame-key"}, "next": {"//evil.example/workshop/"}}); status != 303 || loc != "/teach" {
		t.Errorf("signing in with a next elsewhere = %d to %q, want /teach", status, loc)
	}
	// A mistake in the form comes back in words, with what was typed.
	status, _, body = ls.post(t, c, "/teach/workshops", url.Values{"title": {"Kept"}, "max_students": {"5"}})
	if status != 400 || !strings.Contains(body, "Tick at least one exercise") || !strings.Contains(body, `value="Kept"`) {
		t.Errorf("a form without exercises = %d", status)
	}
	// A form from another site is refused.
	req, _ := http.NewRequest("POST", "http://"+ls.addr+"/teach/workshops", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a create form from another site = %d, want 403", resp.StatusCode)
	}
}

// TestWrongKeysAreGuesses: a wrong instructor key counts as a wrong guess,
// on the sign-in form, the link and the API, and an address that has had
// its 10 is refused every wrong key until it refills (issue 26, 9: wrong
// keys got 401 forever); the right key is a credential, and never
// refused for its address's guesses (issue 26, 4).
func TestWrongKeysAreGuesses(t *testing.T) {
	ls := workshopServer(t, Config{InstructorKey: "sesame-key"})
	c := browser(t)
	for i := range guessBurst {
		var status int
		switch i % 3 {
		case 0:
			status, _, _ = ls.post(t, c, "/teach/signin", url.Values{"key": {"guess"}})
		case 1:
			status, _, _ = ls.get(t, c, "/teach?key=guess")
		case 2:
			status, _ = ls.call(t, "POST", "/api/workshops", "guess", map[string]any{"title": "A"})
		}
		if status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d = %d, want 401", i+1, status)
		}
	}
	if status, _, body := ls.post(t, c, "/teach/signin", url.Values{"key": {"guess"}}); status != http.StatusTooManyRequests || !strings.Contains(body, "wait a minute") {
		t.Errorf("a wrong key after 10 wrong = %d, want 429", status)
	}
	if status, _, _ := ls.post(t, c, "/teach/signin", url.Values{"key": {"sesame-key"}}); status != http.StatusSeeOther {
		t.Errorf("the right key after 10 wrong = %d, want 303", status)
	}
	if status, _ := ls.call(t, "POST", "/api/workshops", "sesame-key", map[string]any{"title": "A"}); status != http.StatusCreated {
		// The key as a bearer token is a credential, not a guess.
		t.Errorf("POST /api/workshops with the key after 10 wrong = %d, want 201", status)
	}
}

// TestClassSurvivesRestart: the class message, the help queue with its
// "on my way" and the spotlight are the store's: a server started again
// on the same database has them, for the dashboard's snapshot and the
// student's session (issue 22, 6: they were kept in memory and lost).
func TestClassSurvivesRestart(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "workshops.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exs, probs := exercises.Load(exercises.Embedded())
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	cfg := Config{Store: db, Exercises: exs}
	ls := serve(t, cfg)
	w := ls.create(t, map[string]any{"title": "Kept", "exercises": []string{"round-trip"}})
	ada, bob := ls.joinStudent(t, w.Code, "Ada"), ls.joinStudent(t, w.Code, "Bob")
	ls.joinStudent(t, w.Code, "Cy")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, cookie := range []http.Header{ada, bob} {
		cl := ls.dialStudent(t, w.Code, cookie)
		if _, err := cl.Hand(ctx, bridge.HandRaise, "help"); err != nil {
			t.Fatal(err)
		}
		cl.Close()
	}
	var got workshopJSON
	_, body := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil)
	json.Unmarshal(body, &got)
	s, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	var snap snapshotJSON
	if _, data := s.next(); json.Unmarshal(data, &snap) != nil || len(snap.Hands) != 2 {
		t.Fatalf("the snapshot before: %s", data)
	}
	s.resp.Body.Close()
	if status, body := ls.call(t, "POST", "/api/workshops/"+w.Code+"/hands/"+strconv.FormatInt(snap.Hands[0].ID, 10), w.Token, `{"state":"coming"}`); status != 200 {
		t.Fatalf("on my way: %d %s", status, body)
	}
	if status, _ := ls.call(t, "POST", "/api/workshops/"+w.Code+"/message", w.Token, `{"message":"Break until 10:30"}`); status != 200 {
		t.Fatal("message")
	}
	if status, _ := ls.call(t, "PUT", "/api/workshops/"+w.Code+"/spotlight", w.Token, map[string]any{"student": got.Students[1].ID, "show_name": true}); status != 200 {
		t.Fatal("spotlight")
	}
	if err := ls.stop(); err != nil {
		t.Fatal(err)
	}

	again := serve(t, cfg)
	s, status := again.openStream(t, http.DefaultClient, w.Code, w.Token)
	if status != 200 {
		t.Fatalf("the stream after the restart: %d", status)
	}
	snap = snapshotJSON{}
	_, data := s.next()
	s.resp.Body.Close()
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Message != "Break until 10:30" {
		t.Errorf("the message after a restart = %q", snap.Message)
	}
	if len(snap.Hands) != 2 || snap.Hands[0].Name != "Ada" || snap.Hands[0].State != bridge.HandComing || snap.Hands[1].Name != "Bob" || snap.Hands[1].State != bridge.HandWaiting {
		t.Errorf("the hands after a restart = %+v, want Ada coming, Bob waiting", snap.Hands)
	}
	if snap.Spotlight == nil || snap.Spotlight.Student != got.Students[1].ID || !snap.Spotlight.ShowName || snap.Spotlight.Name != "Bob" {
		t.Errorf("the spotlight after a restart = %+v, want on Bob, named", snap.Spotlight)
	}
	cl := again.dialStudent(t, w.Code, ada)
	if state, err := cl.Hand(ctx, bridge.HandStatus, ""); err != nil || state != bridge.HandComing {
		t.Errorf("Ada's hand after a restart = %q, %v; want coming", state, err)
	}
	// Deleting Bob takes the spotlight off with him, in the store too.
	if status, _ := again.call(t, "DELETE", "/api/workshops/"+w.Code+"/students/"+strconv.FormatInt(got.Students[1].ID, 10), w.Token, nil); status != 204 {
		t.Fatal("delete Bob")
	}
	raw, _ := lab.ParseCode(w.Code)
	if c, err := db.Class(ctx, raw); err != nil || c.Spotlight != nil || len(c.Hands) != 1 {
		t.Errorf("the store after Bob is deleted: %+v, %v", c, err)
	}
	if again.workshops.spotOf(raw) != nil {
		t.Error("the spotlight is still on a deleted student")
	}
}

// TestDashboardSignInWithKey: a dashboard opened without its link asks
// for the instructor key too, and comes back to it: a lost dashboard
// link is never a lost workshop.
func TestDashboardSignInWithKey(t *testing.T) {
	ls := workshopServer(t, Config{InstructorKey: "sesame-key"})
	var w workshopJSON
	_, body := ls.call(t, "POST", "/api/workshops", "sesame-key", map[string]any{"title": "Lost link"})
	json.Unmarshal(body, &w)
	c := browser(t)
	status, _, page := ls.get(t, c, "/workshop/"+w.Code)
	if status != 200 || !strings.Contains(page, `data-testid="teach-signin"`) || strings.Contains(page, "Lost link") {
		t.Fatalf("the dashboard without its link = %d, want the key's form and nothing of the workshop", status)
	}
	if status, loc, _ := ls.post(t, c, "/teach/signin", url.Values{"key": {"sesame-key"}, "next": {"/workshop/" + w.Code}}); status != 303 || loc != "/workshop/"+w.Code {
		t.Fatalf("signing in from the dashboard = %d to %q", status, loc)
	}
	if status, _, page := ls.get(t, c, "/workshop/"+w.Code); status != 200 || !strings.Contains(page, `data-testid="dashboard"`) {
		t.Errorf("the dashboard after signing in = %d, want the dashboard", status)
	}
}
