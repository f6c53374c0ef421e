package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// HTTP's timeouts, short here: a keep-alive connection with no request is
// closed, a request whose body trickles in is cut off, a header over
// MaxHeaderBytes is refused; a bridge session outlives both timeouts.
func TestHTTPTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ls := workshopServer(t, Config{RequestTimeout: timeout, KeepAliveTimeout: timeout})
	raw := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", ls.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}
	// closedWithin reads c until it ends, which must be within d.
	closedWithin := func(what string, c net.Conn, d time.Duration) {
		t.Helper()
		start := time.Now()
		io.Copy(io.Discard, c)
		if took := time.Since(start); took > d {
			t.Errorf("%s: closed after %v, want within %v", what, took, d)
		}
	}
	ws := dial(t, ls, nil)

	idle := raw()
	io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: "+ls.addr+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	closedWithin("an idle keep-alive connection", idle, 3*time.Second)

	trickle := raw()
	io.WriteString(trickle, "POST /api/workshops HTTP/1.1\r\nHost: "+ls.addr+
		"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		if _, err := trickle.Write([]byte(" ")); err != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	closedWithin("a POST trickling its body", trickle, 3*time.Second)
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("a POST trickling its body was served for %v, want about %v", took, timeout)
	}

	big := raw()
	io.WriteString(big, "GET /healthz HTTP/1.1\r\nHost: "+ls.addr+"\r\nX-Big: "+strings.Repeat("x", 2*MaxHeaderBytes)+"\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(big), nil)
	if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a header of %d bytes: %v %v, want 431", 2*MaxHeaderBytes, resp, err)
	}

	// By now the session has lived several timeouts: it still answers.
	ws.write(websocket.TextMessage, []byte(`{"type":"ping"}`))
	if b := ws.text(); !strings.Contains(string(b), `"pong"`) {
		t.Errorf("after %v, the session answers a ping with %s", time.Since(start), b)
	}
}
