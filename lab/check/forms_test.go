package check_test

import (
	"net/netip"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/check"
)

// onSocket is a call of yours on socket fd with peer; an accept's fd is
// the socket it made.
func onSocket(name string, fd int, peer string) lab.Event {
	e := call(name, netip.MustParseAddrPort("10.0.1.1:6000"), netip.MustParseAddrPort(peer))
	if name == "accept" {
		e.Call.Socket, e.Call.NewFD = 3, fd
	} else {
		e.Call.Socket = fd
	}
	return e
}

// A packet's local side: a SYN from your port 5000, not from 5001.
func TestLocal(t *testing.T) {
	c := check.Check{Expect: []check.Pattern{{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN"}, Dir: lab.Out, Local: "5000"}}}
	from := func(port uint16) []lab.Event {
		return []lab.Event{tcp(lab.Out, port, 7, 1, 0, 0, 0, lab.TCPFlags{SYN: true})}
	}
	if !c.Match(from(5000), you) {
		t.Error("a SYN from port 5000 does not match local: 5000")
	}
	if c.Match(from(5001), you) {
		t.Error("a SYN from port 5001 matches local: 5000")
	}
	c.Expect[0].Local = "10.0.1.1:5000"
	if !c.Match(from(5000), you) {
		t.Error("a SYN from 10.0.1.1:5000 does not match local: 10.0.1.1:5000")
	}
	c.Expect[0].Local = "127.0.0.1"
	if c.Match(from(5000), you) {
		t.Error("a SYN from 10.0.1.1 matches local: 127.0.0.1")
	}
	// An incoming packet's local side is its destination.
	in := []lab.Event{tcp(lab.In, 7, 5000, 1, 0, 2, 1, lab.TCPFlags{SYN: true, ACK: true})}
	c.Expect[0] = check.Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN", "ACK"}, Local: "5000"}
	if !c.Match(in, you) {
		t.Error("a SYN-ACK to port 5000 does not match local: 5000")
	}
}

// A DNS response's rcode.
func TestDNSRcode(t *testing.T) {
	c := check.Check{All: []check.Pattern{{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "UDP", Dir: lab.In, DNS: "NXDOMAIN"}}}
	if !c.Match([]lab.Event{dnsAnswer(t, "nosuch.lab", netip.Addr{})}, you) {
		t.Error("an NXDOMAIN answer does not match dns: NXDOMAIN")
	}
	if c.Match([]lab.Event{dnsAnswer(t, "www.lab", netip.MustParseAddr("10.0.0.1"))}, you) {
		t.Error("a NOERROR answer matches dns: NXDOMAIN")
	}
	if c.Match([]lab.Event{withPayload(udp(lab.In, 53, 40000, 0), []byte("not dns"))}, you) {
		t.Error("a datagram that is not DNS matches dns: NXDOMAIN")
	}
}

// The same socket across calls: accept's new socket, then a send and a
// recv on it; a send on another socket does not do. A label binds the
// socket that lets the rest match, not only the first it could.
func TestSameSocket(t *testing.T) {
	c := check.Check{Expect: []check.Pattern{
		{Kind: lab.KindCall, Host: "you", Count: 1, Call: "accept", Socket: "p"},
		{Kind: lab.KindCall, Host: "you", Count: 1, Call: "send", Socket: "p"},
		{Kind: lab.KindCall, Host: "you", Count: 1, Call: "recv", Socket: "p"},
	}}
	right := []lab.Event{onSocket("accept", 5, "10.0.0.1:9000"), onSocket("send", 5, "10.0.0.1:9000"), onSocket("recv", 5, "10.0.0.1:9000")}
	if !c.Match(right, you) {
		t.Error("accept, send and recv on its socket do not match")
	}
	wrong := []lab.Event{onSocket("accept", 5, "10.0.0.1:9000"), onSocket("send", 4, "10.0.0.1:9000"), onSocket("recv", 4, "10.0.0.1:9000")}
	if c.Match(wrong, you) {
		t.Error("a send and recv on another socket than accept's match")
	}
	mixed := []lab.Event{onSocket("accept", 5, "10.0.0.1:9000"), onSocket("send", 5, "10.0.0.1:9000"), onSocket("recv", 4, "10.0.0.1:9000")}
	if c.Match(mixed, you) {
		t.Error("a recv on another socket matches")
	}
	// Two accepts: the second's socket is the one used.
	later := append([]lab.Event{onSocket("accept", 4, "10.0.0.1:9001")}, right...)
	later[1], later[2] = onSocket("accept", 6, "10.0.0.1:9002"), onSocket("send", 6, "10.0.0.1:9002")
	later[3] = onSocket("recv", 6, "10.0.0.1:9002")
	if !c.Match(later, you) {
		t.Error("the second accept's socket, used by send and recv, does not match")
	}
	// Two labels are two sockets.
	two := check.Check{Expect: []check.Pattern{
		{Kind: lab.KindCall, Host: "you", Count: 1, Call: "recv", Socket: "a"},
		{Kind: lab.KindCall, Host: "you", Count: 1, Call: "recv", Socket: "b"},
	}}
	if two.Match([]lab.Event{onSocket("recv", 5, "10.0.0.1:1"), onSocket("recv", 5, "10.0.0.1:1")}, you) {
		t.Error("labels a and b match one socket")
	}
	if !two.Match([]lab.Event{onSocket("recv", 5, "10.0.0.1:1"), onSocket("recv", 5, "10.0.0.1:1"), onSocket("recv", 6, "10.0.0.1:2")}, you) {
		t.Error("labels a and b do not match two sockets")
	}
}

// Distinct peers: two recvs from two callers, not two from one.
func TestDistinctPeers(t *testing.T) {
	for _, list := range []string{"expect", "all"} {
		p := check.Pattern{Kind: lab.KindCall, Host: "you", Count: 2, Call: "recv", Distinct: "peer"}
		c := check.Check{Expect: []check.Pattern{p}}
		if list == "all" {
			c = check.Check{All: []check.Pattern{p}}
		}
		one := []lab.Event{onSocket("recv", 5, "10.0.0.1:40001"), onSocket("recv", 5, "10.0.0.1:40001")}
		if c.Match(one, you) {
			t.Errorf("%s: two recvs from one peer match distinct peers", list)
		}
		two := append(one, onSocket("recv", 6, "10.0.0.1:40002"))
		if !c.Match(two, you) {
			t.Errorf("%s: recvs from two peers do not match distinct peers", list)
		}
	}
}
