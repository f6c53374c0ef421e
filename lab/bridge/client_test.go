package bridge

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/socketlab/socketlab/lab"
)

// A server's error message is a session event on the client's trace, and
// counted; one that answers a request is that request's error.
func TestServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		hello, _ := json.Marshal(Hello{Type: TypeHello, Version: Version, Session: "s",
			Host: HostConfig{Address: "10.0.1.1", Prefix: 16, Gateway: "10.0.0.1", MTU: 1500}})
		conn.Write(ctx, websocket.MessageText, hello)
		conn.Write(ctx, websocket.MessageText, []byte(`{"type":"error","message":"unknown request type \"hi\""}`))
		for {
			typ, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var req Envelope
			if typ != websocket.MessageText || json.Unmarshal(b, &req) != nil {
				continue
			}
			answer, _ := json.Marshal(ErrorMessage{Type: TypeError, ID: req.ID, Message: "no " + req.Type + " today"})
			if req.Type == TypePing { // the client's clock
				answer, _ = json.Marshal(Envelope{Type: TypePong, ID: req.ID})
			}
			conn.Write(ctx, websocket.MessageText, answer)
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if _, err := c.ServerSockets(ctx); err == nil || !strings.Contains(err.Error(), "no sockets today") {
		t.Errorf("ServerSockets: %v; want the server's error", err)
	}
	if n := c.ServerErrors(); n != 2 {
		t.Errorf("ServerErrors = %d, want 2", n)
	}
	var msgs []string
	for _, e := range c.Trace().Events() {
		if e.Kind == lab.KindSession && e.Session.What == "error" {
			msgs = append(msgs, e.Session.Message)
		}
	}
	want := []string{
		`the lab server refused a request: unknown request type "hi"`,
		"the lab server refused a request: no sockets today",
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("error session events %q, want %q", msgs, want)
	}
}

// A session whose connection ends without a close frame after the
// server's bye (as a browser sees every close: its WebSocket API keeps the
// frame's code) ends with the bye's code and reason.
func TestBye(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ctx := r.Context()
		hello, _ := json.Marshal(Hello{Type: TypeHello, Version: Version, Session: "s",
			Host: HostConfig{Address: "10.0.1.1", Prefix: 16, Gateway: "10.0.0.1", MTU: 1500}})
		conn.Write(ctx, websocket.MessageText, hello)
		bye, _ := json.Marshal(ByeMessage{Type: TypeBye, Code: ClosePolicy, Reason: "too slow reading events"})
		conn.Write(ctx, websocket.MessageText, bye)
		conn.CloseNow() // no close frame
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("the session did not end")
	}
	e := ended("closed", c.Err())
	if e.CloseCode != ClosePolicy || e.Reason != "too slow reading events" {
		t.Errorf("ended with %d %q (%v), want %d %q", e.CloseCode, e.Reason, c.Err(), ClosePolicy, "too slow reading events")
	}
}
