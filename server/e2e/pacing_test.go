package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/server/servertest"
)

// TestKeepStopsWhenRemoved: bridge.Keep, the tab's loop, passes the
// server's workshop messages on, and when the instructor deletes the
// student it records why and joins no more (the server would refuse the
// student's cookie anyway).
func TestKeepStopsWhenRemoved(t *testing.T) {
	cfg := labConfig(t)
	cfg.Store = workshopStore(t, filepath.Join(t.TempDir(), "w.db"))
	addr := servertest.Start(t, cfg)
	w := createWorkshop(t, addr, map[string]any{"title": "Keep", "exercises": []string{"round-trip", "be-the-server"}})
	cookie := joinWorkshop(t, addr, w.Code, "Ada")

	ctx, cancel := context.WithCancel(context.Background())
	trace := lab.NewTrace(0)
	clients := make(chan *bridge.Client, 4)
	states := make(chan bridge.WorkshopMessage, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		opts := bridge.Options{Trace: trace, Header: cookie, OnWorkshop: func(m bridge.WorkshopMessage) {
			select {
			case states <- m:
			default: // must not block; the test reads them all
			}
		}}
		bridge.Keep(ctx, "ws://"+addr+"/bridge?workshop="+w.Code, opts, func(c *bridge.Client) { clients <- c })
	}()
	defer func() { cancel(); <-done }()

	first := <-clients
	if status := api(t, addr, "PATCH", "/api/workshops/"+w.Code, w.Token, map[string]any{"locked_after": 1}, nil); status != 200 {
		t.Fatalf("PATCH = %d", status)
	}
	for m := range states {
		if m.LockedAfter == 1 {
			break
		}
	}
	path := fmt.Sprintf("/api/workshops/%s/students/%d", w.Code, first.Hello().Workshop.Student.ID)
	if status := api(t, addr, "DELETE", path, w.Token, nil, nil); status != 204 {
		t.Fatalf("DELETE = %d", status)
	}
	<-first.Done()
	var closed *lab.SessionEvent
	for deadline := time.Now().Add(10 * time.Second); closed == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, e := range trace.Events() {
			if e.Kind == lab.KindSession && e.Session.What == "closed" {
				closed = e.Session
			}
		}
	}
	if closed == nil || closed.CloseCode != bridge.CloseRemoved || !strings.Contains(closed.Message, "removed you") {
		t.Fatalf("the session's end: %+v", closed)
	}
	// Give a loop that would reconnect the time to try: it does not.
	time.Sleep(2 * time.Second)
	select {
	case c := <-clients:
		t.Errorf("Keep joined again after the student was removed: %s", c.Hello().Session)
	default:
	}
	if evs := trace.Events(); evs[len(evs)-1].Session == nil || evs[len(evs)-1].Session.What != "closed" {
		t.Errorf("the trace goes on after the removal: %+v", evs[len(evs)-1])
	}
}
