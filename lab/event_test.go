package lab_test

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// TestEventJSON pins the JSON of calls and states, their addresses
// above all: netip.AddrPort fields write what the strings they replaced
// wrote, byte for byte, and a call with no address omits it as before
// (a state always has "local", "" when it has none).
func TestEventJSON(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 7, 4, 18, 123456789, time.UTC)
	ap := netip.MustParseAddrPort
	for _, tc := range []struct {
		event lab.Event
		want  string
	}{
		{
			lab.Event{Seq: 7, Time: t0, Host: "10.0.1.1", Kind: lab.KindCall, Call: &lab.Call{Socket: 3, Proto: "tcp", Name: "socket", Args: []string{"AF_INET", "SOCK_STREAM"}, Result: "3", Start: t0, End: t0}},
			`{"seq":7,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.1.1","kind":"call","call":{"socket":3,"proto":"tcp","name":"socket","args":["AF_INET","SOCK_STREAM"],"result":"3","start":"2026-11-24T07:04:18.123456789Z","end":"2026-11-24T07:04:18.123456789Z"}}`,
		},
		{
			lab.Event{Seq: 8, Time: t0, Host: "10.0.1.1", Kind: lab.KindCall, Call: &lab.Call{Socket: 3, Proto: "tcp", Name: "connect", Args: []string{"('10.0.0.1', 9)"}, Error: "ConnectionRefusedError: [Errno 111] Connection refused", Errno: lab.ECONNREFUSED, Peer: ap("10.0.0.1:9"), Start: t0, End: t0}},
			`{"seq":8,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.1.1","kind":"call","call":{"socket":3,"proto":"tcp","name":"connect","args":["('10.0.0.1', 9)"],"result":"","error":"ConnectionRefusedError: [Errno 111] Connection refused","errno":111,"peer":"10.0.0.1:9","start":"2026-11-24T07:04:18.123456789Z","end":"2026-11-24T07:04:18.123456789Z"}}`,
		},
		{
			lab.Event{Seq: 9, Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{Socket: 4, Proto: "tcp", Name: "recv", Args: []string{"1024"}, Result: `b'hi'`, Local: ap("10.0.0.1:7"), Peer: ap("10.0.1.1:49152"), Bytes: 2, Start: t0, End: t0}},
			`{"seq":9,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.0.1","kind":"call","call":{"socket":4,"proto":"tcp","name":"recv","args":["1024"],"result":"b'hi'","local":"10.0.0.1:7","peer":"10.0.1.1:49152","bytes":2,"start":"2026-11-24T07:04:18.123456789Z","end":"2026-11-24T07:04:18.123456789Z"}}`,
		},
		{
			lab.Event{Seq: 10, Time: t0, Host: "10.0.1.1", Kind: lab.KindCall, Call: &lab.Call{Socket: 5, Proto: "udp", Name: "bind", Args: []string{"('0.0.0.0', 5000)"}, Result: "None", Local: ap("0.0.0.0:5000"), Start: t0, End: t0}},
			`{"seq":10,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.1.1","kind":"call","call":{"socket":5,"proto":"udp","name":"bind","args":["('0.0.0.0', 5000)"],"result":"None","local":"0.0.0.0:5000","start":"2026-11-24T07:04:18.123456789Z","end":"2026-11-24T07:04:18.123456789Z"}}`,
		},
		{
			lab.Event{Seq: 11, Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{Socket: 3, Proto: "tcp", Local: ap("10.0.0.1:7"), From: lab.StateClosed, To: lab.StateListen}},
			`{"seq":11,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.0.1","kind":"state","state":{"socket":3,"proto":"tcp","local":"10.0.0.1:7","from":"CLOSED","to":"LISTEN"}}`,
		},
		{
			lab.Event{Seq: 12, Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{Proto: "tcp", Local: ap("10.0.0.1:7"), Peer: ap("10.0.1.1:49152"), From: lab.StateListen, To: lab.StateSynReceived}},
			`{"seq":12,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.0.1","kind":"state","state":{"socket":0,"proto":"tcp","local":"10.0.0.1:7","peer":"10.0.1.1:49152","from":"LISTEN","to":"SYN-RECEIVED"}}`,
		},
		{
			lab.Event{Seq: 13, Time: t0, Host: "10.0.1.1", Kind: lab.KindState, State: &lab.StateChange{Socket: 3, Proto: "tcp", From: lab.StateClosed, To: lab.StateSynSent}},
			`{"seq":13,"time":"2026-11-24T07:04:18.123456789Z","host":"10.0.1.1","kind":"state","state":{"socket":3,"proto":"tcp","local":"","from":"CLOSED","to":"SYN-SENT"}}`,
		},
	} {
		got, err := json.Marshal(tc.event)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("\n got %s\nwant %s", got, tc.want)
		}
		var back lab.Event
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if again, _ := json.Marshal(back); string(again) != tc.want {
			t.Errorf("decoded and encoded again:\n got %s\nwant %s", again, tc.want)
		}
	}
}
