package room

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/netstack"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/sock"
)

// Host is a student host running in this process, with its own trace: its
// calls, its socket states, every packet on its link, decoded, and the lab
// server's calls and states for its connections, in the order they
// happened.
type Host struct {
	room    *Room
	port    *Port
	net     *netstack.Host
	sockets *sock.Stack
	trace   *lab.Trace
	tracker packet.Tracker
}

// AddHost attaches a new student host that runs in this process.
func (r *Room) AddHost() (*Host, error) {
	h := &Host{trace: lab.NewTrace(0), room: r}
	// The lab server's events: one process, one clock, so placed by their
	// times as they are, and by causality within a call's span.
	server := lab.RecorderFunc(func(e lab.Event) { h.trace.Place(e, lab.Remote{}) })
	port, err := r.Attach(func(pkt []byte) { h.net.Deliver(pkt) }, server)
	if err != nil {
		return nil, err
	}
	n, err := netstack.New(netstack.Config{
		Addr:     netip.PrefixFrom(port.Addr(), r.cfg.Network.Bits()),
		Gateway:  r.Server(),
		TimeWait: r.cfg.TimeWait,
		Output:   port.Send,
		Observe:  h.observe,
		Recorder: lab.RecorderFunc(h.record),
		Now:      r.cfg.Now,
	})
	if err != nil {
		port.Detach()
		return nil, fmt.Errorf("add host: %w", err)
	}
	h.port, h.net = port, n
	h.sockets = sock.New(n, lab.RecorderFunc(h.record))
	r.mu.Lock()
	port.host = h
	r.mu.Unlock()
	return h, nil
}

// observe records a packet crossing one of the host's interfaces.
func (h *Host) observe(iface string, dir lab.Direction, t time.Time, pkt []byte) {
	h.tracker.Record(h.record, h.port.addr.String(), iface, dir, t, pkt)
}

// record records one of the host's own events (its calls, its sockets'
// states, its packets) on its trace, and counts it as the room's activity
// (see Room.WaitQuiet). The lab server's events for the host reach the
// trace through the room.
func (h *Host) record(e lab.Event) {
	h.room.activity.Add(1)
	h.trace.Record(e)
}

// Addr is the host's address.
func (h *Host) Addr() netip.Addr { return h.port.addr }

// Sockets makes the host's traced sockets.
func (h *Host) Sockets() *sock.Stack { return h.sockets }

// Trace is everything the host has seen.
func (h *Host) Trace() *lab.Trace { return h.trace }

// Port is the host's place on the switch.
func (h *Host) Port() *Port { return h.port }

// WritePcap writes every packet in the host's trace as a pcap file.
func (h *Host) WritePcap(w io.Writer) error {
	return packet.WriteTrace(w, h.trace.Events())
}

// Close closes the host's sockets and takes it off the switch.
func (h *Host) Close() {
	h.port.Detach()
	h.close()
}

func (h *Host) close() {
	h.sockets.Close()
	h.net.Close()
}
