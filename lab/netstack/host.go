// Package netstack is socketlab's one wrapper around gVisor's TCP/IP stack.
// A Host is a real stack (IPv4, TCP, UDP, ICMP) with two interfaces: its
// link (LinkName), with one address, and its loopback (LoopbackName), with
// 127.0.0.1/8. Packets leave a host's link through Config.Output and enter
// it through Deliver; every packet in or out of the link, and every packet
// on the loopback, is shown to Config.Observe with its interface and time.
// Socket states are read from the stack as packets cross either interface
// and are recorded as lab events.
//
// gVisor's tcpip.Error never leaves this package: errors are lab.Errno.
package netstack

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mathrand "math/rand"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketlab/socketlab/lab"
	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// The host's interfaces: gVisor's NIC ids, and their names, as ip link
// would show them.
const (
	nicID   = 1
	loNICID = 2

	// LinkName is the name of a host's link, the interface its address is on.
	LinkName = "eth0"
	// LoopbackName is the name of a host's loopback interface.
	LoopbackName = "lo"
)

// loopback is the loopback interface's address and network, and the
// network routed to it.
var loopback = netip.MustParsePrefix("127.0.0.1/8")

// Defaults for a lab host.
const (
	DefaultMTU      = 1500
	DefaultTimeWait = 30 * time.Second
	// InboundQueue is how many packets may wait to enter a host, from its
	// link and its loopback together (as Linux's backlog queue serves
	// both); more are dropped and counted, as a real interface's ring
	// would.
	InboundQueue = 512
)

// Config describes a host.
type Config struct {
	// Addr is the host's address and the prefix of its network.
	Addr netip.Prefix
	// Gateway, if valid, is where packets for other networks go.
	Gateway netip.Addr
	// MTU of the link; 0 means DefaultMTU.
	MTU int
	// TimeWait is how long a closed TCP connection stays in TIME-WAIT;
	// 0 means DefaultTimeWait.
	TimeWait time.Duration
	// Output carries each packet the host sends. It is called on the
	// sending path and must not keep pkt after it returns.
	Output func(pkt []byte)
	// Observe, if set, sees every packet out of and into the host's link,
	// and every packet on its loopback once, as it is sent (lab.Out, as
	// tcpdump shows it), with the interface's name (LinkName or
	// LoopbackName) and the time it crossed the interface. It must not
	// keep pkt after it returns.
	Observe func(iface string, dir lab.Direction, t time.Time, pkt []byte)
	// Recorder, if set, receives the host's socket state changes.
	Recorder lab.Recorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Buffer, if not 0, is the size of each TCP connection's send buffer
	// and of its receive buffer, in bytes, fixed (no auto-tuning; a
	// socket option cannot raise it); 0 leaves gVisor's (1 MiB each,
	// the receive buffer auto-tuned up to 4 MiB).
	Buffer int
}

// Host is one lab host: a gVisor stack with a single address on its link,
// and a loopback interface.
type Host struct {
	cfg     Config
	addr    netip.Addr
	name    string
	stack   *stack.Stack
	link    *link
	lo      *loopbackLink
	watcher *watcher
	now     func() time.Time

	// owners names each open socket's endpoint by its id (the socket's
	// number), for the socket table.
	ownersMu sync.Mutex
	owners   map[tcpip.Endpoint]int

	// inbound is the queue Deliver and the loopback fill and the receive
	// goroutine empties; both start with the first packet queued.
	inbound atomic.Pointer[chan queued]
	pool    sync.Pool
	done    chan struct{}
	wg      sync.WaitGroup
	closing sync.Once

	// life is held for reading while a packet is injected, and for
	// writing when the host closes.
	life   sync.RWMutex
	closed bool
	// starting guards the start of the receive goroutine against Close.
	starting sync.Mutex
	stopped  bool

	dropped atomic.Uint64
	pending atomic.Int64 // see Pending
}

// New starts a host. Close stops it.
func New(cfg Config) (*Host, error) {
	if !cfg.Addr.IsValid() || !cfg.Addr.Addr().Is4() {
		return nil, fmt.Errorf("new host: address %v is not an IPv4 prefix", cfg.Addr)
	}
	if cfg.Output == nil {
		return nil, errors.New("new host: no output for its packets")
	}
	if cfg.MTU == 0 {
		cfg.MTU = DefaultMTU
	}
	if cfg.MTU < 576 || cfg.MTU > 65535 {
		return nil, fmt.Errorf("new host: mtu %d out of range 576..65535", cfg.MTU)
	}
	if cfg.TimeWait == 0 {
		cfg.TimeWait = DefaultTimeWait
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Host{
		cfg:  cfg,
		addr: cfg.Addr.Addr(),
		name: cfg.Addr.Addr().String(),
		now:  cfg.Now,
		done: make(chan struct{}),
	}
	mtu := cfg.MTU
	h.pool.New = func() any { b := make([]byte, mtu); return &b }
	h.watcher = newWatcher(h)
	h.owners = map[tcpip.Endpoint]int{}
	h.stack = stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4Protocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocolProbe(h.watcher.probe), udp.NewProtocol, icmp.NewProtocol4},
		// A host reaches its own addresses without its link, through its
		// loopback, as a kernel does.
		HandleLocal:     true,
		RandSource:      newRandSource(),
		DefaultIPTables: noIPTables,
	})
	if err := h.configure(); err != nil {
		h.stack.Destroy()
		return nil, err
	}
	return h, nil
}

// ipv4Protocol makes every host's IPv4. One factory serves them all: each
// call of ipv4.NewProtocol makes a table of 2048 IP identifiers (8 KB a
// host) that this version of gVisor no longer reads; a factory's hosts
// share one. Everything else of IPv4's is still a host's own.
var ipv4Protocol = ipv4.NewProtocolWithOptions(ipv4.Options{})

// noIPTables gives a host no iptables rules, which gVisor reads as "allow
// everything" and skips, as it does its default rules until they are
// changed; its default rules take 10 KB a host. Nothing here changes them.
func noIPTables(tcpip.Clock, *mathrand.Rand) *stack.IPTables { return new(stack.IPTables) }

// randSource is the stack's source of insecure random numbers (it picks
// ephemeral ports, for one): a PCG behind a lock, 40 bytes where gVisor's
// default, math/rand's, takes 4.9 KB a host.
type randSource struct {
	mu  sync.Mutex
	pcg *rand.PCG
}

func newRandSource() *randSource {
	var seed [16]byte
	cryptorand.Read(seed[:])
	return &randSource{pcg: rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))}
}

func (s *randSource) Int63() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(s.pcg.Uint64() >> 1)
}

func (s *randSource) Seed(seed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pcg.Seed(uint64(seed), 0)
}

func (h *Host) configure() error {
	// The TCP a student meets in the wild: SACK, a 60s-ish TIME-WAIT
	// (shortened so a lab session can reuse ports), ephemeral ports in
	// Linux's range.
	sack := tcpip.TCPSACKEnabled(true)
	if err := h.stack.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
		return fmt.Errorf("enable sack: %s", err)
	}
	tw := tcpip.TCPTimeWaitTimeoutOption(h.cfg.TimeWait)
	if err := h.stack.SetTransportProtocolOption(tcp.ProtocolNumber, &tw); err != nil {
		return fmt.Errorf("set time-wait: %s", err)
	}
	if err := h.setBuffers(); err != nil {
		return err
	}
	if err := h.stack.SetPortRange(32768, 60999); err != nil {
		return fmt.Errorf("set port range: %s", err)
	}
	h.link = &link{host: h, mtu: uint32(h.cfg.MTU)}
	if err := h.stack.CreateNICWithOptions(nicID, h.link, stack.NICOptions{Name: LinkName}); err != nil {
		return fmt.Errorf("create nic: %s", err)
	}
	proto := tcpip.ProtocolAddress{
		Protocol: ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{
			Address:   tcpip.AddrFrom4(h.addr.As4()),
			PrefixLen: h.cfg.Addr.Bits(),
		},
	}
	if err := h.stack.AddProtocolAddress(nicID, proto, stack.AddressProperties{}); err != nil {
		return fmt.Errorf("add address: %s", err)
	}
	subnet := proto.AddressWithPrefix.Subnet()
	routes := []tcpip.Route{{Destination: subnet, NIC: nicID}}
	if h.cfg.Gateway.IsValid() {
		routes = append(routes, tcpip.Route{
			Destination: header.IPv4EmptySubnet,
			Gateway:     tcpip.AddrFrom4(h.cfg.Gateway.As4()),
			NIC:         nicID,
		})
	}
	if err := h.addLoopback(); err != nil {
		return err
	}
	lo := tcpip.Route{Destination: subnetOf(loopback), NIC: loNICID}
	h.stack.SetRouteTable(append([]tcpip.Route{lo}, routes...))
	return nil
}

// addLoopback gives the host its loopback interface, with 127.0.0.1/8.
// gVisor then sends every packet for one of the host's own addresses
// through it, as Linux does.
func (h *Host) addLoopback() error {
	h.lo = &loopbackLink{link{host: h, mtu: uint32(h.cfg.MTU)}}
	if err := h.stack.CreateNICWithOptions(loNICID, h.lo, stack.NICOptions{Name: LoopbackName}); err != nil {
		return fmt.Errorf("create loopback: %s", err)
	}
	proto := tcpip.ProtocolAddress{
		Protocol: ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{
			Address:   tcpip.AddrFrom4(loopback.Addr().As4()),
			PrefixLen: loopback.Bits(),
		},
	}
	if err := h.stack.AddProtocolAddress(loNICID, proto, stack.AddressProperties{}); err != nil {
		return fmt.Errorf("add loopback address: %s", err)
	}
	return nil
}

func subnetOf(p netip.Prefix) tcpip.Subnet {
	return tcpip.AddressWithPrefix{Address: tcpip.AddrFrom4(p.Addr().As4()), PrefixLen: p.Bits()}.Subnet()
}

// Addr is the host's address.
func (h *Host) Addr() netip.Addr { return h.addr }

// source is the address the host sends from to reach dst: its link's
// address, or 127.0.0.1 for the loopback's network.
func (h *Host) source(dst tcpip.Address) (netip.Addr, error) {
	r, err := h.stack.FindRoute(0, tcpip.Address{}, dst, ipv4.ProtocolNumber, false)
	if err != nil {
		return netip.Addr{}, errno(err)
	}
	defer r.Release()
	return ipOf(r.LocalAddress()), nil
}

// Prefix is the host's address with its network's prefix length.
func (h *Host) Prefix() netip.Prefix { return h.cfg.Addr }

// MTU is the largest packet the host's link carries.
func (h *Host) MTU() int { return h.cfg.MTU }

// Now is the host's clock.
func (h *Host) Now() time.Time { return h.now() }

// Dropped counts inbound packets dropped because the host's queue was full
// (packets on its loopback included) or the packet was not one the link
// carries.
func (h *Host) Dropped() uint64 { return h.dropped.Load() }

// Deliver puts one IPv4 packet on the host's link, inbound, from another
// host's sending path. It copies pkt and never blocks: the packet waits in
// the host's inbound queue for its receive goroutine, and when the host is
// behind, it is dropped and counted. A packet larger than the MTU or not
// IPv4 is dropped and counted.
func (h *Host) Deliver(pkt []byte) {
	if !h.carries(pkt) {
		h.dropped.Add(1)
		return
	}
	bp := h.pool.Get().(*[]byte)
	*bp = (*bp)[:len(pkt)]
	copy(*bp, pkt)
	h.enqueue(queued{bp, false})
}

// queued is a packet waiting in the inbound queue, in a buffer of the
// host's pool, and whether it came through the loopback.
type queued struct {
	bp *[]byte
	lo bool
}

// enqueue puts a packet in the host's inbound queue, or drops and counts
// it when the queue is full. The queue takes over the buffer.
func (h *Host) enqueue(p queued) {
	q := h.queue()
	if q == nil {
		h.pool.Put(p.bp)
		return // closed
	}
	select {
	case <-h.done:
		h.pool.Put(p.bp)
		return
	default:
	}
	h.pending.Add(1)
	select {
	case q <- p:
	default:
		h.pending.Add(-1)
		h.dropped.Add(1)
		h.pool.Put(p.bp)
	}
}

// Pending is how many packets Deliver has queued that are not yet in the
// host's stack: those waiting in its inbound queue and the one its
// receive goroutine is taking in. It counts a packet from before Deliver
// returns until the stack has taken it in (gVisor's own processing of it
// may go on after, on gVisor's goroutines). A closed host has none.
func (h *Host) Pending() int {
	select {
	case <-h.done:
		return 0
	default:
		return int(h.pending.Load())
	}
}

// Inject puts one IPv4 packet on the host's link, inbound, and into its
// stack before it returns: no queue and no goroutine in between. It is
// for callers outside every stack's sending path, such as a bridge's
// reader, which it holds while the stack takes the packet in; from a
// sending path, use Deliver. It does not keep pkt. A packet larger than the
// MTU or not IPv4 is dropped and counted.
func (h *Host) Inject(pkt []byte) {
	if !h.carries(pkt) {
		h.dropped.Add(1)
		return
	}
	h.life.RLock()
	defer h.life.RUnlock()
	if h.closed {
		return
	}
	h.inject(pkt, false)
}

// carries reports whether pkt is a packet the host's link carries.
func (h *Host) carries(pkt []byte) bool {
	return len(pkt) > 0 && len(pkt) <= h.cfg.MTU && pkt[0]>>4 == 4
}

// queue is the host's inbound queue, nil once the host is closed. The
// queue and its receive goroutine start with the first packet delivered,
// so that a host that is only injected into (a bridge session's lab
// server) has neither.
func (h *Host) queue() chan queued {
	if q := h.inbound.Load(); q != nil {
		return *q
	}
	h.starting.Lock()
	defer h.starting.Unlock()
	if h.stopped {
		return nil
	}
	if q := h.inbound.Load(); q != nil {
		return *q
	}
	q := make(chan queued, InboundQueue)
	h.inbound.Store(&q)
	h.wg.Add(1)
	go func() { defer h.wg.Done(); h.receive(q) }()
	return q
}

// receive moves queued inbound packets into the stack, one at a time and
// in order, so that a packet never enters a stack from inside a sending
// path, another's or its own.
func (h *Host) receive(q chan queued) {
	for {
		select {
		case <-h.done:
			return
		case p := <-q:
			h.inject(*p.bp, p.lo)
			h.pending.Add(-1)
			*p.bp = (*p.bp)[:cap(*p.bp)]
			h.pool.Put(p.bp)
		}
	}
}

// inject puts b into the stack, from the link or, with lo, from the
// loopback. A packet on the loopback was observed as it was sent.
func (h *Host) inject(b []byte, lo bool) {
	var d stack.NetworkDispatcher
	if lo {
		d = h.lo.dispatcher()
	} else {
		if h.cfg.Observe != nil {
			h.cfg.Observe(LinkName, lab.In, h.now(), b)
		}
		d = h.link.dispatcher()
	}
	if d == nil {
		return
	}
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(b)})
	d.DeliverNetworkPacket(ipv4.ProtocolNumber, pkt)
	pkt.DecRef()
	h.watcher.nudge()
}

// Close stops the host: its sockets are aborted and its goroutines end.
func (h *Host) Close() {
	h.closing.Do(func() {
		h.life.Lock()
		h.closed = true
		h.life.Unlock()
		h.starting.Lock()
		h.stopped = true
		h.starting.Unlock()
		h.watcher.stop()
		close(h.done)
		h.stack.Close()
		h.wg.Wait()
		h.stack.Wait()
		h.stack.Destroy()
	})
}
