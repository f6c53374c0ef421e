package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// classWatcher is a workshop student's bridge client whose workshop
// messages the test reads.
type classWatcher struct {
	t      *testing.T
	cl     *bridge.Client
	states chan bridge.WorkshopMessage
}

// dialWatcher opens the student's bridge session, keeping the workshop
// messages the server pushes.
func (ls *labServer) dialWatcher(t *testing.T, code string, cookie http.Header) *classWatcher {
	t.Helper()
	w := &classWatcher{t: t, states: make(chan bridge.WorkshopMessage, 64)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := bridge.Dial(ctx, ls.url+"?workshop="+code, &bridge.Options{Header: cookie, OnWorkshop: func(m bridge.WorkshopMessage) {
		select {
		case w.states <- m:
		default: // the test reads them all; a full channel is its failure
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	w.cl = cl
	return w
}

// until reads the pushed workshop messages until one matches.
func (w *classWatcher) until(what string, match func(bridge.WorkshopMessage) bool) bridge.WorkshopMessage {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-w.states:
			if match(m) {
				return m
			}
		case <-timeout:
			w.t.Fatalf("no workshop message: %s", what)
		}
	}
}

// The instructor paces the class: a locked exercise's page is refused to
// the student, in words, and so are reports of it; the student's session
// hears of the pacing, the instructor's message and the hand marked "on
// my way" as they change, pushed, and so do the dashboards.
func TestPacingAndMessages(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Paced", "exercises": []string{"round-trip", "datagrams"}})
	base := "/api/workshops/" + w.Code
	dash, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	dash.next() // the snapshot

	student := browser(t)
	ls.joinAs(t, student, w.Code, "Ada")
	u, _ := url.Parse("http://" + ls.addr)
	ada := ls.dialWatcher(t, w.Code, http.Header{"Cookie": {student.Jar.Cookies(u)[0].String()}})
	ada.until("the first, after the hello", func(m bridge.WorkshopMessage) bool {
		return m.Type == bridge.TypeWorkshop && m.LockedAfter == 0 && m.Message == "" && m.Hand == bridge.HandNone
	})

	if status, body := ls.call(t, "PATCH", base, w.Token, map[string]any{"locked_after": 1}); status != 200 || !strings.Contains(string(body), `"locked_after":1`) {
		t.Fatalf("lock after the first: %d %s", status, body)
	}
	ada.until("locked after 1", func(m bridge.WorkshopMessage) bool { return m.LockedAfter == 1 })
	dash.until("the dashboard's class change", func(ev dashEvent) bool { return ev.Kind == "class" && ev.Class.LockedAfter == 1 })

	status, _, page := ls.get(t, student, "/lab/datagrams?workshop="+w.Code)
	if status != http.StatusForbidden || !strings.Contains(page, "is not open yet") || strings.Contains(page, "data-testid=\"console\"") {
		t.Errorf("a locked exercise's page: %d, want 403 and a page saying it is not open yet:\n%.400s", status, page)
	}
	if status, _, _ := ls.get(t, student, "/lab/round-trip?workshop="+w.Code); status != 200 {
		t.Errorf("an open exercise's page: %d", status)
	}
	if _, _, page := ls.get(t, student, "/w/"+w.Code); !strings.Contains(page, `data-exercise="datagrams" data-locked="true"`) ||
		strings.Contains(page, `href="/lab/datagrams`) {
		t.Errorf("the student's page does not show datagrams locked, without its link")
	}
	// Without the workshop, the exercise is the free worksheet's, open.
	if status, _, _ := ls.get(t, student, "/lab/datagrams"); status != 200 {
		t.Errorf("the free worksheet's exercise: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ada.cl.Report(ctx, "datagrams", 0, lab.ProgressStep, ""); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("a report of a locked exercise: %v, want refused as locked", err)
	}
	if _, err := ada.cl.Report(ctx, "round-trip", 0, lab.ProgressStep, ""); err != nil {
		t.Errorf("a report of an open exercise: %v", err)
	}

	for _, bad := range []string{`{"locked_after": 2}`, `{"locked_after": -1}`, `{"locked_after": "1"}`} {
		if status, body := ls.call(t, "PATCH", base, w.Token, bad); status != http.StatusBadRequest {
			t.Errorf("PATCH %s = %d %s, want 400", bad, status, body)
		}
	}

	msg := "Break until 10:30 <b>— café</b>"
	status, body := ls.call(t, "POST", base+"/message", w.Token, map[string]string{"message": "  " + msg + " "})
	if status != 200 || !strings.Contains(string(body), `"message":`) {
		t.Fatalf("POST message = %d %s", status, body)
	}
	first := ada.until("the message", func(m bridge.WorkshopMessage) bool { return m.Message == msg && m.LockedAfter == 1 })
	dash.until("the dashboard's message", func(ev dashEvent) bool { return ev.Kind == "class" && ev.Class.Message == msg })
	if _, _, page := ls.get(t, student, "/w/"+w.Code); !strings.Contains(page, "Break until 10:30 &lt;b&gt;— café&lt;/b&gt;") {
		t.Errorf("the student's page does not show the message, escaped")
	}
	ls.call(t, "POST", base+"/message", w.Token, map[string]string{"message": msg})
	if again := ada.until("the same words again", func(m bridge.WorkshopMessage) bool { return m.Message == msg }); again.MessageID == first.MessageID {
		t.Errorf("a message sent again kept its id %d: a page that dismissed it would not show it", again.MessageID)
	}
	for _, bad := range []any{
		map[string]string{"message": strings.Repeat("é", bridge.MaxWorkshopMessage+1)},
		map[string]string{"message": "two\nlines"},
		map[string]string{"message": "\u202eevil"},
		map[string]any{},
		`{"message": 7}`,
	} {
		if status, body := ls.call(t, "POST", base+"/message", w.Token, bad); status != http.StatusBadRequest {
			t.Errorf("POST message %v = %d %s, want 400", bad, status, body)
		}
	}
	if status, _ := ls.call(t, "POST", base+"/message", "", map[string]string{"message": "hi"}); status != http.StatusUnauthorized {
		t.Errorf("a message without the token: %d", status)
	}
	if status, _ := ls.call(t, "POST", base+"/message", w.Token, map[string]string{"message": ""}); status != 200 {
		t.Errorf("taking the message down: %d", status)
	}
	ada.until("the message down", func(m bridge.WorkshopMessage) bool { return m.Message == "" })

	// "On my way" is pushed, not polled.
	if _, err := ada.cl.Hand(ctx, bridge.HandRaise, "stuck"); err != nil {
		t.Fatal(err)
	}
	ev := dash.until("the hand", func(ev dashEvent) bool { return ev.Kind == "hands" && len(ev.Hands) == 1 })
	if status, _ := ls.call(t, "POST", base+"/hands/"+strconv.FormatInt(ev.Hands[0].ID, 10), w.Token, map[string]string{"state": "coming"}); status != 200 {
		t.Fatalf("on my way: %d", status)
	}
	ada.until("on my way, pushed", func(m bridge.WorkshopMessage) bool { return m.Hand == bridge.HandComing })

	ls.call(t, "PATCH", base, w.Token, map[string]any{"locked_after": 0})
	ada.until("unlocked", func(m bridge.WorkshopMessage) bool { return m.LockedAfter == 0 && m.Hand == bridge.HandComing })
	if status, _, _ := ls.get(t, student, "/lab/datagrams?workshop="+w.Code); status != 200 {
		t.Errorf("the exercise unlocked: %d", status)
	}
	if _, err := ada.cl.Report(ctx, "datagrams", 0, lab.ProgressStep, ""); err != nil {
		t.Errorf("a report of the exercise unlocked: %v", err)
	}
}

// An instructor deletes one student: their progress and seat go, their
// session is closed with bridge.CloseRemoved, their hand comes down, the
// dashboards drop them; the other students go on.
func TestDeleteStudent(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Roll call", "exercises": []string{"round-trip"}, "max_students": 2})
	base := "/api/workshops/" + w.Code
	ada := ls.dialStudent(t, w.Code, ls.joinStudent(t, w.Code, "Ada"))
	bobCookie := ls.joinStudent(t, w.Code, "Bob")
	bob := ls.dialStudent(t, w.Code, bobCookie)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, cl := range []*bridge.Client{ada, bob} {
		if _, err := cl.Report(ctx, "round-trip", 0, lab.ProgressStep, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bob.Hand(ctx, bridge.HandRaise, ""); err != nil {
		t.Fatal(err)
	}
	bobID := bob.Hello().Workshop.Student.ID
	dash, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	dash.next()

	for path, want := range map[string]int{
		base + "/students/" + strconv.FormatInt(ada.Hello().Workshop.Student.ID+100, 10): http.StatusNotFound,
		base + "/students/bob": http.StatusNotFound,
		base + "/students/-1":  http.StatusNotFound,
	} {
		if status, body := ls.call(t, "DELETE", path, w.Token, nil); status != want {
			t.Errorf("DELETE %s = %d %s, want %d", path, status, body, want)
		}
	}
	path := base + "/students/" + strconv.FormatInt(bobID, 10)
	if status, _ := ls.call(t, "DELETE", path, "", nil); status != http.StatusUnauthorized {
		t.Errorf("DELETE without the token: %d", status)
	}
	if status, body := ls.call(t, "DELETE", path, w.Token, nil); status != http.StatusNoContent {
		t.Fatalf("DELETE %s = %d %s", path, status, body)
	}
	select {
	case <-bob.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the deleted student's session is still open")
	}
	if code := websocket.CloseStatus(bob.Err()); code != bridge.CloseRemoved || !strings.Contains(bob.Err().Error(), "removed you") {
		t.Errorf("the deleted student's session ended with %v (%d), want %d and why", bob.Err(), code, bridge.CloseRemoved)
	}
	var handDown, dropped bool
	dash.until("Bob's hand down and his row dropped", func(ev dashEvent) bool {
		handDown = handDown || ev.Kind == "hands" && len(ev.Hands) == 0
		dropped = dropped || ev.Kind == "removed" && ev.Student.ID == bobID
		if ev.Kind == "student" && ev.Student.ID == bobID {
			t.Errorf("a deleted student's change reached the dashboard: %+v", ev.Student)
		}
		return handDown && dropped
	})

	status, body := ls.call(t, "GET", base, w.Token, nil)
	var got workshopJSON
	if status != 200 || json.Unmarshal(body, &got) != nil || len(got.Students) != 1 || got.Students[0].Name != "Ada" || len(got.Students[0].Progress) != 1 {
		t.Errorf("the workshop after the deletion: %d %s", status, body)
	}
	if _, csv := ls.call(t, "GET", base+"/progress.csv", w.Token, nil); strings.Contains(string(csv), "Bob") || !strings.Contains(string(csv), "Ada") {
		t.Errorf("the CSV after the deletion:\n%s", csv)
	}
	if status, _ := ls.call(t, "DELETE", path, w.Token, nil); status != http.StatusNotFound {
		t.Errorf("DELETE again: %d", status)
	}
	dialCtx, dialCancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dialCancel()
	if cl, err := bridge.Dial(dialCtx, ls.url+"?workshop="+w.Code, &bridge.Options{Header: bobCookie}); err == nil {
		cl.Close()
		t.Error("the deleted student's cookie opened a session")
	}
	// Ada goes on; Bob's seat is free for another.
	if _, err := ada.Report(ctx, "round-trip", 1, lab.ProgressStep, ""); err != nil {
		t.Errorf("the other student's report: %v", err)
	}
	if resp := ls.joinAs(t, browser(t), w.Code, "Cy"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("joining in the freed seat: %d", resp.StatusCode)
	}
	select {
	case <-ada.Done():
		t.Errorf("the other student's session ended: %v", ada.Err())
	default:
	}
}
