package server

import (
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

// A mirrored event is a lab.Event and nothing else: unknown fields, a
// kind without its part or with another's, a host that is not an address,
// too many events or too large a one are refused, with a reason.
func TestDecodeMirrored(t *testing.T) {
	call := `{"seq":1,"time":"2026-01-01T00:00:00Z","host":"10.0.1.1","kind":"call","call":{"socket":3,"proto":"tcp","name":"connect","args":[],"result":"None","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:00Z"}}`
	evs, err := decodeMirrored([]json.RawMessage{json.RawMessage(call)})
	if err != nil || len(evs) != 1 || evs[0].ev.Call.Name != "connect" || evs[0].bytes != bridge.EventFootprint(&evs[0].ev) {
		t.Fatalf("a good call: %+v, %v", evs, err)
	}
	for name, tc := range map[string]struct {
		raw  []json.RawMessage
		want string
	}{
		"unknown field":   {[]json.RawMessage{json.RawMessage(strings.Replace(call, `"seq":1`, `"seq":1,"html":"<b>"`, 1))}, "unknown field"},
		"unknown nested":  {[]json.RawMessage{json.RawMessage(strings.Replace(call, `"socket":3`, `"socket":3,"x":1`, 1))}, "unknown field"},
		"kind without":    {[]json.RawMessage{json.RawMessage(`{"seq":1,"host":"10.0.1.1","kind":"packet"}`)}, "packet part"},
		"two parts":       {[]json.RawMessage{json.RawMessage(strings.Replace(call, `"kind":"call"`, `"kind":"call","session":{"what":"x","message":""}`, 1))}, "call part and no other"},
		"unknown kind":    {[]json.RawMessage{json.RawMessage(`{"seq":1,"kind":"<script>"}`)}, "is not one of"},
		"host":            {[]json.RawMessage{json.RawMessage(strings.Replace(call, `"10.0.1.1"`, `"<img>"`, 1))}, "not an address"},
		"not an object":   {[]json.RawMessage{json.RawMessage(`[1]`)}, "does not decode"},
		"too many":        {make([]json.RawMessage, bridge.MaxMirrorBatch+1), "at most 64"},
		"too large":       {[]json.RawMessage{json.RawMessage(`"` + strings.Repeat("a", bridge.MaxMirrorEvent) + `"`)}, "bytes: at most"},
		"trailing object": {[]json.RawMessage{json.RawMessage(call + `{}`)}, "does not decode"},
		"empty objects":   {[]json.RawMessage{json.RawMessage(strings.Replace(call, `"args":[]`, `"args":[`+strings.Repeat(`"",`, 4000)+`""]`, 1))}, "bytes decoded: at most"},
	} {
		if _, err := decodeMirrored(tc.raw); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.want)
		}
	}
}

// A mirror is taken only while someone watches; the server numbers the
// events in its own order, maps a before to its own numbers (dropping
// one it no longer keeps), keeps the last MaxMirrorKept, and lets them go
// when the last watcher leaves.
func TestMirrorsTake(t *testing.T) {
	m := newMirrors()
	k := mirrorKey{"ABCDEFGH", 7}
	ev := func(seq, before uint64) mirrored {
		return mirrored{ev: lab.Event{Seq: seq, Before: before, Time: time.Unix(int64(seq), 0), Kind: lab.KindSession, Session: &lab.SessionEvent{What: "x"}}, bytes: 1000}
	}
	if _, _, ok := m.take(k, []mirrored{ev(1, 0)}); ok {
		t.Fatal("a mirror nobody asked for was taken")
	}
	w, changed, _ := m.update(k, func(mr *mirror) { mr.viewers++ })
	if !changed || !w.Look || w.Spotlight {
		t.Fatalf("a look-in opens: %+v, changed %v", w, changed)
	}
	taken, spotlit, ok := m.take(k, []mirrored{ev(40, 0), ev(41, 0), ev(42, 40), ev(43, 9)})
	kept := taken.events
	if !ok || spotlit || len(kept) != 4 || taken.bytes != 4000 {
		t.Fatalf("take: %d kept (%d bytes), spotlit %v, ok %v", len(kept), taken.bytes, spotlit, ok)
	}
	for i, want := range []struct{ seq, before uint64 }{{1, 0}, {2, 0}, {3, 1}, {4, 0}} {
		if kept[i].Seq != want.seq || kept[i].Before != want.before {
			t.Errorf("event %d: seq %d before %d, want %d and %d", i, kept[i].Seq, kept[i].Before, want.seq, want.before)
		}
	}
	var many []mirrored
	for i := range bridge.MaxMirrorKept + 10 {
		many = append(many, ev(uint64(100+i), 0))
	}
	m.take(k, many)
	_, _, kept500 := m.update(k, func(*mirror) {})
	all := kept500.events
	if len(all) != bridge.MaxMirrorKept || all[len(all)-1].Seq != uint64(4+len(many)) || kept500.bytes != 1000*bridge.MaxMirrorKept {
		t.Errorf("kept %d events (%d bytes), the last numbered %d; want %d, %d", len(all), kept500.bytes, all[len(all)-1].Seq, bridge.MaxMirrorKept, 4+len(many))
	}
	// By bytes, too: the events that take it over maxMirrorKeptBytes
	// push the oldest out.
	big := ev(9000, 0)
	big.bytes = maxMirrorKeptBytes / 4
	m.take(k, []mirrored{big, big, big, big})
	_, _, kept4 := m.update(k, func(*mirror) {})
	if len(kept4.events) != 4 || kept4.bytes != maxMirrorKeptBytes {
		t.Errorf("after 4 events of a quarter of maxMirrorKeptBytes: %d kept, %d bytes; want those 4", len(kept4.events), kept4.bytes)
	}
	w, changed, _ = m.update(k, func(mr *mirror) { mr.viewers-- })
	if !changed || w.Look || w.Spotlight {
		t.Fatalf("the look-in closes: %+v, changed %v", w, changed)
	}
	if len(m.students) != 0 {
		t.Errorf("%d mirrors kept after the last watcher left", len(m.students))
	}
	if _, _, ok := m.take(k, []mirrored{ev(1, 0)}); ok {
		t.Error("a mirror was taken after the watch ended")
	}
}

// Spotlight messages stay within a client's text bound, carry no session
// event, and the first names the spotlit host.
func TestSpotlightMessages(t *testing.T) {
	big := lab.Event{Kind: lab.KindCall, Host: "10.0.1.1", Call: &lab.Call{Name: "send", Args: []string{strings.Repeat("<", 4000)}}}
	evs := []lab.Event{{Kind: lab.KindSession, Session: &lab.SessionEvent{What: "hello", Session: "secret"}}}
	for range 200 {
		evs = append(evs, big)
	}
	msgs := spotlightMessages(classmateName, "10.0.1.1", true, evs)
	n := 0
	for i, msg := range msgs {
		b := msg.text
		if len(b) > bridge.MaxText {
			t.Errorf("message %d is %d bytes", i, len(b))
		}
		var m bridge.SpotlightMessage
		if err := json.Unmarshal(b, &m); err != nil || !m.On || m.Name != classmateName || m.Start != (i == 0) || msg.reset != m.Start || msg.events != len(m.Events) || (m.Address == "10.0.1.1") != m.Start {
			t.Fatalf("message %d: %+v (reset %v, %d events), %v", i, m, msg.reset, msg.events, err)
		}
		n += len(m.Events)
		if strings.Contains(string(b), "secret") {
			t.Errorf("message %d carries a session event", i)
		}
	}
	if n != 200 {
		t.Errorf("%d events sent, want 200", n)
	}
}

// A student's page that was watched when it went offline learns at its
// next hello that nobody watches any more, and that no classmate is
// spotlit: the server says so after each hello in a workshop.
func TestWatchAfterHello(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Watched", "exercises": []string{"round-trip"}})
	student := browser(t)
	ls.joinAs(t, student, w.Code, "Ada")
	code, _ := lab.ParseCode(w.Code)
	sts, err := ls.cfg.Store.Students(context.Background(), code)
	if err != nil || len(sts) != 1 {
		t.Fatalf("students: %v, %v", sts, err)
	}
	u, _ := url.Parse("http://" + ls.addr)
	cookie := http.Header{"Cookie": {student.Jar.Cookies(u)[0].String()}}
	dial := func() (*bridge.Client, chan bridge.WatchMessage, chan bridge.SpotlightMessage) {
		watches, spots := make(chan bridge.WatchMessage, 16), make(chan bridge.SpotlightMessage, 16)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cl, err := bridge.Dial(ctx, ls.url+"?workshop="+w.Code, &bridge.Options{Header: cookie, Trace: lab.NewTrace(0),
			OnWatch: func(m bridge.WatchMessage) { watches <- m }, OnSpotlight: func(m bridge.SpotlightMessage) { spots <- m }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return cl, watches, spots
	}
	next := func(watches chan bridge.WatchMessage) bridge.WatchMessage {
		t.Helper()
		select {
		case m := <-watches:
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no watch message")
			return bridge.WatchMessage{}
		}
	}
	cl, watches, _ := dial()
	if m := next(watches); m.Look || m.Spotlight {
		t.Fatalf("after the first hello: %+v, want nobody", m)
	}
	spotlight := "/api/workshops/" + w.Code + "/spotlight"
	if status, body := ls.call(t, "PUT", spotlight, w.Token, map[string]any{"student": sts[0].ID}); status != 200 {
		t.Fatalf("spotlight on: %d %s", status, body)
	}
	if m := next(watches); !m.Spotlight {
		t.Fatalf("spotlit: %+v", m)
	}
	cl.Close()
	if status, body := ls.call(t, "DELETE", spotlight, w.Token, nil); status != 204 {
		t.Fatalf("spotlight off: %d %s", status, body)
	}
	_, watches, spots := dial()
	if m := next(watches); m.Look || m.Spotlight {
		t.Fatalf("after the hello that followed the spotlight's end: %+v, want nobody", m)
	}
	select {
	case m := <-spots:
		if m.On {
			t.Fatalf("spotlight after the hello: %+v, want off", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no spotlight message after the hello")
	}
}

// The dashboard's stream says whom the spotlight shows, in its snapshot
// (a reloaded dashboard knows) and as it changes; the projector's stream
// says it as the class sees it, and only to the instructor.
func TestSpotlightStreams(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Spotlit", "exercises": []string{"round-trip"}})
	ls.joinAs(t, browser(t), w.Code, "Ada")
	code, _ := lab.ParseCode(w.Code)
	sts, err := ls.cfg.Store.Students(context.Background(), code)
	if err != nil || len(sts) != 1 {
		t.Fatalf("students: %v, %v", sts, err)
	}
	ada := sts[0].ID
	projectorPath := "/api/workshops/" + w.Code + "/spotlight/trace"
	if _, status := ls.openSSE(t, http.DefaultClient, projectorPath, ""); status != http.StatusUnauthorized {
		t.Fatalf("the projector's stream without the token: %d", status)
	}
	projector, status := ls.openSSE(t, http.DefaultClient, projectorPath, w.Token)
	nextProjector := func() projectorJSON {
		t.Helper()
		event, data := projector.next()
		var p projectorJSON
		if err := json.Unmarshal(data, &p); event != "spotlight" || err != nil {
			t.Fatalf("the projector's stream: %q %s, %v", event, data, err)
		}
		return p
	}
	if p := nextProjector(); status != 200 || p.On || !p.Reset {
		t.Fatalf("the projector before the spotlight: %d %+v", status, p)
	}
	dash, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	dash.next() // the snapshot, before the spotlight

	spotlight := "/api/workshops/" + w.Code + "/spotlight"
	if status, body := ls.call(t, "PUT", spotlight, w.Token, map[string]any{"student": ada}); status != 200 {
		t.Fatalf("spotlight on: %d %s", status, body)
	}
	dash.until("the spotlight on Ada", func(ev dashEvent) bool {
		return ev.Kind == "spotlight" && ev.Spotlight != nil && ev.Spotlight.Student == ada && ev.Spotlight.Name == "Ada" && !ev.Spotlight.ShowName
	})
	if p := nextProjector(); !p.On || p.Name != classmateName || !p.Reset {
		t.Fatalf("the projector with the spotlight: %+v", p)
	}
	reloaded, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	event, data := reloaded.next()
	var snap snapshotJSON
	if err := json.Unmarshal(data, &snap); event != "snapshot" || err != nil || snap.Spotlight == nil || snap.Spotlight.Student != ada || snap.Spotlight.Name != "Ada" {
		t.Fatalf("a new dashboard's snapshot: %q %s, %v", event, data, err)
	}

	if status, body := ls.call(t, "DELETE", spotlight, w.Token, nil); status != 204 {
		t.Fatalf("spotlight off: %d %s", status, body)
	}
	dash.until("the spotlight off", func(ev dashEvent) bool { return ev.Kind == "spotlight" && ev.Spotlight == nil })
	if p := nextProjector(); p.On || !p.Reset || len(p.Events) != 0 {
		t.Fatalf("the projector after the spotlight: %+v", p)
	}
}

// Spotlighting a second student while one is spotlit ends the first's
// spotlight on the second's page (issue 22: it kept the first student's
// trace, frozen): the newly spotlit student is sent its end.
func TestSpotlightMoves(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Moves", "exercises": []string{"round-trip"}})
	code, _ := lab.ParseCode(w.Code)
	spots := map[string]chan bridge.SpotlightMessage{}
	for _, name := range []string{"Ada", "Bob"} {
		cookie := ls.joinStudent(t, w.Code, name)
		ch := make(chan bridge.SpotlightMessage, 64)
		spots[name] = ch
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cl, err := bridge.Dial(ctx, ls.url+"?workshop="+w.Code, &bridge.Options{Header: cookie, Trace: lab.NewTrace(0),
			OnSpotlight: func(m bridge.SpotlightMessage) { ch <- m }})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
	}
	sts, err := ls.cfg.Store.Students(context.Background(), code)
	if err != nil || len(sts) != 2 {
		t.Fatalf("students: %v, %v", sts, err)
	}
	// until reads a student's spotlight messages until one matches.
	until := func(name, what string, match func(bridge.SpotlightMessage) bool) {
		t.Helper()
		for deadline := time.After(10 * time.Second); ; {
			select {
			case m := <-spots[name]:
				if match(m) {
					return
				}
			case <-deadline:
				t.Fatalf("%s's page: no %s", name, what)
			}
		}
	}
	spotlight := "/api/workshops/" + w.Code + "/spotlight"
	if status, body := ls.call(t, "PUT", spotlight, w.Token, map[string]any{"student": sts[0].ID}); status != 200 {
		t.Fatalf("spotlight on Ada: %d %s", status, body)
	}
	until("Bob", "spotlight on Ada", func(m bridge.SpotlightMessage) bool { return m.On && m.Start })
	if status, body := ls.call(t, "PUT", spotlight, w.Token, map[string]any{"student": sts[1].ID}); status != 200 {
		t.Fatalf("spotlight on Bob: %d %s", status, body)
	}
	until("Ada", "spotlight on Bob", func(m bridge.SpotlightMessage) bool { return m.On && m.Start })
	until("Bob", "end of Ada's spotlight", func(m bridge.SpotlightMessage) bool { return !m.On })
}
