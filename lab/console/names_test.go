package console_test

import (
	"slices"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/room"
)

// A name is resolved by the host's own resolver, asking the lab's DNS
// server: the query and the answer are on the wire and its calls in the
// trace, before the connect that needed the name.
func TestNamesResolvedOverDNS(t *testing.T) {
	l := newLab(t, room.Config{})
	l.transcript(t, `
>>> gethostbyname("www.lab")
'10.0.0.1'
>>> gethostbyname("WWW.LAB.")
'10.0.0.1'
>>> getaddrinfo("echo.lab", 7)
[(<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_STREAM: 1>, 6, '', ('10.0.0.1', 7)), (<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_DGRAM: 2>, 17, '', ('10.0.0.1', 7)), (<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_RAW: 3>, 0, '', ('10.0.0.1', 7))]
>>> getaddrinfo("echo.lab", "7", type=SOCK_STREAM)
[(<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_STREAM: 1>, 6, '', ('10.0.0.1', 7))]
>>> getaddrinfo("10.0.0.1", None)[0][4]
('10.0.0.1', 0)
>>> gethostbyname("nosuch.lab")
socket.gaierror: [Errno -2] Name or service not known
>>> gethostbyname("lab")
socket.gaierror: [Errno -5] No address associated with hostname
>>> gethostbyname("example.com")
socket.gaierror: [Errno -2] Name or service not known
>>> gethostbyname("a..b")
socket.gaierror: [Errno -2] Name or service not known
>>> s = socket(AF_INET, SOCK_STREAM)
>>> s.connect(("echo.lab", 7))
>>> s.getpeername()
('10.0.0.1', 7)
`)
	calls := l.calls()
	want := []string{"close", "socket", "socket", "connect", "send", "recv", "close", "connect", "getpeername"}
	if i := len(calls) - len(want); i < 0 || !slices.Equal(calls[i:], want) {
		t.Errorf("the last calls = %v, want the resolver's then connect: …%v", calls, want)
	}
	var queries, answers int
	for _, e := range l.h.Trace().Events() {
		if e.Kind != lab.KindPacket || e.Packet.UDP == nil {
			continue
		}
		switch {
		case e.Packet.UDP.DstPort == 53:
			queries++
		case e.Packet.UDP.SrcPort == 53:
			answers++
		}
	}
	// Eight names asked for (a..b never leaves the host), each answered.
	if queries != 8 || answers != 8 {
		t.Errorf("%d DNS queries and %d answers on the wire, want 8 and 8", queries, answers)
	}
}
