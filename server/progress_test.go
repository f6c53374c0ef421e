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

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sock"
)

// joinStudent joins the workshop as name through the join page and
// returns the student's cookie, for a bridge client to carry.
func (ls *labServer) joinStudent(t *testing.T, code, name string) http.Header {
	t.Helper()
	c := browser(t)
	if resp := ls.joinAs(t, c, code, name); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("join = %d", resp.StatusCode)
	}
	u, _ := url.Parse("http://" + ls.addr)
	return http.Header{"Cookie": {c.Jar.Cookies(u)[0].String()}}
}

// dialStudent opens the student's bridge session in the workshop.
func (ls *labServer) dialStudent(t *testing.T, code string, cookie http.Header) *bridge.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := bridge.Dial(ctx, ls.url+"?workshop="+code, &bridge.Options{Header: cookie})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// The round-trip exercise's steps, as the worksheet numbers them.
const (
	stepSocket  = 0 // socket: the student's own call alone, nothing on the wire
	stepConnect = 1 // connect: its check needs the student's calls; its question reads the SYN
	stepAnswers = 3 // the server answers: its check is the server's calls and a packet
	stepReceive = 4 // recv: the echo's packet in, and the student's own call
	stepClose   = 5 // close: FINs both ways, the server's calls
)

// A workshop student's reports are stored, read back from another
// session, and confirmed (done) where the server saw every part of the
// step that shows on the wire, or no part of it does: a forged report of
// a step with a part on the wire is stored unconfirmed, and the API says
// what was not seen; the same report once the step is done is confirmed,
// though its check needs the student's own calls too; a step of the
// student's own calls alone is confirmed on the student's word.
func TestReportProgress(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Progress", "exercises": []string{"round-trip", "datagrams"}})
	cookie := ls.joinStudent(t, w.Code, "Ada")
	cl := ls.dialStudent(t, w.Code, cookie)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	report := func(step int, kind lab.ProgressKind, answer string) lab.ProgressRecord {
		t.Helper()
		r, err := cl.Report(ctx, "round-trip", step, kind, answer)
		if err != nil {
			t.Fatalf("report step %d %s: %v", step, kind, err)
		}
		if r.Exercise != "round-trip" || r.Step != step || r.Kind != kind || r.At.IsZero() || r.StudentID == 0 {
			t.Fatalf("report step %d %s stored %+v", step, kind, r)
		}
		return r
	}

	// Forged: nothing has crossed the bridge yet.
	if r := report(stepAnswers, lab.ProgressStep, ""); r.Confirmed {
		t.Fatalf("a forged report was confirmed: %+v", r)
	}
	if r := report(stepConnect, lab.ProgressAnswer, "49152"); r.Confirmed {
		t.Fatalf("a forged answer was confirmed: %+v", r)
	}
	if r := report(stepSocket, lab.ProgressStep, ""); !r.Confirmed {
		t.Fatalf("a step with nothing on the wire was not confirmed: %+v", r)
	}

	// The round trip, for real.
	s, err := cl.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	local, _ := s.LocalAddr()
	if err := s.SendAll(ctx, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(ctx, 1024); err != nil {
		t.Fatal(err)
	}
	// The server's sendall is recorded when it returns, which may be just
	// after the echo reached the client.
	deadline := time.Now().Add(5 * time.Second)
	for !report(stepAnswers, lab.ProgressStep, "").Confirmed {
		if time.Now().After(deadline) {
			t.Fatal("the step the server saw done is not confirmed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := report(stepReceive, lab.ProgressStep, ""); !r.Confirmed {
		t.Errorf("a step whose packet the server saw, and the student's recv, was not confirmed: %+v", r)
	}
	if r := report(stepConnect, lab.ProgressStep, ""); !r.Confirmed {
		t.Errorf("a step whose handshake the server saw, and the student's connect, was not confirmed: %+v", r)
	}
	// The question of the connect step reads the SYN, which the server
	// saw: the right answer is confirmed, a wrong one is stored as said.
	port := strconv.Itoa(int(local.Port()))
	if r := report(stepConnect, lab.ProgressAnswer, port); !r.Confirmed || r.Answer != "49152" {
		t.Errorf("the right answer after a forged one: %+v, want confirmed, the first answer kept", r)
	}

	// Another session of the student's reads the same records.
	cl.Close()
	again := ls.dialStudent(t, w.Code, cookie)
	recs, err := again.Progress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range recs {
		got[strconv.Itoa(r.Step)+string(r.Kind)] = r.Confirmed
	}
	want := map[string]bool{"0step": true, "3step": true, "1answer": true, "4step": true, "1step": true}
	if len(recs) != len(want) {
		t.Fatalf("progress = %+v, want %v", recs, want)
	}
	for k, v := range want {
		if c, ok := got[k]; !ok || c != v {
			t.Errorf("progress %s confirmed=%v (recorded %v), want %v", k, c, ok, v)
		}
	}
	// What the new session saw starts empty: its reports are its own.
	r, err := again.Report(ctx, "round-trip", stepClose, lab.ProgressStep, "")
	if err != nil || r.Confirmed {
		t.Errorf("report of a step not seen in this session = %+v, %v", r, err)
	}

	// The API says which: done, or not seen on the wire with the part
	// missing.
	status, body := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil)
	var api struct {
		Students []struct {
			Progress []progressJSON `json:"progress"`
		} `json:"students"`
	}
	if err := json.Unmarshal(body, &api); status != 200 || err != nil || len(api.Students) != 1 {
		t.Fatalf("GET = %d %v %s", status, err, body)
	}
	for _, p := range api.Students[0].Progress {
		unseen := p.Kind == lab.ProgressStep && p.Step == stepClose
		if p.Confirmed == unseen || (p.Missing != "") != unseen {
			t.Errorf("API's record %+v: want confirmed %v", p, !unseen)
		}
		if unseen && !strings.Contains(p.Missing, "a FIN packet from the student’s host to port 7") {
			t.Errorf("missing = %q, want the FIN out", p.Missing)
		}
	}
}

// Reports are bounded: fields as the domain validates them, only the
// workshop's exercises and their steps, and MaxReports a session; a
// report or a progress request outside a workshop is refused. Each
// refusal is an error message, and the session goes on.
func TestReportBounds(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Bounds", "exercises": []string{"round-trip"}})
	cl := ls.dialStudent(t, w.Code, ls.joinStudent(t, w.Code, "Bob"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, tc := range []struct {
		exercise string
		step     int
		kind     lab.ProgressKind
		answer   string
		refusal  string
	}{
		{"datagrams", 0, lab.ProgressStep, "", "not one of the workshop's"},
		{"no-such", 0, lab.ProgressStep, "", "not one of the workshop's"},
		{"Round Trip", 0, lab.ProgressStep, "", "lowercase"},
		{"round-trip", 6, lab.ProgressStep, "", "has 6 steps"},
		{"round-trip", -1, lab.ProgressStep, "", "step -1"},
		{"round-trip", 0, "done", "", "progress kind"},
		{"round-trip", 0, lab.ProgressStep, "7", "no answer"},
		{"round-trip", 1, lab.ProgressAnswer, "", "answer is empty"},
		{"round-trip", 1, lab.ProgressAnswer, strings.Repeat("9", lab.MaxAnswerLen+1), "more than"},
		{"round-trip", 1, lab.ProgressAnswer, "1\n2", "control character"},
	} {
		_, err := cl.Report(ctx, tc.exercise, tc.step, tc.kind, tc.answer)
		if err == nil || !strings.Contains(err.Error(), tc.refusal) {
			t.Errorf("report %q step %d %q %.20q: %v, want a refusal saying %q", tc.exercise, tc.step, tc.kind, tc.answer, err, tc.refusal)
		}
	}
	for i := range bridge.MaxReports {
		if _, err := cl.Report(ctx, "round-trip", i%6, lab.ProgressStep, ""); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
	}
	if _, err := cl.Report(ctx, "round-trip", 0, lab.ProgressStep, ""); err == nil || !strings.Contains(err.Error(), "reports in one session") {
		t.Errorf("report %d: %v, want refused", bridge.MaxReports+1, err)
	}
	if recs, err := cl.Progress(ctx); err != nil || len(recs) != 6 {
		t.Errorf("progress after the flood = %d records, %v; want 6", len(recs), err)
	}

	alone, err := bridge.Dial(ctx, ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer alone.Close()
	if _, err := alone.Report(ctx, "round-trip", 0, lab.ProgressStep, ""); err == nil || !strings.Contains(err.Error(), "not in a workshop") {
		t.Errorf("report outside a workshop: %v", err)
	}
	if _, err := alone.Progress(ctx); err == nil {
		t.Error("progress outside a workshop: no error")
	}
}

// What a session keeps of what it saw is bounded: maxSeen events, each
// packet cut to maxSeenBytes, the oldest let go first; nothing once the
// session ends.
func TestSeenBounded(t *testing.T) {
	you := lab.StudentAddr(1)
	s := newSeen(you)
	big := make([]byte, MTU)
	big[0] = 0x45
	for i := range 3 * maxSeen {
		s.packet(i%2 == 0, big)
		s.event(lab.Event{Kind: lab.KindCall, Host: "10.0.0.1", Call: &lab.Call{Name: "recv", Args: []string{strings.Repeat("x", 1000)}, Result: strings.Repeat("y", 1<<16)}})
	}
	if len(s.ring) != maxSeen {
		t.Fatalf("%d events kept, want %d", len(s.ring), maxSeen)
	}
	for _, e := range s.ring {
		if len(e.data) > maxSeenBytes {
			t.Fatalf("kept %d bytes of a packet", len(e.data))
		}
	}
	evs := s.events()
	seqs := map[uint64]bool{}
	for _, e := range evs {
		seqs[e.Seq] = true
	}
	if len(evs) != maxSeen || len(seqs) != maxSeen || !seqs[1] || !seqs[maxSeen] {
		t.Fatalf("events: %d, numbered %d times from 1 to %d, want each of 1…%d once", len(evs), len(seqs), maxSeen, maxSeen)
	}
	for _, e := range evs {
		if e.Call != nil && (e.Call.Name != "recv" || e.Call.Args != nil || e.Call.Result != "") {
			t.Fatalf("kept a call's arguments or result, or not its name: %+v", e.Call)
		}
	}
	// The lab server's calls every student is sent are kept once for all.
	other := newSeen(lab.StudentAddr(2))
	other.event(lab.Event{Kind: lab.KindCall, Host: "10.0.0.1", Call: &lab.Call{Name: "recv"}})
	if last := s.ring[(s.next+maxSeen-1)%maxSeen]; other.ring[0].rec != last.rec {
		t.Error("two students' records of one call are not shared")
	}
	s.release()
	s.packet(true, big)
	if s.ring != nil || len(s.events()) != 0 {
		t.Error("a released record keeps events")
	}
}
