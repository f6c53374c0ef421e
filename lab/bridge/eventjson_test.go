package bridge

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// sampleEvents are events as the lab server records them, and some it
// never would, for the edges of the encoding.
func sampleEvents() []lab.Event {
	t0 := time.Date(2026, 11, 24, 7, 4, 18, 123456789, time.UTC)
	paris := time.FixedZone("CET", 3600)
	odd := time.FixedZone("odd", 5*3600+30*60)
	return []lab.Event{
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 4, Proto: "tcp", Name: "recv", Args: []string{"1024"}, Result: `b'hello\n'`,
			Local: "10.0.0.1:7", Peer: "10.0.1.1:49152", Bytes: 6, Start: t0, End: t0.Add(time.Millisecond),
		}},
		{Seq: 12, Time: t0.In(paris), Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 3, Proto: "tcp", Name: "accept", Result: "(<socket.socket fd=4, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('10.0.0.1', 7), raddr=('10.0.1.1', 49152)>, ('10.0.1.1', 49152))",
			NewFD: 4, Peer: "10.0.1.1:49152", Start: t0.In(odd), End: t0,
		}},
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 5, Proto: "udp", Name: "sendto", Args: []string{},
			Error: "ConnectionRefusedError: [Errno 111] Connection refused", Errno: lab.ECONNREFUSED, Exception: "ConnectionRefusedError",
			Start: time.Time{}, End: t0,
		}},
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: -1, Name: "send", Args: []string{`b'<a href="x">&amp;</a>\x00\\'`, "\u2028\u2029", "é 日本 \U0001F600", "\x00\x1f\x7f", "bad \xff utf-8", "tab\tnl\ncr\rbs\bff\f"},
			Result: "", Start: t0, End: t0,
		}},
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{
			Socket: 0, Proto: "tcp", Local: "10.0.0.1:7", Peer: "10.0.1.1:49152", From: lab.StateListen, To: lab.StateSynReceived,
		}},
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{
			Socket: 3, Proto: "tcp", Local: "10.0.0.1:7", From: lab.StateClosed, To: lab.StateListen,
		}},
	}
}

// randomString is a string of bytes that JSON finds awkward.
func randomString(r *rand.Rand) string {
	pieces := []string{"a", "Z", "0", " ", `"`, `\`, "/", "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "日", "\U0001F600", "\u2028", "\u2029", "\xff", "\xc3", "\ufffd", "'", "b'", `\x`}
	var b []byte
	for range r.IntN(12) {
		b = append(b, pieces[r.IntN(len(pieces))]...)
	}
	return string(b)
}

func randomEvents(n int) []lab.Event {
	r := rand.New(rand.NewPCG(1, 2))
	var out []lab.Event
	for range n {
		t := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("z", (r.IntN(48)-24)*1800))
		if r.IntN(2) == 0 {
			var args []string
			if r.IntN(4) > 0 {
				args = []string{}
				for range r.IntN(3) {
					args = append(args, randomString(r))
				}
			}
			out = append(out, lab.Event{Seq: r.Uint64N(1e6), Time: t, Host: randomString(r), Kind: lab.KindCall, Call: &lab.Call{
				Socket: r.IntN(300) - 1, Proto: randomString(r), Name: randomString(r), Args: args,
				Result: randomString(r), Error: randomString(r), Errno: lab.Errno(r.IntN(3)), Exception: randomString(r),
				Local: randomString(r), Peer: randomString(r), Bytes: r.IntN(3) * r.IntN(1<<20), NewFD: r.IntN(2) * r.IntN(300),
				Start: t, End: t.Add(time.Duration(r.Int64N(1e10))),
			}})
		} else {
			out = append(out, lab.Event{Time: t, Host: randomString(r), Kind: lab.KindState, State: &lab.StateChange{
				Socket: r.IntN(300), Proto: randomString(r), Local: randomString(r), Peer: randomString(r),
				From: lab.SocketState(randomString(r)), To: lab.SocketState(randomString(r)),
			}})
		}
	}
	return out
}

// TestAppendEventMessageIsJSONMarshal checks the encoder byte for byte
// against encoding/json, and the decoder against json.Unmarshal.
func TestAppendEventMessageIsJSONMarshal(t *testing.T) {
	var d decoder
	for i, e := range append(sampleEvents(), randomEvents(2000)...) {
		want, err := json.Marshal(EventMessage{Type: TypeEvent, Event: e})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := AppendEventMessage([]byte("prefix"), &e)
		if !ok {
			t.Fatalf("event %d: not encoded: %+v", i, e)
		}
		if !bytes.Equal(got[len("prefix"):], want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got[len("prefix"):], want)
		}
		var viaJSON, viaDecoder EventMessage
		if err := json.Unmarshal(want, &viaJSON); err != nil {
			t.Fatal(err)
		}
		if !d.decodeEventMessage(want, &viaDecoder) {
			// Allowed (invalid UTF-8 goes to encoding/json), but not for
			// what the lab server writes.
			if i < len(sampleEvents()) && i != 3 {
				t.Errorf("event %d: decoder gave up on %s", i, want)
			}
			continue
		}
		if !reflect.DeepEqual(viaJSON, viaDecoder) {
			t.Fatalf("event %d: decoded\n%+v\nwant\n%+v", i, viaDecoder, viaJSON)
		}
	}
}

// TestAppendEventMessageLeavesOthers checks that events it does not
// encode are left to json.Marshal, and b as it was.
func TestAppendEventMessageLeavesOthers(t *testing.T) {
	t0 := time.Now()
	for _, e := range []lab.Event{
		{Time: t0, Kind: lab.KindPacket, Packet: &lab.Packet{}},
		{Time: t0, Kind: lab.KindSession, Session: &lab.SessionEvent{What: "hello"}},
		{Time: t0, Kind: lab.KindCall},
		{Time: t0, Kind: lab.KindCall, Call: &lab.Call{}, State: &lab.StateChange{}},
		{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Kind: lab.KindCall, Call: &lab.Call{}},
		{Time: t0, Kind: lab.KindCall, Call: &lab.Call{Start: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{Time: t0.In(time.FixedZone("secs", 30)), Kind: lab.KindState, State: &lab.StateChange{}},
	} {
		if got, ok := AppendEventMessage([]byte("x"), &e); ok || string(got) != "x" {
			t.Errorf("AppendEventMessage(%+v) = %q, %v; want left alone", e, got, ok)
		}
	}
}

// FuzzDecodeEventMessage checks that whatever the decoder accepts, it
// decodes as json.Unmarshal does.
func FuzzDecodeEventMessage(f *testing.F) {
	for _, e := range sampleEvents() {
		b, _ := json.Marshal(EventMessage{Type: TypeEvent, Event: e})
		f.Add(b)
	}
	f.Add([]byte(`{"type":"event","event":{"seq":1,"call":null,"state":null}} `))
	f.Add([]byte(` { "type" : "event" , "event" : { "call" : { "args" : [ "a" , "\u00e9\/" ] } } }`))
	f.Add([]byte(`{"type":"event","event":{"seq":-0,"Kind":"call"}}`))
	f.Add([]byte(`{"event":{"seq":-0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d decoder
		var got EventMessage
		if !d.decodeEventMessage(b, &got) {
			return
		}
		var want EventMessage
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("decoder took %q, which encoding/json refuses: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decoded\n%+v\nwant\n%+v", b, got, want)
		}
	})
}
