package server

import (
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
)

// X-Forwarded-For is read only from a trusted proxy, from the right, up
// to the first address that is not a trusted proxy.
func TestClientAddr(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("192.0.2.1/32"),
	}}}
	for _, tc := range []struct {
		remote string
		fwd    []string
		want   string
	}{
		{"203.0.113.5:4000", nil, "203.0.113.5"},
		{"203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"}, // not from a proxy: ignored
		{"[::ffff:203.0.113.5]:4000", nil, "203.0.113.5"},
		{"10.1.2.3:4000", nil, "10.1.2.3"},
		{"10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"}, // the left is the client's to write
		{"10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.1, 192.0.2.1"}, "198.51.100.1"},
		{"10.1.2.3:4000", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"10.1.2.3:4000", []string{"garbage, 192.0.2.1"}, "192.0.2.1"},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		for _, f := range tc.fwd {
			r.Header.Add("X-Forwarded-For", f)
		}
		if got := s.clientAddr(r); got.String() != tc.want {
			t.Errorf("%s with X-Forwarded-For %q = %v, want %s", tc.remote, tc.fwd, got, tc.want)
		}
	}
}

// One address holds at most MaxSessionsPerAddress sessions outside a
// workshop, and opens at most as many a minute; another address, and a
// workshop's student from any address, still get in.
func TestSessionsPerAddress(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ls := workshopServer(t, Config{
		MaxSessionsPerAddress: 2,
		TrustedProxies:        []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}, func(s *Server) { s.starts.now = clock })
	from := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	const attacker, other = "203.0.113.7", "198.51.100.9"
	refused := func(what string, h http.Header) {
		t.Helper()
		ws, _, err := websocket.DefaultDialer.Dial(ls.url, h)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer ws.Close()
		if ce := (&client{t: t, ws: ws}).closed(); ce.Code != bridge.CloseTryAgain {
			t.Errorf("%s: closed with %d %q, want %d", what, ce.Code, ce.Text, bridge.CloseTryAgain)
		}
	}

	first := dial(t, ls, from(attacker))
	dial(t, ls, from(attacker))
	refused("a third session from one address", from(attacker))
	dial(t, ls, from(other))
	w := ls.create(t, map[string]any{"title": "A"})
	cookie := ls.joinStudent(t, w.Code, "Ada")
	cookie.Set("X-Forwarded-For", attacker)
	ls.dialStudent(t, w.Code, cookie)
	if st := ls.Stats(); st.Refused.Address != 1 || st.SessionsCurrent != 4 {
		t.Errorf("refused by address %d, sessions %d; want 1 and 4", st.Refused.Address, st.SessionsCurrent)
	}

	// A place is free again, but the address has opened its two a minute.
	first.ws.Close()
	ls.waitStats(t, "the first session to end", func(st Stats) bool { return st.SessionsCurrent == 3 })
	refused("a new session past the rate", from(attacker))
	mu.Lock()
	now = now.Add(startWindow)
	mu.Unlock()
	dial(t, ls, from(attacker))
}
