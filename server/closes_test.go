package server

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A frame that breaks RFC 6455 closes the session with 1002, which the
// log and the counters say too; a connection lost without a close frame
// counts as 1006; neither, nor a handshake given up on, is a server error.
func TestCloseCodesCounted(t *testing.T) {
	ls := serve(t, Config{})
	bad := dial(t, ls, nil)
	// A final frame with opcode 3, which RFC 6455 reserves, masked as a
	// client's must be, with no payload.
	bad.ws.NetConn().Write([]byte{0x83, 0x80, 1, 2, 3, 4})
	bad.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ce *websocket.CloseError
	for {
		_, _, err := bad.ws.ReadMessage()
		if err == nil {
			continue
		}
		if !errors.As(err, &ce) || ce.Code != websocket.CloseProtocolError {
			t.Fatalf("after a reserved opcode: %v, want close 1002", err)
		}
		break
	}
	lost := dial(t, ls, nil)
	lost.ws.NetConn().Close()
	resp, err := http.Get("http://" + ls.addr + "/bridge")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	st := ls.waitStats(t, "both sessions to end", func(st Stats) bool { return st.SessionsCurrent == 0 })
	if st.Closed[websocket.CloseProtocolError] != 1 || st.Closed[closeLost] != 1 || st.Refused.Handshake != 1 || st.Errors != 0 {
		t.Errorf("closed %v, refused handshakes %d, errors %d; want 1002 once, 1006 once, 1 and 0",
			st.Closed, st.Refused.Handshake, st.Errors)
	}
}
