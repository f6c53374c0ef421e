package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// The workshop surface's attacks (issue 26), each an entry of TestHostile's
// table: a workshop's student who mirrors a trace built to cost the
// server, look-ins that pile up or never read, deletions while someone is
// watched, a flood past the rate limit that would fill the log, and a
// code's existence read from a page.

// watchedStudent is a workshop's student whose session is a raw client,
// mirroring what the test makes it once someone watches.
type watchedStudent struct {
	ls *labServer
	w  workshopJSON
	c  *client
	id int64
}

// newWatched creates a workshop and joins a student to it, in a session.
func newWatched(t *testing.T, ls *labServer, title string) *watchedStudent {
	t.Helper()
	w := ls.create(t, map[string]any{"title": title})
	return joinWatched(t, ls, w, "Mallory")
}

// joinWatched joins a student named name to w, in a session.
func joinWatched(t *testing.T, ls *labServer, w workshopJSON, name string) *watchedStudent {
	t.Helper()
	cookie := ls.joinStudent(t, w.Code, name)
	wls := *ls
	wls.url += "?workshop=" + w.Code
	c := dial(t, &wls, cookie)
	return &watchedStudent{ls: ls, w: w, c: c, id: c.hello.Workshop.Student.ID}
}

// tracePath is the student's look-in stream.
func (s *watchedStudent) tracePath() string {
	return "/api/workshops/" + s.w.Code + "/students/" + strconv.FormatInt(s.id, 10) + "/trace"
}

// openTrace opens a trace stream at path from the address from (an
// X-Forwarded-For, "" for none), read and thrown away until the test ends
// or the server ends it; ended is closed then.
func openTrace(t *testing.T, ls *labServer, path, token, from string) (status int, ended chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ls.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ended = make(chan struct{})
	go func() {
		defer close(ended)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	t.Cleanup(func() { cancel(); <-ended })
	return resp.StatusCode, ended
}

// stalledTrace opens a trace stream at path on a connection with a small
// receive buffer that is never read, as a client that stalls does.
func stalledTrace(t *testing.T, ls *labServer, path, token string) {
	t.Helper()
	c, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetReadBuffer(4096)
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", path, ls.addr, token)
}

// textOf reads messages until a text message of the type typ, and returns
// it; packets and other messages are skipped.
func (c *client) textOf(typ string) []byte {
	c.t.Helper()
	for {
		mt, b, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for a %q message: %v", typ, err)
		}
		var env bridge.Envelope
		if mt == websocket.TextMessage && json.Unmarshal(b, &env) == nil && env.Type == typ {
			return b
		}
	}
}

// mirror sends a mirror request of evs (each a JSON object) and returns
// how many the server took, or the error it answered with.
func (c *client) mirror(id uint64, evs ...string) (taken int, refused string) {
	c.t.Helper()
	c.write(websocket.TextMessage, fmt.Appendf(nil, `{"type":"mirror","id":%d,"events":[%s]}`, id, strings.Join(evs, ",")))
	for {
		mt, b, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for the mirror's answer: %v", err)
		}
		var m struct {
			Type    string `json:"type"`
			ID      uint64 `json:"id"`
			Taken   int    `json:"taken"`
			Message string `json:"message"`
		}
		if mt != websocket.TextMessage || json.Unmarshal(b, &m) != nil || m.ID != id {
			continue
		}
		switch m.Type {
		case bridge.TypeMirror:
			return m.Taken, ""
		case bridge.TypeError:
			return 0, m.Message
		}
	}
}

// callEvent is a send call's event whose argument is n bytes: a large
// event, as a student's trace may well hold.
func callEvent(seq, n int) string {
	return fmt.Sprintf(`{"seq":%d,"time":"2026-01-01T00:00:00Z","host":"10.0.1.1","kind":"call","call":{"socket":3,"proto":"tcp","name":"send","args":["%s"],"result":"%d","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:00Z"}}`,
		seq, strings.Repeat("a", n), n)
}

// emptyOptionsEvent is a packet event of about bridge.MaxMirrorEvent
// bytes whose TCP options list holds thousands of empty objects: 3 bytes
// each on the wire, a lab.TCPOption (48 bytes) each once decoded.
func emptyOptionsEvent(seq int) string {
	head := fmt.Sprintf(`{"seq":%d,"time":"2026-01-01T00:00:00Z","host":"10.0.1.1","kind":"packet","packet":{"iface":"eth0","dir":"out","protocol":"TCP","src":"","dst":"","length":0,"summary":"","ipv4":{},"tcp":{"options":{"list":[{}`, seq)
	const tail = `]}},"data":""}}`
	n := (bridge.MaxMirrorEvent - len(head) - len(tail) - 16) / 3
	return head + strings.Repeat(`,{}`, n) + tail
}

// keptBytes is what the server keeps of a student's mirrored trace: its
// events, and their bytes once decoded.
func (ls *labServer) keptBytes(s *watchedStudent) (events, bytes int) {
	code, _ := lab.ParseCode(s.w.Code)
	m := ls.workshops.mirrors
	m.mu.Lock()
	defer m.mu.Unlock()
	if mr := m.students[mirrorKey{code, s.id}]; mr != nil {
		for _, e := range mr.events {
			events++
			bytes += bridge.EventFootprint(&e.ev)
		}
	}
	return events, bytes
}

// The attack (issue 26, 1): one 16 KB mirrored event whose TCP options
// list holds thousands of empty objects decoded to about 260 KB, and was
// kept: four students mirroring such events took the live heap from 8 to
// 551 MB. The server refuses an event whose decoded size is over
// bridge.MaxMirrorFootprint, keeps nothing of it, and takes the student's
// next honest event.
func mirroredEmptyObjects(t *testing.T, ls *labServer, _ *client) {
	s := newWatched(t, ls, "Empty objects")
	if status, _ := openTrace(t, ls, s.tracePath(), s.w.Token, ""); status != http.StatusOK {
		t.Fatalf("the look-in: %d", status)
	}
	s.c.textOf(bridge.TypeWatch)
	base := liveHeap()
	ev := emptyOptionsEvent(1)
	for i := range 20 {
		taken, refused := s.c.mirror(uint64(i+1), ev, ev, ev)
		if taken != 0 || !strings.Contains(refused, "decoded") {
			t.Fatalf("a mirror of %d-byte events of empty objects: %d taken, refused %q; want refused for their decoded size", len(ev), taken, refused)
		}
	}
	grew := int64(liveHeap()) - int64(base)
	if n, _ := ls.keptBytes(s); n != 0 || grew > 1<<20 {
		t.Errorf("after 60 refused events: %d kept, live heap grew by %d bytes (at most 1 MB)", n, grew)
	}
	if taken, refused := s.c.mirror(100, callEvent(1, 100)); taken != 1 {
		t.Errorf("an honest event after the refusals: %d taken, refused %q", taken, refused)
	}
	t.Logf("an event of %d bytes is a lab.Event of %d bytes decoded; live heap grew by %d bytes over 60 refused", len(ev), footprintOf(t, ev), grew)
}

// footprintOf decodes ev as the JSON decoder would, without the bound,
// and measures it.
func footprintOf(t *testing.T, ev string) int {
	var e lab.Event
	if err := json.Unmarshal([]byte(ev), &e); err != nil {
		t.Fatal(err)
	}
	return bridge.EventFootprint(&e)
}

// The attack (issue 26, 1): the server kept a watched student's last 500
// events whatever their size, and every look-in or projector stream
// marshalled all of them at once (about 90 MB with the events above) and
// held them while a client that did not read kept its write waiting for
// up to 10 s: ten look-ins took the live heap to 2.6 GB. The server keeps
// at most maxMirrorKeptBytes of a student's events, sends a stream's
// events a part of at most maxTracePart bytes at a time, and opens at most
// maxTraceStreamsPerAddress trace streams for one address and
// maxTraceStreamsPerWorkshop for one workshop (429 past them).
func lookinStreams(t *testing.T, ls *labServer, _ *client) {
	s := newWatched(t, ls, "Look-ins")
	// The spotlight has the student mirror, with no stream to keep up.
	if status, body := ls.call(t, "PUT", "/api/workshops/"+s.w.Code+"/spotlight", s.w.Token, map[string]any{"student": s.id}); status != 200 {
		t.Fatalf("spotlight: %d %s", status, body)
	}
	s.c.textOf(bridge.TypeWatch)
	base := liveHeap()
	const size = 15 << 10 // each about 15 KB, as a large send's call event
	for i := 0; i < bridge.MaxMirrorKept; i += 4 {
		if taken, refused := s.c.mirror(uint64(i+1), callEvent(i+1, size), callEvent(i+2, size), callEvent(i+3, size), callEvent(i+4, size)); taken != 4 {
			t.Fatalf("a mirror of 4 events of 15 KB: %d taken, refused %q", taken, refused)
		}
	}
	n, kept := ls.keptBytes(s)
	filled := liveHeap()
	t.Logf("%d events of 15 KB mirrored: %d kept, %d bytes decoded; live heap grew by %d bytes", bridge.MaxMirrorKept, n, kept, int64(filled)-int64(base))
	if kept > maxMirrorKeptBytes || int64(filled)-int64(base) > 2*maxMirrorKeptBytes {
		t.Errorf("kept %d bytes of a student's events, and the live heap grew by %d; want at most %d kept, and twice that grown",
			kept, int64(filled)-int64(base), maxMirrorKeptBytes)
	}

	// Look-ins that never read, up to the address's bound: each holds
	// at most a part of the trace while its write waits.
	stalled := maxTraceStreamsPerAddress
	for range stalled {
		stalledTrace(t, ls, s.tracePath(), s.w.Token)
	}
	waitFor(t, "the stalled look-ins to open", func() bool { return ls.workshops.mirrors.streams.open() == stalled })
	time.Sleep(500 * time.Millisecond) // their first writes fill the connections
	held := int64(liveHeap()) - int64(filled)
	t.Logf("%d look-ins that never read: the live heap grew by %d bytes", stalled, held)
	if held > int64(stalled)*4*maxTracePart+(1<<20) {
		t.Errorf("%d look-ins that never read hold %d bytes, want at most %d each (4 parts) and 1 MB", stalled, held, 4*maxTracePart)
	}
	if status, _ := openTrace(t, ls, s.tracePath(), s.w.Token, ""); status != http.StatusTooManyRequests {
		t.Errorf("a look-in over the address's %d: %d, want 429", maxTraceStreamsPerAddress, status)
	}
	projector := "/api/workshops/" + s.w.Code + "/spotlight/trace"
	for i := maxTraceStreamsPerAddress; i < maxTraceStreamsPerWorkshop; i++ {
		if status, _ := openTrace(t, ls, projector, s.w.Token, fmt.Sprintf("192.0.2.%d", i)); status != http.StatusOK {
			t.Fatalf("trace stream %d of the workshop, from an address of its own: %d", i+1, status)
		}
	}
	if status, _ := openTrace(t, ls, projector, s.w.Token, "198.51.100.1"); status != http.StatusTooManyRequests {
		t.Errorf("a trace stream over the workshop's %d: %d, want 429", maxTraceStreamsPerWorkshop, status)
	}
	// Another workshop's look-in is not held to this one's bound.
	other := newWatched(t, ls, "Another class")
	if status, _ := openTrace(t, ls, other.tracePath(), other.w.Token, "198.51.100.2"); status != http.StatusOK {
		t.Errorf("another workshop's look-in: %d", status)
	}
	other.c.textOf(bridge.TypeWatch)
	if taken, _ := other.c.mirror(1, callEvent(1, 10)); taken != 1 {
		t.Errorf("another workshop's student mirrors: %d taken", taken)
	}
}

// waitFor polls ok until it holds, for 10 s at most.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// The attack (issue 26, 2): deleting a workshop, or a student, while the
// student was spotlit or looked in on left their trace with the server
// for good: three rounds took the live heap from 8 to 432 MB, unchanged
// 30 s later with no session left. Each round here spotlights a student
// and deletes them, then spotlights another, opens a look-in on them and
// deletes the workshop, each after mirroring about 2 MB; the look-in's
// stream ends with the workshop, and after three rounds the live heap is
// back within 1 MB of where it began.
func deleteWatched(t *testing.T, ls *labServer, _ *client) {
	round := func(i int) (peak uint64) {
		w := ls.create(t, map[string]any{"title": fmt.Sprintf("Round %d", i)})
		a, b := joinWatched(t, ls, w, "Ada"), joinWatched(t, ls, w, "Bob")
		spotlight := "/api/workshops/" + w.Code + "/spotlight"
		fill := func(s *watchedStudent) {
			s.c.textOf(bridge.TypeWatch)
			for j := 0; j < 120; j += 4 {
				s.c.mirror(uint64(j+1), callEvent(j+1, 15<<10), callEvent(j+2, 15<<10), callEvent(j+3, 15<<10), callEvent(j+4, 15<<10))
			}
			if n, _ := ls.keptBytes(s); n == 0 {
				t.Fatalf("round %d: nothing of %d's trace kept", i, s.id)
			}
		}
		if status, body := ls.call(t, "PUT", spotlight, w.Token, map[string]any{"student": b.id}); status != 200 {
			t.Fatalf("spotlight: %d %s", status, body)
		}
		fill(b)
		peak = liveHeap()
		if status, body := ls.call(t, "DELETE", "/api/workshops/"+w.Code+"/students/"+strconv.FormatInt(b.id, 10), w.Token, nil); status != 204 {
			t.Fatalf("delete a student: %d %s", status, body)
		}
		b.c.closed()
		if status, body := ls.call(t, "PUT", spotlight, w.Token, map[string]any{"student": a.id}); status != 200 {
			t.Fatalf("spotlight: %d %s", status, body)
		}
		status, ended := openTrace(t, ls, a.tracePath(), w.Token, "")
		if status != 200 {
			t.Fatalf("look-in: %d", status)
		}
		fill(a)
		if status, body := ls.call(t, "DELETE", "/api/workshops/"+w.Code, w.Token, nil); status != 204 {
			t.Fatalf("delete the workshop: %d %s", status, body)
		}
		a.c.closed()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Errorf("round %d: the look-in's stream goes on after its workshop was deleted", i)
		}
		return peak
	}
	round(0) // the store's and the pools' first use
	base := liveHeap()
	var peak uint64
	for i := 1; i <= 3; i++ {
		peak = max(peak, round(i))
	}
	after := liveHeap()
	t.Logf("live heap: %d bytes at the start, %d at a round's peak, %d after three rounds", base, peak, after)
	if peak < base+(1<<20) {
		t.Fatalf("a round's mirrored trace took %d bytes: too little for the test to tell a leak", int64(peak)-int64(base))
	}
	if after > base+(1<<20) {
		t.Errorf("after three rounds of deletions the live heap grew by %d bytes, want at most 1 MB", after-base)
	}
	ls.workshops.mirrors.mu.Lock()
	defer ls.workshops.mirrors.mu.Unlock()
	if n, s := len(ls.workshops.mirrors.students), len(ls.workshops.mirrors.spots); n != 0 || s != 0 {
		t.Errorf("after the deletions: %d students' mirrors and %d spotlights kept, want none", n, s)
	}
}

// logLines is a log, as lines, safe for the server's goroutines.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

// count is the lines that hold s, and the log's bytes.
func (l *logLines) count(s string) (lines, size int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			lines++
		}
	}
	return lines, l.buf.Len()
}

// floodLog is a server whose log the flood attack reads: sessions closed
// after 500 messages dropped for their rate.
func floodLog() (Config, *logLines) {
	l := &logLines{}
	return Config{Log: slog.New(slog.NewTextHandler(l, nil)), RateDropLimit: 500}, l
}

// The attack (issue 26, 5): past the rate limit, every message from the
// session was logged and ended it again, pings too, which are read while
// the close handshake runs: 56 MB of log (358,794 lines) in 32 s from one
// address. A session logs its abuse once, answers and counts nothing once
// it has ended (and gives up on the handshake of a client that goes on
// sending), and the server logs a line repeated by many sessions at most
// logBurst times, then logEvery, with the count of those left out.
func logFlood(logs *logLines) func(t *testing.T, ls *labServer, _ *client) {
	return func(t *testing.T, ls *labServer, _ *client) {
		flood := func() (session string, pings int) {
			bad := dial(t, ls, nil)
			done := make(chan struct{})
			go func() {
				defer close(done)
				bad.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
				for {
					if _, _, err := bad.ws.ReadMessage(); err != nil {
						return
					}
				}
			}()
			for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); pings++ {
				if bad.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
					break
				}
			}
			bad.ws.Close()
			<-done
			return bad.hello.Session, pings
		}
		id, pings := flood()
		ls.waitStats(t, "the flood's session to end", func(st Stats) bool { return st.SessionsCurrent == 1 })
		lines, size := logs.count(id)
		t.Logf("%d pings in 3 s from one session: %d log lines name it, %d bytes of log in all", pings, lines, size)
		if lines > 4 {
			t.Errorf("one session over its rate: %d log lines, want at most 4 (its start, its abuse, its close, its end)", lines)
		}
		// Two bursts' worth, and one more a logEvery after the first: the
		// line that says how many were left out is the first written
		// after a refill, and the floods may all end within logEvery.
		const sessions = 2*logBurst + 1
		start := time.Now()
		for range sessions - 1 {
			flood()
		}
		time.Sleep(time.Until(start.Add(logEvery)))
		flood()
		ls.waitStats(t, "the floods' sessions to end", func(st Stats) bool { return st.SessionsCurrent == 1 })
		// The burst, one more a logEvery since, and the first session's.
		bound := logBurst + int(time.Since(start)/logEvery) + 2
		closing, size := logs.count("stays over its packet rate")
		t.Logf("%d more sessions over their rate in %v: %d lines say so, %d bytes of log in all", sessions, time.Since(start).Round(time.Millisecond), closing, size)
		if closing > bound {
			t.Errorf("%d sessions closed for their rate: %d lines say so, want at most %d", sessions+1, closing, bound)
		}
		if suppressed, _ := logs.count("suppressed="); suppressed == 0 {
			t.Error("no log line says how many lines were left out")
		}
		if st := ls.Stats(); st.Closed[bridge.ClosePolicy] != sessions+1 {
			t.Errorf("sessions closed with 1008: %d, want %d", st.Closed[bridge.ClosePolicy], sessions+1)
		}
	}
}

// The attack (issue 26, 7): GET /workshop/{code} showed the code in its
// canonical form only for a code that exists: 69,191 tries in 20 s, no
// 429. Without credentials, every page and endpoint that takes a code
// answers an unknown code as it answers a known one, however typed.
func existenceOracle(t *testing.T, ls *labServer, _ *client) {
	w := ls.create(t, map[string]any{"title": "A secret title"})
	known, _ := lab.ParseCode(w.Code)
	unknown := lab.NewCode()
	forms := map[string]func(string) string{
		"as given":   lab.FormatCode,
		"lower case": func(c string) string { return strings.ToLower(lab.FormatCode(c)) },
		"no dash":    func(c string) string { return strings.ToLower(c) },
	}
	paths := []string{
		"/workshop/%s", "/workshop/%s/projector", "/workshop/%s/students/1",
		"/api/workshops/%s", "/api/workshops/%s/events", "/api/workshops/%s/progress.csv",
		"/api/workshops/%s/students/1/trace", "/api/workshops/%s/spotlight/trace",
	}
	get := func(p, code, typed string) (int, string) {
		resp, err := http.Get("http://" + ls.addr + fmt.Sprintf(p, typed))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// Each code as typed, and in its canonical form, reads the
		// same; the one shown in place of the other does not.
		body := strings.NewReplacer(lab.FormatCode(code), "CANONICAL", typed, "TYPED").Replace(string(b))
		return resp.StatusCode, body
	}
	for name, form := range forms {
		for _, p := range paths {
			ks, kb := get(p, known, form(known))
			us, ub := get(p, unknown, form(unknown))
			if ks != us || kb != ub {
				t.Errorf("GET %s, code %s: a known code %d, an unknown one %d; the bodies differ: %v", p, name, ks, us, kb != ub)
			}
			if ks == http.StatusTooManyRequests {
				t.Errorf("GET %s, code %s: 429 without a guess", p, name)
			}
		}
	}
}

// handRequest sends a hand request and returns the state it answers, or
// the error it answers with.
func (c *client) handRequest(id uint64, action, message string) (state, refused string) {
	c.t.Helper()
	req, _ := json.Marshal(bridge.HandRequest{Type: bridge.TypeHand, ID: id, Action: action, Message: message})
	c.write(websocket.TextMessage, req)
	for {
		mt, b, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for the hand's answer: %v", err)
		}
		var m struct {
			Type    string `json:"type"`
			ID      uint64 `json:"id"`
			State   string `json:"state"`
			Message string `json:"message"`
		}
		if mt != websocket.TextMessage || json.Unmarshal(b, &m) != nil || m.ID != id {
			continue
		}
		if m.Type == bridge.TypeError {
			return "", m.Message
		}
		return m.State, ""
	}
}

// The attack (issue 26, 8): each raise republished the whole queue: one
// student's 15,910 raises, each with a message of its own, sent 115.7 MB
// to the dashboard in 10 s. A student's hand requests that change the
// queue are bounded (handBurst, refilled at as many a handWindow: a
// refusal in words past it), and the queue goes to a dashboard at most
// once a batch, the latest only. Another student's hand still goes up,
// and the dashboard sees it. The server runs without its message rate,
// which would otherwise drop much of the flood before it is read.
func handFlood(t *testing.T, ls *labServer, _ *client) {
	w := ls.create(t, map[string]any{"title": "Hands"})
	bad := joinWatched(t, ls, w, "Mallory")
	good := joinWatched(t, ls, w, "Ada")
	dash, status := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	if status != http.StatusOK {
		t.Fatalf("the dashboard's stream: %d", status)
	}
	if event, _ := dash.next(); event != "snapshot" {
		t.Fatalf("the stream began with %q", event)
	}
	// Ada's hand is up with a long message: the queue the flood made the
	// server send again and again.
	if state, refused := good.c.handRequest(1, bridge.HandRaise, strings.Repeat("x", bridge.MaxHandMessage)); state != bridge.HandWaiting {
		t.Fatalf("Ada raises her hand: %q, refused %q", state, refused)
	}
	var (
		mu                        sync.Mutex
		sent, batches, maxInBatch int
		queues                    int
		sawAda                    bool
	)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			line, err := dash.r.ReadString('\n')
			if err != nil {
				return
			}
			mu.Lock()
			sent += len(line)
			if strings.HasPrefix(line, "data: ") {
				n := strings.Count(line, `"kind":"hands"`)
				batches++
				queues += n
				maxInBatch = max(maxInBatch, n)
				sawAda = sawAda || strings.Contains(line, "my connect times out")
			}
			mu.Unlock()
		}
	}()
	start := time.Now()
	var raised, refusals int
	var refusal string
	for i := 0; time.Since(start) < 2*time.Second; i++ {
		state, refused := bad.c.handRequest(uint64(i+1), bridge.HandRaise, fmt.Sprintf("help %d", i))
		if refused != "" {
			refusals++
			refusal = refused
		} else if state == bridge.HandWaiting {
			raised++
		}
	}
	took := time.Since(start)
	time.Sleep(2 * batchInterval) // the last batch goes out
	mu.Lock()
	t.Logf("%d raises in %v, %d taken, %d refused (%q): %d bytes in %d batches to the dashboard, %d queues, at most %d a batch",
		raised+refusals, took.Round(time.Millisecond), raised, refusals, refusal, sent, batches, queues, maxInBatch)
	if bound := handBurst + int(took*handBurst/handWindow) + 1; raised > bound {
		t.Errorf("%d raises taken in %v, want at most %d", raised, took, bound)
	}
	if refusals == 0 || !strings.Contains(refusal, "too many") {
		t.Errorf("%d refusals, the last %q; want refusals that say why", refusals, refusal)
	}
	if maxInBatch > 1 {
		t.Errorf("a batch to the dashboard held %d queues, want at most 1 (the latest)", maxInBatch)
	}
	mu.Unlock()

	// Ada takes her hand down and raises it again; the dashboard sees
	// it, though Mallory's requests are refused.
	if state, refused := good.c.handRequest(2, bridge.HandLower, ""); state != bridge.HandNone {
		t.Errorf("Ada lowers her hand: %q, refused %q", state, refused)
	}
	if state, refused := good.c.handRequest(3, bridge.HandRaise, "my connect times out"); state != bridge.HandWaiting {
		t.Errorf("Ada raises her hand again: %q, refused %q", state, refused)
	}
	waitFor(t, "Ada's hand on the dashboard", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return sawAda
	})
	// Mallory's allowance refills at one every 2 s: of five raises at
	// once, at most the last seconds' are taken.
	taken := 0
	for i := range 5 {
		if _, refused := bad.c.handRequest(uint64(1<<40+i), bridge.HandRaise, fmt.Sprintf("again %d", i)); refused == "" {
			taken++
		}
	}
	if bound := int(time.Since(start)-took)*handBurst/int(handWindow) + 1; taken > bound {
		t.Errorf("Mallory's five raises after the flood: %d taken, want at most %d", taken, bound)
	}
	dash.resp.Body.Close()
	<-readDone
}

// The attack (issue 26, 4): after 10 wrong codes from one address,
// everything from it got 429: the instructor's call with a valid token,
// a joined student's page and bridge reconnect; one guess every 6 s kept
// it so. Here the wrong codes, the class and its instructor share
// 127.0.0.1, as a school's NAT. Past the address's guesses, every request
// that carries a credential that holds (the workshop's token, the
// instructor's key or cookie, a student's cookie) is served; a guess is
// still refused, a wrong credential and a known code alone too, the same
// as an unknown code.
func sharedAddress(t *testing.T, ls *labServer, _ *client) {
	const key = "sesame-key"
	status, body := ls.call(t, "POST", "/api/workshops", key, map[string]any{"title": "Behind one NAT"})
	var w workshopJSON
	if status != http.StatusCreated || json.Unmarshal(body, &w) != nil {
		t.Fatalf("create a workshop with the key: %d %s", status, body)
	}
	ada := browser(t)
	if resp := ls.joinAs(t, ada, w.Code, "Ada"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Ada joins: %d", resp.StatusCode)
	}
	signedIn := browser(t)
	if status, _, _ := ls.get(t, signedIn, "/teach?key="+key); status != http.StatusSeeOther {
		t.Fatalf("the instructor signs in: %d", status)
	}
	dashboard := browser(t)
	if status, _ := ls.callIn(t, dashboard, "POST", "/workshop/"+w.Code+"/session", map[string]any{"token": w.Token}); status != http.StatusNoContent {
		t.Fatalf("the dashboard's sign-in: %d", status)
	}
	guesser := browser(t)
	for i := 0; ; i++ {
		status, _, _ := ls.get(t, guesser, "/join/"+lab.FormatCode(lab.NewCode()))
		if status == http.StatusTooManyRequests {
			t.Logf("429 after %d wrong codes", i)
			break
		}
		if status != http.StatusNotFound || i > guessBurst {
			t.Fatalf("wrong code %d: %d", i+1, status)
		}
	}
	u, _ := url.Parse("http://" + ls.addr)
	adaCookie := http.Header{"Cookie": {ada.Jar.Cookies(u)[0].String()}}
	served := []struct {
		what   string
		status func() int
		want   int
	}{
		{"the API with the workshop's token", func() int { s, _ := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil); return s }, 200},
		{"the API with the instructor key", func() int { s, _ := ls.call(t, "GET", "/api/workshops/"+w.Code, key, nil); return s }, 200},
		{"a new workshop with the instructor key", func() int {
			s, _ := ls.call(t, "POST", "/api/workshops", key, map[string]any{"title": "Another"})
			return s
		}, 201},
		{"the sign-in with the right key", func() int { s, _, _ := ls.get(t, browser(t), "/teach?key="+key); return s }, 303},
		{"the dashboard's stream with its cookie", func() int {
			_, s := ls.openStream(t, dashboard, w.Code, "")
			return s
		}, 200},
		{"the dashboard's sign-in with the token", func() int {
			s, _ := ls.callIn(t, browser(t), "POST", "/workshop/"+w.Code+"/session", map[string]any{"token": w.Token})
			return s
		}, 204},
		{"the API with the instructor's cookie", func() int { s, _ := ls.callIn(t, signedIn, "GET", "/api/workshops/"+w.Code, nil); return s }, 200},
		{"the student's page with her cookie", func() int { s, _, _ := ls.get(t, ada, "/w/"+w.Code); return s }, 200},
		{"the join page with her cookie", func() int { s, _, _ := ls.get(t, ada, "/join/"+w.Code); return s }, 303},
		{"the join QR code with her cookie", func() int { s, _, _ := ls.get(t, ada, "/join/"+w.Code+"/qr.svg"); return s }, 200},
		{"a wrong code", func() int { s, _, _ := ls.get(t, guesser, "/join/"+lab.FormatCode(lab.NewCode())); return s }, 429},
		{"the right code alone", func() int { s, _, _ := ls.get(t, guesser, "/join/"+w.Code); return s }, 429},
		{"a join with the right code alone", func() int { return ls.joinAs(t, guesser, w.Code, "Mallory").StatusCode }, 429},
		{"the API with a wrong token", func() int { s, _ := ls.call(t, "GET", "/api/workshops/"+w.Code, "WRONG", nil); return s }, 429},
		{"the API with an unknown code", func() int {
			s, _ := ls.call(t, "GET", "/api/workshops/"+lab.FormatCode(lab.NewCode()), w.Token, nil)
			return s
		}, 429},
		{"the sign-in with a wrong key", func() int { s, _, _ := ls.get(t, guesser, "/teach?key=guess"); return s }, 429},
	}
	for _, c := range served {
		if got := c.status(); got != c.want {
			t.Errorf("%s past the address's wrong guesses: %d, want %d", c.what, got, c.want)
		}
	}
	// Ada's bridge reconnects, and her session works.
	cl := ls.dialStudent(t, w.Code, adaCookie)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if state, err := cl.Hand(ctx, bridge.HandStatus, ""); err != nil || state != bridge.HandNone {
		t.Errorf("Ada's reconnected session: %q, %v", state, err)
	}
	// A bridge with an unknown code is still refused.
	wls := *ls
	wls.url += "?workshop=" + lab.FormatCode(lab.NewCode())
	if _, resp, err := websocket.DefaultDialer.Dial(wls.url, adaCookie); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a bridge with an unknown code: %v, want 429", err)
	}
}

// callIn makes an API request in c, with its cookies and this server as
// the Origin, and returns the status and the body.
func (ls *labServer) callIn(t *testing.T, c *http.Client, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, "http://"+ls.addr+path, r)
	req.Header.Set("Origin", "http://"+ls.addr)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// The attack (issue 26, 3): workshop students skip the per-address
// bounds, so 40 self-made workshops of 300 filled all 9,999 free seats
// from one address in 50 s, and a new student elsewhere got 1013 "the
// lab server is full". The workshops' seats together are bounded
// (MaxWorkshopSeats, half of MaxSessions): a workshop past it is refused
// with the reason in words. Here, of 100 sessions, workshops may take 50
// seats; a class of 30 behind one address gets in, and a session
// outside any workshop still does.
func workshopSeats(t *testing.T, ls *labServer, _ *client) {
	var made []workshopJSON
	var refused string
	for range 4 {
		status, body := ls.call(t, "POST", "/api/workshops", "", map[string]any{"title": "Mine", "max_students": 30})
		if status != http.StatusCreated {
			refused = fmt.Sprintf("%d %s", status, body)
			break
		}
		var w workshopJSON
		json.Unmarshal(body, &w)
		made = append(made, w)
	}
	t.Logf("%d workshops of 30 made from one address, then %s", len(made), refused)
	if len(made) != 1 || !strings.HasPrefix(refused, "409") || !strings.Contains(refused, "seats") {
		t.Fatalf("%d workshops of 30 made of 100 sessions, then %q; want 1, then 409 saying why", len(made), refused)
	}
	small := ls.create(t, map[string]any{"title": "Small", "max_students": 20})
	if status, _ := ls.call(t, "POST", "/api/workshops", "", map[string]any{"title": "One more", "max_students": 1}); status != http.StatusConflict {
		t.Errorf("a workshop past the 50 seats: %d, want 409", status)
	}
	for i := range 30 {
		cookie := ls.joinStudent(t, made[0].Code, fmt.Sprintf("Student %d", i+1))
		ls.dialStudent(t, made[0].Code, cookie)
	}
	dial(t, ls, nil).echoes(1)
	if status, body := ls.call(t, "DELETE", "/api/workshops/"+small.Code, small.Token, nil); status != http.StatusNoContent {
		t.Fatalf("delete a workshop: %d %s", status, body)
	}
	ls.create(t, map[string]any{"title": "Again", "max_students": 20})
}
