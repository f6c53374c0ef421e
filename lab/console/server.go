package console

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Service is a service the lab server runs, as the console's hints name
// it.
type Service struct {
	Name  string // "echo"
	Proto string // "tcp" or "udp"
	Port  uint16
}

// Option sets a console up as New makes it.
type Option func(*Console)

// WithServer tells the console the lab server's address and the services
// it runs, so that a connect to that address, refused on a port where no
// TCP service listens, gets a hint naming the ports where one does.
func WithServer(addr netip.Addr, services []Service) Option {
	return func(c *Console) {
		c.server = addr
		c.services = slices.SortedStableFunc(slices.Values(services), func(a, b Service) int {
			return cmp.Compare(a.Port, b.Port)
		})
	}
}

// refusedHint is the hint for a TCP connect to dst that was refused: if
// dst is the lab server's and no TCP service of its is on that port, the
// ports where one is; "" otherwise.
func (c *Console) refusedHint(dst netip.AddrPort) string {
	if !c.server.IsValid() || dst.Addr() != c.server {
		return ""
	}
	var tcp []string
	udp := ""
	for _, sv := range c.services {
		switch {
		case sv.Proto == "tcp" && sv.Port == dst.Port():
			return "" // refused for some other reason: the service is there
		case sv.Proto == "tcp":
			tcp = append(tcp, fmt.Sprintf("%d (%s)", sv.Port, sv.Name))
		case sv.Proto == "udp" && sv.Port == dst.Port():
			udp = fmt.Sprintf("%s is on UDP %d: socket(AF_INET, SOCK_DGRAM) reaches it; ", sv.Name, sv.Port)
		}
	}
	if len(tcp) == 0 {
		return ""
	}
	return udp + fmt.Sprintf("the lab server %v listens on TCP %s", c.server, strings.Join(tcp, ", "))
}
