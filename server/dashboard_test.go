package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// stream is a dashboard's event stream, read in a test.
type stream struct {
	t    *testing.T
	resp *http.Response
	r    *bufio.Reader
}

// openStream opens GET /api/workshops/{code}/events with the token, or
// in c with its cookies (token "").
func (ls *labServer) openStream(t *testing.T, c *http.Client, code, token string) (*stream, int) {
	t.Helper()
	return ls.openSSE(t, c, "/api/workshops/"+code+"/events", token)
}

// openSSE opens a stream of server-sent events at path, with the
// instructor's token if not "".
func (ls *labServer) openSSE(t *testing.T, c *http.Client, path, token string) (*stream, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ls.addr+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return &stream{t: t, resp: resp, r: bufio.NewReader(resp.Body)}, resp.StatusCode
}

// next reads the stream's next event, skipping comments.
func (s *stream) next() (event string, data []byte) {
	s.t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("read the stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			data = []byte(line[len("data: "):])
		case line == "" && event != "":
			return event, data
		}
	}
}

// until reads changes until one of them matches.
func (s *stream) until(what string, match func(dashEvent) bool) dashEvent {
	s.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		event, data := s.next()
		if event != "changes" {
			s.t.Fatalf("a %q event after the snapshot", event)
		}
		var evs []dashEvent
		if err := json.Unmarshal(data, &evs); err != nil {
			s.t.Fatal(err)
		}
		for _, ev := range evs {
			if match(ev) {
				return ev
			}
		}
	}
	s.t.Fatalf("no change: %s", what)
	return dashEvent{}
}

// The dashboard's page and endpoints take the instructor's cookie, set
// from the link's token, as they take the bearer token, and refuse a
// student's cookie and a student's token.
func TestDashboardAuth(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Networks <b>101</b>", "exercises": []string{"round-trip"}})
	if !strings.HasSuffix(w.DashboardURL, "/workshop/"+w.Code+"#token="+w.Token) {
		t.Fatalf("dashboard_url %q", w.DashboardURL)
	}
	base := "http://" + ls.addr

	// A browser without the cookie is asked for the link, and shown
	// nothing of the workshop.
	instructor := browser(t)
	if status, _, body := ls.get(t, instructor, "/workshop/"+w.Code); status != 200 || !strings.Contains(body, `data-testid="dashboard-signin"`) || strings.Contains(body, "Networks") {
		t.Fatalf("the page without the cookie: %d\n%s", status, body)
	}
	session := func(c *http.Client, origin, token string) *http.Response {
		req, _ := http.NewRequest("POST", base+"/workshop/"+w.Code+"/session", strings.NewReader(`{"token":"`+token+`"}`))
		req.Header.Set("Origin", origin)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := session(instructor, base, "WRONG"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d", resp.StatusCode)
	}
	if resp := session(instructor, "https://evil.example", w.Token); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another site's page: %d", resp.StatusCode)
	}
	resp := session(instructor, base, w.Token)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the right token: %d", resp.StatusCode)
	}
	if c := resp.Cookies(); len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Value != w.Token {
		t.Errorf("the cookie: %+v", c)
	}

	// With it, the page is the dashboard and the endpoints answer.
	if status, _, body := ls.get(t, instructor, "/workshop/"+w.Code); status != 200 || !strings.Contains(body, `data-testid="progress-grid"`) || !strings.Contains(body, "Networks &lt;b&gt;101&lt;/b&gt;") {
		t.Fatalf("the page with the cookie: %d\n%s", status, body)
	}
	for _, path := range []string{"", "/progress.csv", "/progress.json"} {
		if status, _, body := ls.get(t, instructor, "/api/workshops/"+w.Code+path); status != 200 {
			t.Errorf("GET %s with the cookie: %d %s", path, status, body)
		}
	}
	if s, status := ls.openStream(t, instructor, w.Code, ""); status != 200 {
		t.Errorf("the stream with the cookie: %d", status)
	} else if event, _ := s.next(); event != "snapshot" {
		t.Errorf("the stream's first event is %q", event)
	}
	// A change by the cookie from another site's page is refused.
	req, _ := http.NewRequest("POST", base+"/api/workshops/"+w.Code+"/hands/1", strings.NewReader(`{"state":"done"}`))
	req.Header.Set("Origin", "https://evil.example")
	resp, err := instructor.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a change from another site with the cookie: %d", resp.StatusCode)
	}

	// A student's cookie is not the instructor's; nor is a student's
	// token in the instructor's cookie.
	student := browser(t)
	ls.joinAs(t, student, w.Code, "Ada")
	if _, _, body := ls.get(t, student, "/workshop/"+w.Code); !strings.Contains(body, `data-testid="dashboard-signin"`) {
		t.Errorf("a student sees the dashboard:\n%s", body)
	}
	for _, path := range []string{"", "/events", "/progress.csv", "/progress.json"} {
		if status, _, _ := ls.get(t, student, "/api/workshops/"+w.Code+path); status != http.StatusUnauthorized {
			t.Errorf("GET %s with a student's cookie: %d", path, status)
		}
	}
	u, _ := url.Parse(base)
	forged := browser(t)
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: instructorCookie(w.Code), Value: student.Jar.Cookies(u)[0].Value}})
	if status, _, _ := ls.get(t, forged, "/api/workshops/"+w.Code+"/events"); status != http.StatusUnauthorized {
		t.Errorf("a student's token in the instructor's cookie: %d", status)
	}
}

// The dashboard's stream starts with a snapshot, then tells of a student
// joining and coming online, a hand raised and a step reported; the
// instructor's "on my way" reaches the student's hand, and "done" takes
// it down.
func TestDashboardEvents(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Live", "exercises": []string{"round-trip"}})
	s, status := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	if status != 200 || s.resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("the stream: %d %q", status, s.resp.Header.Get("Content-Type"))
	}
	var snap snapshotJSON
	if event, data := s.next(); event != "snapshot" || json.Unmarshal(data, &snap) != nil || len(snap.Workshop.Students) != 0 || len(snap.Hands) != 0 {
		t.Fatalf("the first event: %s %s", event, data)
	}

	cookie := ls.joinStudent(t, w.Code, "Ada")
	s.until("Ada joins", func(ev dashEvent) bool { return ev.Kind == "student" && ev.Student.Name == "Ada" && !ev.Student.Online })
	cl := ls.dialStudent(t, w.Code, cookie)
	s.until("Ada comes online", func(ev dashEvent) bool { return ev.Kind == "student" && ev.Student.Online })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if state, err := cl.Hand(ctx, bridge.HandRaise, "  my connect times out  "); err != nil || state != bridge.HandWaiting {
		t.Fatalf("raise: %q, %v", state, err)
	}
	ev := s.until("a hand", func(ev dashEvent) bool { return ev.Kind == "hands" && len(ev.Hands) == 1 })
	if h := ev.Hands[0]; h.Name != "Ada" || h.Message != "my connect times out" || h.State != bridge.HandWaiting {
		t.Errorf("the hand: %+v", h)
	}
	if _, err := cl.Hand(ctx, bridge.HandRaise, strings.Repeat("x", bridge.MaxHandMessage+1)); err == nil {
		t.Error("a message too long was taken")
	}
	if _, err := cl.Hand(ctx, "wave", ""); err == nil {
		t.Error("an action that is none was taken")
	}
	path := "/api/workshops/" + w.Code + "/hands/" + jsonNumber(ev.Hands[0].ID)
	if status, body := ls.call(t, "POST", path, w.Token, map[string]string{"state": "coming"}); status != 200 {
		t.Fatalf("on my way: %d %s", status, body)
	}
	if state, err := cl.Hand(ctx, bridge.HandStatus, ""); err != nil || state != bridge.HandComing {
		t.Errorf("the student's hand after on my way: %q, %v", state, err)
	}
	if _, err := cl.Report(ctx, "round-trip", 0, lab.ProgressStep, ""); err != nil {
		t.Fatal(err)
	}
	s.until("a step", func(ev dashEvent) bool { return ev.Kind == "progress" && ev.Progress.Step == 0 })
	if status, _ := ls.call(t, "POST", path, w.Token, map[string]string{"state": "done"}); status != 200 {
		t.Fatalf("done: %d", status)
	}
	s.until("the hand down", func(ev dashEvent) bool { return ev.Kind == "hands" && len(ev.Hands) == 0 })
	if state, err := cl.Hand(ctx, bridge.HandStatus, ""); err != nil || state != bridge.HandNone {
		t.Errorf("the student's hand after done: %q, %v", state, err)
	}
	if status, _ := ls.call(t, "POST", path, w.Token, map[string]string{"state": "done"}); status != http.StatusNotFound {
		t.Errorf("a hand down already: %d", status)
	}
	if status, _ := ls.call(t, "POST", path, w.Token, map[string]string{"state": "maybe"}); status != http.StatusBadRequest {
		t.Errorf("a state that is none: %d", status)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A subscriber that falls maxPending changes behind is dropped, not
// grown; the others go on.
func TestHubDropsSlowSubscriber(t *testing.T) {
	h := newHub()
	slow, other := h.subscribe("A"), h.subscribe("B")
	defer h.unsubscribe(slow)
	defer h.unsubscribe(other)
	for range maxPending + 1 {
		h.publish("A", dashEvent{Kind: "progress"})
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("a subscriber maxPending behind is not dropped")
	}
	if n := len(slow.take()); n != 0 {
		t.Errorf("a dropped subscriber keeps %d changes", n)
	}
	h.publish("B", dashEvent{Kind: "hands"})
	if evs := other.take(); len(evs) != 1 {
		t.Errorf("another workshop's subscriber has %d changes", len(evs))
	}
	h.close()
	if late := h.subscribe("B"); late != nil {
		select {
		case <-late.gone:
		default:
			t.Error("a subscriber after close is not gone")
		}
	}
}

// A batch of changes is never empty (issue 22: the page threw "changes is
// not iterable" on a batch of null): a change published while the stream
// waits out its batch interval signals it again after the batch has
// taken it, and that signal finds nothing to send.
func TestDashboardEventsNeverEmpty(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Batches", "exercises": []string{"round-trip"}})
	code, _ := lab.ParseCode(w.Code)
	s, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	if event, _ := s.next(); event != "snapshot" {
		t.Fatalf("the first event: %s", event)
	}
	batch := func(what string) []dashEvent {
		t.Helper()
		event, data := s.next()
		var evs []dashEvent
		if err := json.Unmarshal(data, &evs); event != "changes" || err != nil || len(evs) == 0 {
			t.Fatalf("%s: %s %s (%v)", what, event, data, err)
		}
		return evs
	}
	publish := func(name string) {
		ls.workshops.events.publish(code, dashEvent{Kind: "student", Student: &dashStudent{Name: name}})
	}
	publish("a")
	batch("the first change")
	// b opens the next batch, c comes while it waits its interval.
	publish("b")
	time.Sleep(batchInterval / 4)
	publish("c")
	if evs := batch("b and c"); len(evs) != 2 {
		t.Fatalf("b and c came in %d changes", len(evs))
	}
	// Past c's stale signal and the interval after it: d is the next.
	time.Sleep(2 * batchInterval)
	publish("d")
	if evs := batch("d"); evs[0].Student.Name != "d" {
		t.Errorf("the batch after b and c: %+v", evs)
	}
}
