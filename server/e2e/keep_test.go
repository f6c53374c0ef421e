package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/servertest"
)

// keepStudent runs bridge.Keep, the tab's loop, for a student of a
// workshop until the test ends: its trace, and each client it joins with.
func keepStudent(t *testing.T, addr, code, name string) (*lab.Trace, chan *bridge.Client) {
	t.Helper()
	cookie := joinWorkshop(t, addr, code, name)
	ctx, cancel := context.WithCancel(context.Background())
	trace := lab.NewTrace(0)
	clients := make(chan *bridge.Client, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bridge.Keep(ctx, "ws://"+addr+"/bridge?workshop="+code, bridge.Options{Trace: trace, Header: cookie}, func(c *bridge.Client) { clients <- c })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return trace, clients
}

// sessionEvent waits up to 10 s for the trace's session event what.
func sessionEvent(t *testing.T, trace *lab.Trace, what string) *lab.SessionEvent {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, e := range trace.Events() {
			if e.Kind == lab.KindSession && e.Session.What == what {
				return e.Session
			}
		}
	}
	t.Fatalf("no %q session event", what)
	return nil
}

// A workshop's student whose session ends and who joins again is on the
// same host: Keep says so (issue 22: it said "your host is now 10.0.1.1",
// as if it were a new one).
func TestKeepSameHostInWorkshop(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	w := createWorkshop(t, addr, map[string]any{"title": "Again", "exercises": []string{"round-trip"}})
	trace, clients := keepStudent(t, addr, w.Code, "Ada")
	first := <-clients
	host := first.Addr().String()
	first.Close()
	if second := <-clients; second.Addr().String() != host {
		t.Fatalf("the workshop's student came back on %s, was %s", second.Addr(), host)
	}
	e := sessionEvent(t, trace, "reconnected")
	if strings.Contains(e.Message, "now") || !strings.Contains(e.Message, "same host, "+host) {
		t.Errorf("the reconnection says %q, want the same host, %s", e.Message, host)
	}
}

// Deleting a workshop ends its students' sessions with CloseEnded, in
// words that say the instructor ended it (issue 22: they read that the
// lab server went away and a fresh session was starting, then a join
// page said the code did not exist), and Keep joins no more.
func TestKeepStopsWhenWorkshopEnds(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	w := createWorkshop(t, addr, map[string]any{"title": "Ending", "exercises": []string{"round-trip"}})
	trace, clients := keepStudent(t, addr, w.Code, "Ada")
	first := <-clients
	if status := api(t, addr, "DELETE", "/api/workshops/"+w.Code, w.Token, nil, nil); status != 204 {
		t.Fatalf("DELETE = %d", status)
	}
	<-first.Done()
	if e := sessionEvent(t, trace, "closed"); e.CloseCode != bridge.CloseEnded || !strings.Contains(e.Message, "instructor ended this workshop") {
		t.Fatalf("the session's end: %+v", e)
	}
	time.Sleep(2 * time.Second) // the time a loop that reconnects would take
	select {
	case c := <-clients:
		t.Errorf("Keep joined again after the workshop ended: %s", c.Hello().Session)
	default:
	}
}
