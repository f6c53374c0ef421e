package bridge

import (
	"context"
	"net/netip"
	"time"

	"github.com/socketlab/socketlab/lab"
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

// stepPoll is how often a step that found nothing held asks again.
const stepPoll = 50 * time.Millisecond

// ConsoleWire is the wire of the session's port as a console controls it
// (console.WithWire): the server's, over the bridge. A step that finds
// nothing held asks again every stepPoll until ctx is done, as a room's
// wire waits.
func (c *Client) ConsoleWire() console.Wire { return clientWire{c} }

type clientWire struct{ c *Client }

func (w clientWire) Do(ctx context.Context, cmd lab.WireCommand) (lab.WireResult, error) {
	for {
		res, err := w.c.Wire(ctx, cmd)
		if err != nil || cmd.Verb != lab.WireVerbStep || res.Moved > 0 {
			return res, err
		}
		select {
		case <-time.After(stepPoll):
		case <-ctx.Done():
			return res, nil
		}
	}
}
