package bridge

import (
	"net/netip"

	"github.com/socketlab/socketlab/lab/console"
)

// ConsoleServer tells a console of the lab server the hello names and of
// the services it runs, for the console's hints (console.WithServer).
func (h Hello) ConsoleServer() console.Option {
	addr, _ := netip.ParseAddr(h.Host.Gateway) // invalid if absent: then no hints
	svcs := make([]console.Service, len(h.Services))
	for i, s := range h.Services {
		svcs[i] = console.Service{Name: s.Name, Proto: s.Proto, Port: s.Port}
	}
	return console.WithServer(addr, svcs)
}
