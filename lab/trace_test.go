package lab_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// pkt is a packet event on the student's host 10.0.1.1, with port 7 of
// the lab server.
func pkt(at time.Time, dir lab.Direction, payload int, fin bool) lab.Event {
	src, dst := "10.0.1.1:40000", "10.0.0.1:7"
	if dir == lab.In {
		src, dst = dst, src
	}
	return lab.Event{Time: at, Host: "10.0.1.1", Kind: lab.KindPacket, Packet: &lab.Packet{
		Dir: dir, Protocol: "TCP", Src: src, Dst: dst,
		TCP: &lab.TCP{PayloadLen: payload, Flags: lab.TCPFlags{ACK: true, PSH: payload > 0, FIN: fin}},
	}}
}

// call is a call of the lab server's on its connection with 10.0.1.1:40000.
func call(name string, start, end time.Time) lab.Event {
	return lab.Event{Time: end, Host: "10.0.0.1", Kind: lab.KindCall, Call: &lab.Call{
		Name: name, Local: netip.MustParseAddrPort("10.0.0.1:7"), Peer: netip.MustParseAddrPort("10.0.1.1:40000"),
		Start: start, End: end,
	}}
}

func names(evs []lab.Event) []string {
	var out []string
	for _, e := range evs {
		switch {
		case e.Call != nil:
			out = append(out, e.Call.Name)
		case e.Packet != nil && e.Packet.TCP.Flags.FIN:
			out = append(out, string(e.Packet.Dir)+" FIN")
		case e.Packet != nil && e.Packet.TCP.PayloadLen > 0:
			out = append(out, string(e.Packet.Dir)+" data")
		case e.Packet != nil:
			out = append(out, string(e.Packet.Dir)+" ACK")
		}
	}
	return out
}

// The lab server's calls are placed among the host's packets by their
// converted times and, within the clock's uncertainty, by causality: a
// recv after the data it returned, a sendall before the segment it sent,
// a close before its FIN. Each says where it went.
func TestPlace(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ms := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }
	tr := lab.NewTrace(0)
	// The server's clock is 1 s ahead; the estimate is sure to 2 ms.
	r := lab.Remote{Offset: -time.Second, Uncertainty: 2 * time.Millisecond}
	srv := func(n float64) time.Time { return ms(n).Add(time.Second) }

	tr.Record(pkt(ms(10), lab.Out, 6, false))
	tr.Record(pkt(ms(10.5), lab.In, 0, false))
	tr.Record(pkt(ms(11), lab.In, 6, false)) // the echo, recorded before the server's calls arrive
	// By the server's clock recv ran at 9 ms and sendall at 11.5 ms:
	// within 2 ms of what causality says, which wins.
	tr.Place(call("recv", srv(9), srv(9.1)), r)
	tr.Place(call("sendall", srv(11.5), srv(11.6)), r)
	tr.Record(pkt(ms(12), lab.Out, 0, false))
	tr.Record(pkt(ms(20), lab.In, 0, true))
	tr.Place(call("close", srv(20.5), srv(20.6)), r)
	tr.Record(pkt(ms(21), lab.Out, 0, true))

	want := []string{"out data", "recv", "in ACK", "sendall", "in data", "out ACK", "close", "in FIN", "out FIN"}
	evs := tr.Events()
	if got := names(evs); !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Errorf("event %d at %v, before event %d's %v", i, evs[i].Time, i-1, evs[i-1].Time)
		}
	}
	for _, e := range evs {
		if e.Call != nil && e.Call.Name == "sendall" && e.Before != evs[4].Seq {
			t.Errorf("sendall's Before = %d, want the echo's seq %d", e.Before, evs[4].Seq)
		}
		if e.Call != nil && e.Call.Start.Sub(ms(0)) > 25*time.Millisecond {
			t.Errorf("%s's start %v not converted", e.Call.Name, e.Call.Start)
		}
	}

	// Far outside the uncertainty, time wins.
	tr.Reset()
	tr.Record(pkt(ms(100), lab.In, 6, false))
	tr.Place(call("sendall", srv(110), srv(110.1)), r)
	if got, want := names(tr.Events()), []string{"in data", "sendall"}; !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
