package check

import (
	"testing"

	"github.com/socketlab/socketlab/lab"
)

// What shows on the wire: the student's packets and the lab server's
// calls and states; not the student's calls and states, a call of any
// host, a packet on the loopback, or the wire's actions.
func TestOnWire(t *testing.T) {
	yes := true
	c := Check{
		Expect: []Pattern{
			{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Flags: []string{"SYN"}, Dir: lab.Out, Port: 7},
			{Kind: lab.KindCall, Host: "you", Count: 1, Call: "connect"},
			{Kind: lab.KindCall, Host: "server", Count: 1, Call: "recv"},
			{Kind: lab.KindState, Host: "you", Count: 1, State: lab.StateEstablished},
		},
		All: []Pattern{
			{Kind: lab.KindCall, Host: "any", Count: 1, Call: "close"},
			{Kind: lab.KindPacket, Host: "you", Count: 2, L4: "TCP", Flags: []string{"PSH", "ACK"}, Dir: lab.In, Port: 7, Data: &yes},
			{Kind: lab.KindWire, Host: "you", Count: 1, Wire: lab.WireDropped},
		},
	}
	w := c.OnWire()
	if len(w.Expect) != 2 || w.Expect[0].Kind != lab.KindPacket || w.Expect[1].Call != "recv" || len(w.All) != 1 || w.All[0].Count != 2 {
		t.Fatalf("OnWire = %+v", w)
	}
	want := "a SYN packet from the student’s host to port 7, then the lab server’s recv call; and 2× a PSH, ACK packet to the student’s host from port 7 with data"
	if got := w.Describe(); got != want {
		t.Errorf("Describe = %q\nwant       %q", got, want)
	}
	lo := Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Local: "127.0.0.1:5000"}
	if lo.OnWire() || !(Pattern{Kind: lab.KindPacket, Host: "you", Count: 1, L4: "TCP", Local: "5000"}).OnWire() {
		t.Error("a loopback packet shows on the wire, or a packet from a local port does not")
	}
	if own := (Check{Expect: c.Expect[1:2]}).OnWire(); !own.Empty() {
		t.Errorf("the student's own call shows on the wire: %+v", own)
	}
	q := Question{Event: &c.Expect[0], Field: "sport"}
	if len(q.OnWire()) != 1 {
		t.Errorf("a question reading a SYN reads nothing on the wire")
	}
	q = Question{From: &c.Expect[0], To: &c.Expect[1]}
	if len(q.OnWire()) != 0 {
		t.Errorf("a question counting up to the student's own call reads the wire alone: %+v", q.OnWire())
	}
}
