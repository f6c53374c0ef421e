package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
)

// Every text message a client sends is answered, in order: a request with
// its answer, carrying its id back; anything else with an error message
// that says what was wrong, quotes a bad type cut short, and is counted.
func TestRequests(t *testing.T) {
	ls := serve(t, Config{})
	c := dial(t, ls, nil)
	long := strings.Repeat("x\u00e9", 20000) // 60 KB, under bridge.MaxText
	for _, tc := range []struct {
		send string
		want string // the answer's type
		id   uint64
		says string // in an error's message
	}{
		{send: `{"type":"ping"}`, want: bridge.TypePong},
		{send: `{"type":"ping","id":7}`, want: bridge.TypePong, id: 7},
		{send: `{"type":"nope","id":3}`, want: bridge.TypeError, id: 3, says: `unknown request type "nope"`},
		{send: `{"type":"` + long + `"}`, want: bridge.TypeError, says: `unknown request type "x\u00e9x\u00e9`},
		{send: `{"type":"sockets","id":"x"}`, want: bridge.TypeError, says: `bad "sockets" request: its "id" is a JSON string, not a uint64`},
		{send: `not json`, want: bridge.TypeError, says: "not a request"},
		{send: `{"type":7}`, want: bridge.TypeError, says: "not a request"},
		{send: `{"type":"sockets","id":9}`, want: bridge.TypeSockets, id: 9},
	} {
		c.write(websocket.TextMessage, []byte(tc.send))
		b := c.text()
		var env bridge.Envelope
		if err := json.Unmarshal(b, &env); err != nil || env.Type != tc.want || env.ID != tc.id {
			t.Errorf("%.60s: answered %.200s; want a %q with id %d", tc.send, b, tc.want, tc.id)
			continue
		}
		if tc.want != bridge.TypeError {
			continue
		}
		var e bridge.ErrorMessage
		if err := json.Unmarshal(b, &e); err != nil || !strings.Contains(e.Message, tc.says) || len(e.Message) > bridge.MaxErrorMessage {
			t.Errorf("%.60s: error %q (%v); want one of at most %d bytes saying %q", tc.send, e.Message, err, bridge.MaxErrorMessage, tc.says)
		}
	}
	if st := ls.Stats(); st.Drops.BadText != 5 || st.TextIn != 3 {
		t.Errorf("bad text %d, text in %d; want 5 and 3", st.Drops.BadText, st.TextIn)
	}
	c.echoes(40000)
}

// text reads messages until a text message that is not an event, keeping
// the events.
func (c *client) text() []byte {
	c.t.Helper()
	for {
		typ, b, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for an answer: %v", err)
		}
		if typ != websocket.TextMessage {
			continue
		}
		if strings.HasPrefix(string(b), `{"type":"event",`) {
			c.keep(b)
			continue
		}
		return b
	}
}
