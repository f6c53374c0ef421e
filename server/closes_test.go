package server

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/labtest"
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

// A client reset while the server writes to it (it sends echo requests
// as fast as it may and never reads, then goes with a reset) is lost,
// 1006, whichever of the server's read and write finds out first (or, if
// the echoes it does not read outgrow its memory budget first, 1008): the
// client's doing, never the server's error.
func TestResetWhileWriting(t *testing.T) {
	ls := serve(t, Config{})
	const n = 8
	for i := range n {
		c := dial(t, ls, nil)
		src := netip.AddrPortFrom(c.addr, uint16(2000+i))
		for range 300 {
			if c.ws.WriteMessage(websocket.BinaryMessage, labtest.UDP(src, echoUDP, make([]byte, 1000))) != nil {
				break
			}
		}
		tcp := c.ws.NetConn().(*net.TCPConn)
		tcp.SetLinger(0)
		tcp.Close()
	}
	st := ls.waitStats(t, "the sessions to end", func(st Stats) bool { return st.SessionsCurrent == 0 })
	if st.Closed[closeLost]+st.Closed[bridge.ClosePolicy] != n || st.Errors != 0 {
		t.Errorf("closed %v, errors %d; want 1006 (or 1008) %d times and no error", st.Closed, st.Errors, n)
	}
}
