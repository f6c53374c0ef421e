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
