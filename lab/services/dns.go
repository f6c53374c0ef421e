package services

import (
	"net/netip"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// LabNames are the names the lab's DNS server answers for, each with the
// lab server's address.
var LabNames = []string{"server.lab", "www.lab", "echo.lab", "peer.lab", MailHost}

// Zone is the lab's DNS zone, "lab.": an authoritative server for it that
// answers A queries, and MX queries for "lab." (mail for name@lab goes to
// mail.lab), and refuses every name outside it (it does not recurse).
type Zone struct {
	names map[string]netip.Addr // "www.lab." → address
	soa   dnsmessage.SOAResource
}

// LabZone is the zone whose LabNames all have the address server.
func LabZone(server netip.Addr) *Zone {
	z := &Zone{
		names: map[string]netip.Addr{},
		soa: dnsmessage.SOAResource{
			NS:      dnsmessage.MustNewName("server.lab."),
			MBox:    dnsmessage.MustNewName("hostmaster.lab."),
			Serial:  1,
			Refresh: 3600, Retry: 600, Expire: 86400,
			MinTTL: ttl,
		},
	}
	for _, n := range LabNames {
		z.names[n+"."] = server
	}
	return z
}

// ttl is how long, in seconds, a resolver may keep an answer.
const ttl = 60

// Answer answers one DNS query message (RFC 1035) with a response
// message, or nil when it should be dropped: not a DNS header, or itself
// a response.
func (z *Zone) Answer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil
	}
	resp := dnsmessage.Header{ID: h.ID, Response: true, OpCode: h.OpCode, RecursionDesired: h.RecursionDesired}
	if h.OpCode != 0 {
		resp.RCode = dnsmessage.RCodeNotImplemented
		return build(resp, nil, nil, nil)
	}
	q, err := p.Question()
	if err != nil {
		resp.RCode = dnsmessage.RCodeFormatError
		return build(resp, nil, nil, nil)
	}
	if _, err := p.Question(); err != dnsmessage.ErrSectionDone {
		resp.RCode = dnsmessage.RCodeFormatError // one question per query
		return build(resp, nil, nil, nil)
	}
	name := strings.ToLower(q.Name.String())
	if q.Class != dnsmessage.ClassINET || (name != "lab." && !strings.HasSuffix(name, ".lab.")) {
		resp.RCode = dnsmessage.RCodeRefused
		return build(resp, &q, nil, nil)
	}
	resp.Authoritative = true
	addr, ok := z.names[name]
	if !ok && name != "lab." {
		resp.RCode = dnsmessage.RCodeNameError
		return build(resp, &q, nil, &z.soa)
	}
	switch {
	case name == "lab." && (q.Type == dnsmessage.TypeMX || q.Type == dnsmessage.TypeALL):
		return build(resp, &q, z.mx, nil)
	case ok && (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeALL):
		return build(resp, &q, func(b *dnsmessage.Builder) {
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: ttl}, dnsmessage.AResource{A: addr.As4()})
		}, nil)
	}
	return build(resp, &q, nil, &z.soa) // the name is there, with no record of that type
}

// mx adds the zone's MX record, "lab." → mail.lab, to b's answers, and
// mail.lab's address to its additional section, as a server does to
// spare the next query.
func (z *Zone) mx(b *dnsmessage.Builder) {
	mail := dnsmessage.MustNewName(MailHost + ".")
	b.MXResource(dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("lab."), Class: dnsmessage.ClassINET, TTL: ttl},
		dnsmessage.MXResource{Pref: 10, MX: mail})
	b.StartAdditionals()
	b.AResource(dnsmessage.ResourceHeader{Name: mail, Class: dnsmessage.ClassINET, TTL: ttl},
		dnsmessage.AResource{A: z.names[MailHost+"."].As4()})
}

// build packs a response with its question, the answers answer adds and
// an SOA in the authority section, each if given.
func build(h dnsmessage.Header, q *dnsmessage.Question, answer func(*dnsmessage.Builder), soa *dnsmessage.SOAResource) []byte {
	b := dnsmessage.NewBuilder(make([]byte, 0, 128), h)
	b.EnableCompression()
	if q != nil {
		b.StartQuestions()
		b.Question(*q)
	}
	if answer != nil {
		b.StartAnswers()
		answer(&b)
	}
	if soa != nil {
		b.StartAuthorities()
		b.SOAResource(dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("lab."), Class: dnsmessage.ClassINET, TTL: ttl}, *soa)
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}
