package sock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// The errors of a name lookup, as getaddrinfo sorts them.
var (
	ErrNoSuchHost = errors.New("name or service not known")            // NXDOMAIN: EAI_NONAME
	ErrNoAddress  = errors.New("no address associated with hostname")  // the name has no A record: EAI_NODATA
	ErrNoAnswer   = errors.New("temporary failure in name resolution") // no server answered, or not usefully: EAI_AGAIN
)

// DNS is the lab's resolver configuration: its name server is the lab
// server (the first address of the host's network) on port 53, as a
// resolv.conf would name it, tried twice, two seconds each.
const (
	dnsPort     = 53
	dnsAttempts = 2
	dnsTimeout  = 2 * time.Second
)

// NameServer is where LookupHost sends its queries: port 53 of the first
// address of the host's network, the lab server.
func (st *Stack) NameServer() netip.AddrPort {
	return netip.AddrPortFrom(st.host.Prefix().Masked().Addr().Next(), dnsPort)
}

// Localhost is the address of the name "localhost": the host's loopback.
var Localhost = netip.AddrFrom4([4]byte{127, 0, 0, 1})

// LookupHost asks the name server for name's IPv4 address, as a C
// library's resolver does and with the same calls, each traced: socket,
// connect, send, recv (again on a timeout), close. Names are the
// lab's, such as "www.lab"; "localhost" is Localhost without a query, as
// /etc/hosts says.
func (st *Stack) LookupHost(ctx context.Context, name string) (netip.Addr, error) {
	if strings.EqualFold(strings.TrimSuffix(name, "."), "localhost") {
		return Localhost, nil
	}
	fqdn := strings.TrimSuffix(name, ".") + "."
	qname, err := dnsmessage.NewName(fqdn)
	if err != nil || len(fqdn) > 254 || strings.Contains(fqdn, "..") {
		return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, ErrNoSuchHost)
	}
	id := uint16(rand.N(1 << 16))
	q := dnsmessage.Question{Name: qname, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	b.StartQuestions()
	b.Question(q)
	query, err := b.Finish()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, err)
	}

	s, err := st.Socket(Datagram)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, err)
	}
	defer s.Close()
	s.SetTimeout(dnsTimeout)
	if err := s.Connect(ctx, st.NameServer()); err != nil {
		return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, err)
	}
	for range dnsAttempts {
		if _, err := s.Send(ctx, query); err != nil {
			return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, err)
		}
		for {
			resp, err := s.Recv(ctx, 512)
			var serr *Error
			if errors.As(err, &serr) && serr.Timeout {
				break // ask again
			}
			if err != nil {
				return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, err)
			}
			addr, err := answer(resp, id, q)
			if errors.Is(err, errNotOurs) {
				continue // wait on for the answer
			}
			if err != nil {
				return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, err)
			}
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("lookup %q: %w", name, ErrNoAnswer)
}

// errNotOurs is a datagram that is not the answer to the query asked.
var errNotOurs = errors.New("not the answer to this query")

// answer reads a response to the query id for q: the first A record's
// address, or why there is none.
func answer(resp []byte, id uint16, q dnsmessage.Question) (netip.Addr, error) {
	var p dnsmessage.Parser
	h, perr := p.Start(resp)
	if perr != nil || !h.Response || h.ID != id {
		return netip.Addr{}, errNotOurs
	}
	got, perr := p.Question()
	if perr != nil || !strings.EqualFold(got.Name.String(), q.Name.String()) || got.Type != q.Type {
		return netip.Addr{}, errNotOurs
	}
	p.SkipAllQuestions()
	switch h.RCode {
	case dnsmessage.RCodeSuccess:
	case dnsmessage.RCodeNameError, dnsmessage.RCodeRefused:
		// The lab's server answers for lab. and refuses other names;
		// with no other server to ask, those names do not exist, and a
		// student is told so, as a resolver says of any missing name.
		return netip.Addr{}, ErrNoSuchHost
	default:
		return netip.Addr{}, ErrNoAnswer
	}
	for {
		rh, perr := p.AnswerHeader()
		if perr != nil {
			return netip.Addr{}, ErrNoAddress
		}
		if rh.Type != dnsmessage.TypeA || rh.Class != dnsmessage.ClassINET {
			if p.SkipAnswer() != nil {
				return netip.Addr{}, ErrNoAddress
			}
			continue
		}
		a, perr := p.AResource()
		if perr != nil {
			return netip.Addr{}, ErrNoAddress
		}
		return netip.AddrFrom4(a.A), nil
	}
}
