package bridge

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// serverEvents are the events the lab server sends for one TCP echo
// round trip with a student: the call and state events its echo service
// records, as room passes them to the session.
func serverEvents() []lab.Event {
	t0 := time.Date(2026, 11, 24, 7, 4, 18, 123456789, time.UTC)
	local, peer := netip.MustParseAddrPort("10.0.0.1:7"), netip.MustParseAddrPort("10.0.1.1:49152")
	return []lab.Event{
		{Seq: 40, Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{
			Proto: "tcp", Local: local, Peer: peer, From: lab.StateListen, To: lab.StateSynReceived,
		}},
		{Seq: 41, Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{
			Proto: "tcp", Local: local, Peer: peer, From: lab.StateSynReceived, To: lab.StateEstablished,
		}},
		{Seq: 42, Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 3, Proto: "tcp", Name: "accept", NewFD: 4, Local: local, Peer: peer,
			Result: "(<socket.socket fd=4, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('10.0.0.1', 7), raddr=('10.0.1.1', 49152)>, ('10.0.1.1', 49152))",
			Start:  t0, End: t0.Add(3 * time.Millisecond),
		}},
		{Seq: 43, Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 4, Proto: "tcp", Name: "recv", Args: []string{"4096"}, Result: `b'hello\n'`,
			Local: local, Peer: peer, Bytes: 6, Start: t0, End: t0.Add(time.Millisecond),
		}},
		{Seq: 44, Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 4, Proto: "tcp", Name: "send", Args: []string{`b'hello\n'`}, Result: "6",
			Local: local, Peer: peer, Bytes: 6, Start: t0, End: t0.Add(time.Microsecond),
		}},
	}
}

// BenchmarkEncodeEvent is the server's hot path for events: each op
// encodes one event message of serverEvents' round trip into a reused
// buffer, as the session's writer does, by hand or with encoding/json.
func BenchmarkEncodeEvent(b *testing.B) {
	evs := serverEvents()
	b.Run("hand", func(b *testing.B) {
		var buf []byte
		for i := 0; b.Loop(); i++ {
			var ok bool
			buf, ok = AppendEventMessage(buf[:0], &evs[i%len(evs)])
			if !ok {
				b.Fatal("not encoded")
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := json.Marshal(EventMessage{Type: TypeEvent, Event: evs[i%len(evs)]}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
