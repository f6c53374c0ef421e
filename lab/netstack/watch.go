package netstack

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketlab/socketlab/lab"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// The watcher reads TCP socket states from the stack and records each
// change. gVisor has no hook for state changes, so states are read where
// they show: on the sending path, just before each outbound segment (a
// stack moves to SYN-SENT before it sends its SYN, to LAST-ACK before its
// FIN); from TCP's probe, which runs after each inbound segment of a
// connection is processed (CLOSE-WAIT and TIME-WAIT come after the ACK of
// the peer's FIN); and by a goroutine woken by inbound packets and timers,
// for the rest (a handshake completing in an accept queue, TIME-WAIT
// expiring). Reading a state is an atomic load, so neither the sending path
// nor the probe takes a lock of gVisor's.
//
// The goroutine runs only while it has something to do: a kick starts it,
// and it ends once its polls after the last kick are done and no
// connection waits on a timer. An inbound packet wakes it only while some
// connection is between states that the probe and the sending path do not
// see (pending): in an accept queue, or waiting on a timer.

type tuple struct{ local, peer netip.AddrPort }

type watched struct {
	ep     tcpip.Endpoint // nil while a connection waits in an accept queue unresolved
	socket int
	local  netip.AddrPort
	peer   netip.AddrPort
	last   lab.SocketState
	held   held // what its queues hold: see Host.Buffered
}

type watcher struct {
	h    *Host
	wake chan struct{}

	// pending is set while some connection is unresolved or in a state
	// other than ESTABLISHED and CLOSE-WAIT; poll clears it. It is written
	// with mu held.
	pending atomic.Bool

	run     sync.Mutex // guards running and stopped
	running bool       // the goroutine runs
	stopped bool       // the host is closing: no goroutine starts

	mu        sync.Mutex
	conns     map[tuple]*watched
	listeners map[uint16]*watched
}

func newWatcher(h *Host) *watcher {
	return &watcher{
		h:         h,
		wake:      make(chan struct{}, 1),
		conns:     map[tuple]*watched{},
		listeners: map[uint16]*watched{},
	}
}

// pollAfterKick are the delays after an inbound packet at which states are
// read again, for the stack processes segments on its own goroutines.
var pollAfterKick = []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 25 * time.Millisecond, 100 * time.Millisecond}

// pollSlow is how often states are read while some connection is between
// states that only a timer ends (TIME-WAIT, FIN-WAIT-2, retransmissions).
const pollSlow = 250 * time.Millisecond

// kick has the states read now and a few times after, starting the
// goroutine if it is not running.
func (w *watcher) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
	w.run.Lock()
	defer w.run.Unlock()
	if w.running || w.stopped {
		return
	}
	w.running = true
	w.h.wg.Add(1)
	go func() {
		defer w.h.wg.Done()
		w.loop(w.h.done)
	}()
}

// nudge is a kick for an inbound packet: it matters only while some
// connection is pending, for the probe and the sending path see the rest.
func (w *watcher) nudge() {
	if w.pending.Load() {
		w.kick()
	}
}

// stop keeps the goroutine from starting again; the host's done channel
// ends it.
func (w *watcher) stop() {
	w.run.Lock()
	defer w.run.Unlock()
	w.stopped = true
}

// loop is the watcher's goroutine: it polls at each kick and at the delays
// of pollAfterKick after it, and every pollSlow while some connection waits
// on a timer; when there is nothing left to poll for, it ends.
func (w *watcher) loop(done <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	step := len(pollAfterKick)
	for {
		select {
		case <-done:
			return
		case <-w.wake:
			step = 0
		case <-timer.C:
		}
		busy := w.poll()
		var next time.Duration
		switch {
		case step+1 < len(pollAfterKick):
			step++
			next = pollAfterKick[step]
		case busy:
			step = len(pollAfterKick)
			next = pollSlow
		default:
			if w.idle() {
				return
			}
			step = 0 // kicked since the poll
			next = 0
		}
		timer.Reset(next)
	}
}

// idle ends the goroutine unless it was kicked since its last poll.
func (w *watcher) idle() bool {
	w.run.Lock()
	defer w.run.Unlock()
	select {
	case <-w.wake:
		return false
	default:
		w.running = false
		return true
	}
}

// watch starts reading the states of ep, a TCP endpoint with the given
// addresses (peer invalid for a listener; a listener on any address is
// recorded on the host's). It takes over a connection already seen in an
// accept queue.
func (w *watcher) watch(ep tcpip.Endpoint, socket int, local, peer netip.AddrPort, from lab.SocketState) {
	if local.Addr().IsUnspecified() {
		local = netip.AddrPortFrom(w.h.addr, local.Port())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !peer.IsValid() {
		c := &watched{ep: ep, socket: socket, local: local, last: from}
		w.listeners[local.Port()] = c
		w.check(c, w.h.now())
		return
	}
	key := tuple{local, peer}
	c, ok := w.conns[key]
	if !ok {
		c = &watched{local: local, peer: peer, last: from}
		w.conns[key] = c
	}
	c.ep, c.socket = ep, socket
	w.check(c, w.h.now())
}

// outbound reads the state of the connection that sent b, before b is seen
// on the link.
func (w *watcher) outbound(now time.Time, b []byte) {
	if len(b) < header.IPv4MinimumSize || header.IPv4(b).TransportProtocol() != tcp.ProtocolNumber {
		return
	}
	ip := header.IPv4(b)
	hl := int(ip.HeaderLength())
	if len(b) < hl+header.TCPMinimumSize {
		return
	}
	t := header.TCP(b[hl:])
	src, dst := ip.SourceAddress().As4(), ip.DestinationAddress().As4()
	key := tuple{
		netip.AddrPortFrom(netip.AddrFrom4(src), t.SourcePort()),
		netip.AddrPortFrom(netip.AddrFrom4(dst), t.DestinationPort()),
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.conns[key]
	switch {
	case ok && c.ep != nil:
		w.check(c, now)
	case !ok && t.Flags() == header.TCPFlagSyn|header.TCPFlagAck && w.listeners[key.local.Port()] != nil:
		// A listener's new connection answers a SYN: it is in
		// SYN-RECEIVED, in the accept queue, with no socket of its own
		// yet. The poller finds its endpoint.
		c = &watched{local: key.local, peer: key.peer, last: lab.StateListen}
		w.conns[key] = c
		w.emit(c, lab.StateSynReceived, now)
		w.pending.Store(true)
		w.kick()
	}
}

// probe reads the state of a connection that has just processed a segment.
func (w *watcher) probe(s *tcp.TCPEndpointState) {
	key := tuple{
		netip.AddrPortFrom(ipOf(s.ID.LocalAddress), s.ID.LocalPort),
		netip.AddrPortFrom(ipOf(s.ID.RemoteAddress), s.ID.RemotePort),
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conns[key]
	if c == nil {
		return
	}
	c.held.probed(s)
	if c.ep != nil {
		w.check(c, w.h.now())
	}
}

// poll reads every watched state, finding the endpoints of connections in
// accept queues first. It reports whether any connection is waiting on a
// timer.
func (w *watcher) poll() (busy bool) {
	w.mu.Lock()
	var unresolved []tuple
	for k, c := range w.conns {
		if c.ep == nil {
			unresolved = append(unresolved, k)
		}
	}
	w.mu.Unlock()
	found := make(map[tuple]tcpip.Endpoint, len(unresolved))
	for _, k := range unresolved {
		id := stack.TransportEndpointID{
			LocalPort:     k.local.Port(),
			LocalAddress:  tcpip.AddrFrom4(k.local.Addr().As4()),
			RemotePort:    k.peer.Port(),
			RemoteAddress: tcpip.AddrFrom4(k.peer.Addr().As4()),
		}
		if ep, ok := w.h.stack.FindTransportEndpoint(ipv4.ProtocolNumber, tcp.ProtocolNumber, id, nicID).(tcpip.Endpoint); ok {
			found[k] = ep
		}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.h.now()
	for k, c := range w.conns {
		if c.ep == nil {
			c.ep = found[k]
		}
		if c.ep == nil {
			busy = true
			continue
		}
		w.check(c, now)
		switch c.last {
		case lab.StateClosed:
			delete(w.conns, k)
		case lab.StateEstablished, lab.StateCloseWait:
		default:
			busy = true
		}
	}
	for port, c := range w.listeners {
		w.check(c, now)
		if c.last == lab.StateClosed {
			delete(w.listeners, port)
		}
	}
	w.pending.Store(busy)
	return busy
}

// check records c's state if it changed. w.mu is held.
func (w *watcher) check(c *watched, now time.Time) {
	if s := tcpState(c.ep.State()); s != c.last && s != lab.StateNone {
		w.emit(c, s, now)
	}
}

func (w *watcher) emit(c *watched, to lab.SocketState, now time.Time) {
	from := c.last
	c.last = to
	if c.peer.IsValid() && to != lab.StateEstablished && to != lab.StateCloseWait {
		w.pending.Store(true)
	}
	if w.h.cfg.Recorder == nil {
		return
	}
	sc := &lab.StateChange{
		Socket: c.socket,
		Proto:  "tcp",
		Local:  c.local,
		Peer:   c.peer,
		From:   from,
		To:     to,
	}
	w.h.cfg.Recorder.Record(lab.Event{Time: now, Host: w.h.name, Kind: lab.KindState, State: sc})
}

// tcpState names a gVisor TCP endpoint state; StateNone for the states a
// socket has before it does anything (created, bound).
func tcpState(s uint32) lab.SocketState {
	switch tcp.EndpointState(s) {
	case tcp.StateEstablished:
		return lab.StateEstablished
	case tcp.StateSynSent, tcp.StateConnecting:
		return lab.StateSynSent
	case tcp.StateSynRecv:
		return lab.StateSynReceived
	case tcp.StateFinWait1:
		return lab.StateFinWait1
	case tcp.StateFinWait2:
		return lab.StateFinWait2
	case tcp.StateTimeWait:
		return lab.StateTimeWait
	case tcp.StateCloseWait:
		return lab.StateCloseWait
	case tcp.StateLastAck:
		return lab.StateLastAck
	case tcp.StateListen:
		return lab.StateListen
	case tcp.StateClosing:
		return lab.StateClosing
	case tcp.StateClose, tcp.StateError:
		return lab.StateClosed
	default:
		return lab.StateNone
	}
}
