package check

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/socketlab/socketlab/lab"
	"golang.org/x/net/dns/dnsmessage"
)

// dnsPort is where a name server answers from.
const dnsPort = 53

// lookedUp reports whether the latest DNS answer that host received in
// events answered a query for name with addr: the lookup a call that
// follows it used. An answer for another name, or without addr, after
// the one for name, unties them.
func lookedUp(events []lab.Event, host, name string, addr netip.Addr) bool {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Kind != lab.KindPacket || e.Host != host || e.Packet.Dir != lab.In || e.Packet.UDP == nil || e.Packet.UDP.SrcPort != dnsPort {
			continue
		}
		asked, addrs, ok := dnsAnswer(e.Packet.Payload())
		if !ok {
			continue // not a DNS response
		}
		return sameName(asked, name) && slices.Contains(addrs, addr)
	}
	return false
}

// dnsAnswer reads a DNS response: the name its question asked for, and
// the addresses of its A records.
func dnsAnswer(msg []byte) (name string, addrs []netip.Addr, ok bool) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || !h.Response {
		return "", nil, false
	}
	q, err := p.Question()
	if err != nil {
		return "", nil, false
	}
	if p.SkipAllQuestions() != nil {
		return "", nil, false
	}
	for {
		rh, err := p.AnswerHeader()
		if err != nil {
			break // no more answers, or a broken one: what came before stands
		}
		if rh.Type != dnsmessage.TypeA || rh.Class != dnsmessage.ClassINET {
			if p.SkipAnswer() != nil {
				break
			}
			continue
		}
		a, err := p.AResource()
		if err != nil {
			break
		}
		addrs = append(addrs, netip.AddrFrom4(a.A))
	}
	return q.Name.String(), addrs, true
}

// sameName reports whether two DNS names are one, ignoring case and a
// final dot.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// Rcodes are the names of DNS response codes a pattern's dns takes, as
// dig prints them (RFC 1035, 4.1.1), in the order of their numbers.
var Rcodes = []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"}

// dnsRcode is the name of a DNS response's rcode, "" when msg is not a
// DNS response or its rcode has no name here.
func dnsRcode(msg []byte) string {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || !h.Response || int(h.RCode) >= len(Rcodes) {
		return ""
	}
	return Rcodes[h.RCode]
}
