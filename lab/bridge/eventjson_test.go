package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
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
	server, student := netip.MustParseAddrPort("10.0.0.1:7"), netip.MustParseAddrPort("10.0.1.1:49152")
	return []lab.Event{
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 4, Proto: "tcp", Name: "recv", Args: []string{"1024"}, Result: `b'hello\n'`,
			Local: server, Peer: student, Bytes: 6, Start: t0, End: t0.Add(time.Millisecond),
		}},
		{Seq: 12, Time: t0.In(paris), Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
			Socket: 3, Proto: "tcp", Name: "accept", Result: "(<socket.socket fd=4, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('10.0.0.1', 7), raddr=('10.0.1.1', 49152)>, ('10.0.1.1', 49152))",
			NewFD: 4, Peer: student, Start: t0.In(odd), End: t0,
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
			Socket: 0, Proto: "tcp", Local: server, Peer: student, From: lab.StateListen, To: lab.StateSynReceived,
		}},
		{Time: t0, Host: "10.0.0.1", Kind: lab.KindState, State: &lab.StateChange{
			Socket: 3, Proto: "tcp", Local: server, From: lab.StateClosed, To: lab.StateListen,
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

// randomAddrPort is an address as sockets have them, or none, or one
// that JSON finds awkward (an IPv6 zone is any string).
func randomAddrPort(r *rand.Rand) netip.AddrPort {
	addrs := []string{"10.0.1.1", "0.0.0.0", "::1", "::ffff:10.0.0.1", "fe80::1%eth0", "fe80::1"}
	if r.IntN(4) == 0 {
		return netip.AddrPort{}
	}
	a := netip.MustParseAddr(addrs[r.IntN(len(addrs))])
	if a.Zone() == "" && a.Is6() && r.IntN(2) == 0 {
		a = a.WithZone(randomString(r))
	}
	return netip.AddrPortFrom(a, uint16(r.Uint32()))
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
				Local: randomAddrPort(r), Peer: randomAddrPort(r), Bytes: r.IntN(3) * r.IntN(1<<20), NewFD: r.IntN(2) * r.IntN(300),
				Start: t, End: t.Add(time.Duration(r.Int64N(1e10))),
			}})
		} else {
			out = append(out, lab.Event{Time: t, Host: randomString(r), Kind: lab.KindState, State: &lab.StateChange{
				Socket: r.IntN(300), Proto: randomString(r), Local: randomAddrPort(r), Peer: randomAddrPort(r),
				From: lab.SocketState(randomString(r)), To: lab.SocketState(randomString(r)),
			}})
		}
	}
	return out
}

// TestAppendEventMessageIsJSONMarshal checks the encoder byte for byte
// against encoding/json.
func TestAppendEventMessageIsJSONMarshal(t *testing.T) {
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

// FuzzAppendEventMessage checks that whatever strings, numbers and times
// a call or state event holds, the encoder writes what json.Marshal writes,
// or leaves the event to it.
func FuzzAppendEventMessage(f *testing.F) {
	f.Add("10.0.0.1", "recv", `b'hello\n'`, "ConnectionRefusedError", int64(1795000000123456789), 3600, 4, true)
	f.Add("\u2028<&>\xff", "\x00\x1f\"\\", "é 日本 \U0001F600", "", int64(-1), 30, -1, false)
	f.Fuzz(func(t *testing.T, host, name, result, errText string, nanos int64, zone, socket int, call bool) {
		tm := time.Unix(0, nanos).In(time.FixedZone("z", zone))
		e := lab.Event{Seq: uint64(socket), Time: tm, Host: host, Kind: lab.KindState, State: &lab.StateChange{
			Socket: socket, Proto: name, From: lab.SocketState(result), To: lab.SocketState(errText),
		}}
		if call {
			e.Kind, e.State = lab.KindCall, nil
			e.Call = &lab.Call{Socket: socket, Proto: host, Name: name, Args: []string{result, errText}, Result: result,
				Error: errText, Errno: lab.Errno(socket), Bytes: socket, NewFD: socket, Start: tm, End: tm}
		}
		got, ok := AppendEventMessage(nil, &e)
		want, err := json.Marshal(EventMessage{Type: TypeEvent, Event: e})
		switch {
		case !ok && len(got) != 0:
			t.Fatalf("refused, but wrote %q", got)
		case !ok:
			// Left to encoding/json.
		case err != nil:
			t.Fatalf("encoded %q, which encoding/json refuses: %v", got, err)
		case !bytes.Equal(got, want):
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// TestAppendEventMessageEveryField fills every field of lab.Event, and of
// the types under it, with a value that is not its zero, and checks that
// the encoder writes what json.Marshal writes, or refuses: a field added
// to an event is written, or makes the encoder refuse, and is never
// dropped. Each of Event's pointers (the kinds' bodies) is tried set and
// unset, in every combination: the encoder takes exactly a call or a
// state, and refuses the rest.
func TestAppendEventMessageEveryField(t *testing.T) {
	full := reflect.New(reflect.TypeFor[lab.Event]()).Elem()
	fill(t, full, "Event")
	var ptrs []int // Event's pointer fields
	for i := range full.NumField() {
		if full.Field(i).Kind() == reflect.Pointer {
			ptrs = append(ptrs, i)
		}
	}
	encoded := 0
	for set := range 1 << len(ptrs) {
		e := full.Interface().(lab.Event) // a copy, sharing the bodies
		v := reflect.ValueOf(&e).Elem()
		var names []string
		for j, i := range ptrs {
			if set&(1<<j) == 0 {
				v.Field(i).SetZero()
			} else {
				names = append(names, v.Type().Field(i).Name)
			}
		}
		got, ok := AppendEventMessage([]byte("x"), &e)
		if !ok {
			if string(got) != "x" {
				t.Errorf("%v: refused, but changed b to %q", names, got)
			}
			continue
		}
		encoded++
		want, err := json.Marshal(EventMessage{Type: TypeEvent, Event: e})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[1:], want) {
			t.Errorf("%v:\n got %s\nwant %s", names, got[1:], want)
		}
		if slices.Equal(names, []string{"Call"}) == slices.Equal(names, []string{"State"}) {
			t.Errorf("%v: encoded; want only a call or a state encoded", names)
		}
	}
	if encoded != 2 {
		t.Errorf("encoded %d of the combinations of Event's bodies, want 2 (a call, a state)", encoded)
	}
}

// fill sets v, and everything under it, to values that are not zero:
// every string names its field, every number is its field's depth plus
// one, every slice and map has two elements. Types with unexported fields
// are filled as the lab's events hold them, or not at all: teach fill.
func fill(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		// Nanoseconds and a zone: what time's encoding must keep.
		v.Set(reflect.ValueOf(time.Date(2026, 11, 24, 7, 4, 18, 123456789, time.FixedZone("CET", 3600))))
		return
	case reflect.TypeFor[netip.Addr]():
		v.Set(reflect.ValueOf(netip.MustParseAddr("10.0.1.1")))
		return
	case reflect.TypeFor[netip.AddrPort]():
		v.Set(reflect.ValueOf(netip.MustParseAddrPort("10.0.1.1:49152")))
		return
	case reflect.TypeFor[netip.Prefix]():
		v.Set(reflect.ValueOf(netip.MustParsePrefix("10.0.0.0/16")))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(name + ` "<é>"`)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(len(name)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(len(name)))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(len(name)) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), name)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), fmt.Sprintf("%s[%d]", name, i))
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(t, v.Index(i), fmt.Sprintf("%s[%d]", name, i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			fill(t, k, fmt.Sprintf("%s key%d", name, i))
			e := reflect.New(v.Type().Elem()).Elem()
			fill(t, e, fmt.Sprintf("%s[%d]", name, i))
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				t.Fatalf("fill: %s (%s) has unexported fields: teach fill a value of it", name, v.Type())
			}
			fill(t, v.Field(i), name+"."+f.Name)
		}
	default:
		t.Fatalf("fill: %s is a %s: teach fill a value of it", name, v.Type())
	}
}
