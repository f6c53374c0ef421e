package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/sock"
)

// udpEcho reports whether a datagram sent from cl to the lab server's
// echo comes back within a second.
func udpEcho(t *testing.T, cl *bridge.Client) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := cl.Sockets().Socket(sock.Datagram)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetTimeout(time.Second)
	if _, err := s.SendTo(ctx, []byte("hi"), echoUDP); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.RecvFrom(ctx, 100)
	return err == nil
}

// The instructor sets the wire of the whole room: every student's port
// has it, a student who joins later too; the students' sessions hear of
// it; a student's own change of the impairments is refused while it is
// set, their pause is not; cleared, the echo answers again. Bad wires are
// refused with the checks of a student's.
func TestRoomWireAPI(t *testing.T) {
	ls := workshopServer(t, Config{WorkshopLinger: 200 * time.Millisecond})
	w := ls.create(t, map[string]any{"title": "Lossy"})
	path := "/api/workshops/" + w.Code + "/wire"
	dash, _ := ls.openStream(t, http.DefaultClient, w.Code, w.Token)
	if _, snap := dash.next(); !strings.Contains(string(snap), `"wire":null`) {
		t.Errorf("the snapshot does not say no wire is set: %.300s", snap)
	}
	adaCookie := ls.joinStudent(t, w.Code, "Ada")
	ada := ls.dialWatcher(t, w.Code, adaCookie)
	ada.until("the first", func(m bridge.WorkshopMessage) bool { return m.Wire == nil })
	if !udpEcho(t, ada.cl) {
		t.Fatal("no echo before any wire was set")
	}

	for _, bad := range []any{
		`{"out": {"hold": true}}`,
		`{"in": {"loss": 1.5}}`,
		`{"out": {"delay_ns": 60000000000}}`,
		`{"out": {"rate": 5}}`,
		`{"seed": 9007199254740992}`,
		`{"out": {"loss": 0.5}, "cut": true}`,
		`{"out": {"loss": "all"}}`,
	} {
		if status, body := ls.call(t, "PUT", path, w.Token, bad); status != http.StatusBadRequest {
			t.Errorf("PUT %s = %d %s, want 400", bad, status, body)
		}
	}
	if status, _ := ls.call(t, "PUT", path, "", `{"out": {"loss": 1}}`); status != http.StatusUnauthorized {
		t.Errorf("without the token: %d", status)
	}

	status, body := ls.call(t, "PUT", path, w.Token, `{"out": {"loss": 1}, "seed": 7}`)
	if status != 200 || !strings.Contains(string(body), `"loss":1`) {
		t.Fatalf("PUT wire = %d %s", status, body)
	}
	m := ada.until("the wire", func(m bridge.WorkshopMessage) bool { return m.Wire != nil })
	if m.Wire.Out.Loss != 1 || !m.Wire.In.Clear() || m.Wire.Seed != 7 {
		t.Errorf("Ada's workshop message: %+v", m.Wire)
	}
	dash.until("the dashboard's wire", func(ev dashEvent) bool {
		return ev.Kind == "class" && ev.Class.Wire != nil && ev.Class.Wire.Out.Loss == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := ada.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState})
	if err != nil || !res.State.Room || res.State.Out.Loss != 1 || res.State.Seed != 7 {
		t.Errorf("Ada's wire: %+v, %v", res.State, err)
	}
	if udpEcho(t, ada.cl) {
		t.Error("Ada's datagram came back through a wire that loses everything she sends")
	}
	for _, cmd := range []lab.WireCommand{{Verb: lab.WireVerbLoss}, {Verb: lab.WireVerbClear}, {Verb: lab.WireVerbSeed, Seed: 1}} {
		if _, err := ada.cl.Wire(ctx, cmd); err == nil || !strings.Contains(err.Error(), "your instructor set the wire") {
			t.Errorf("Ada's %s under the instructor's wire: %v; want refused, in words", cmd.Verb, err)
		}
	}
	if res, err := ada.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbPause}); err != nil || !res.State.Out.Hold || res.State.Out.Loss != 1 {
		t.Errorf("Ada's pause under the instructor's wire: %+v, %v", res.State, err)
	}
	ada.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbResume})

	bob := ls.dialWatcher(t, w.Code, ls.joinStudent(t, w.Code, "Bob"))
	bob.until("the wire, on joining", func(m bridge.WorkshopMessage) bool { return m.Wire != nil && m.Wire.Out.Loss == 1 })
	if res, err := bob.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState}); err != nil || !res.State.Room || res.State.Out.Loss != 1 {
		t.Errorf("Bob, who joined after: %+v, %v", res.State, err)
	}

	if status, body := ls.call(t, "PUT", path, w.Token, `{}`); status != 200 || !strings.Contains(string(body), `"wire":null`) {
		t.Fatalf("clearing the wire = %d %s", status, body)
	}
	for _, st := range []*classWatcher{ada, bob} {
		st.until("the wire cleared", func(m bridge.WorkshopMessage) bool { return m.Wire == nil })
		res, err := st.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState})
		if err != nil || res.State.Room || !res.State.Clear() {
			t.Errorf("a wire cleared: %+v, %v", res.State, err)
		}
		if !udpEcho(t, st.cl) {
			t.Error("no echo after the wire was cleared")
		}
	}
	if _, err := ada.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbLoss, Value: 0.1}); err != nil {
		t.Errorf("Ada's own loss once the instructor's wire is cleared: %v", err)
	}

	// Stored: everyone leaves, the network stops, and the one made for
	// the next session has the wire again.
	if status, body := ls.call(t, "PUT", path, w.Token, `{"in": {"loss": 1}}`); status != 200 {
		t.Fatalf("PUT wire = %d %s", status, body)
	}
	if status, body := ls.call(t, "GET", "/api/workshops/"+w.Code, w.Token, nil); status != 200 || !strings.Contains(string(body), `"wire":{"out":{`) {
		t.Errorf("GET the workshop = %d %.300s; want its wire", status, body)
	}
	ada.cl.Close()
	bob.cl.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ls.workshops.mu.Lock()
		n := len(ls.workshops.live)
		ls.workshops.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the workshop's network still runs after everyone left")
		}
	}
	again := ls.dialWatcher(t, w.Code, adaCookie)
	again.until("the stored wire", func(m bridge.WorkshopMessage) bool { return m.Wire != nil && m.Wire.In.Loss == 1 })
	if res, err := again.cl.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState}); err != nil || !res.State.Room || res.State.In.Loss != 1 {
		t.Errorf("a new network's wire: %+v, %v", res.State, err)
	}
}
