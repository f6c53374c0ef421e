// Package room builds lab networks. A Room is one isolated network: a
// switch that forwards IPv4 packets by destination address, a lab server
// host at .1 running the lab's services, and student hosts attached to
// ports of the switch as they join, each given a fresh address (Attach) or
// one kept for it (AttachAt: a workshop's student). A student host may run
// in this process (AddHost) or elsewhere, reached over a bridge.
//
// The switch drops, and counts, every packet whose source is not the
// address of the port it came in on, and by default every packet from one
// student to another: rooms never see each other's packets, and students
// in one room see only the lab's hosts unless the room lets them see each
// other (SetStudentsSeeEachOther, which a workshop's instructor flips).
package room

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/netstack"
	"github.com/socketlab/socketlab/lab/services"
	"github.com/socketlab/socketlab/lab/sock"
)

// Config describes a room. The zero value is a room on 10.0.0.0/16 with the
// standard services.
type Config struct {
	// Network is the room's prefix; the lab server takes its .1.
	Network netip.Prefix
	// Services the lab server runs; nil means services.Standard.
	Services []services.Spec
	// MaxHosts bounds how many student hosts may be attached at once.
	MaxHosts int
	// MaxConnections bounds the TCP connections one student host may hold
	// open to the lab server's services: one beyond it is closed as soon
	// as it is accepted, and counted (Counters.Refused). 0 means 64;
	// negative means no bound.
	MaxConnections int
	// StudentsSeeEachOther lets students' hosts exchange packets at
	// first; SetStudentsSeeEachOther changes it while the room runs.
	StudentsSeeEachOther bool
	// TimeWait for every host of the room; 0 means netstack's default.
	TimeWait time.Duration
	// Buffer is the size of each of the lab server's TCP send and
	// receive buffers (netstack.Config.Buffer); 0 means DefaultBuffer,
	// negative gVisor's own (1 MiB, the receive buffer auto-tuned up to
	// 4 MiB).
	Buffer int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Counters are what the switch dropped, by reason.
type Counters struct {
	Forwarded uint64 `json:"forwarded"`
	Spoofed   uint64 `json:"spoofed"`   // source address not the port's
	Malformed uint64 `json:"malformed"` // not an IPv4 packet
	NoRoute   uint64 `json:"no_route"`  // no host has the destination address
	Isolated  uint64 `json:"isolated"`  // student to student, not allowed
	Refused   uint64 `json:"refused"`   // TCP connections over MaxConnections, closed at once
}

// Room is one lab network.
type Room struct {
	cfg      Config
	server   *netstack.Host
	sockets  *sock.Stack
	services *services.Server

	mu      sync.RWMutex
	ports   map[netip.Addr]*Port
	next    uint32 // offset of the next student address to try
	setup   []lab.Event
	started bool                // the services are up: setup is complete
	held    map[int][]lab.Event // calls of the lab server's sockets not yet connected to a peer, by socket
	closed  bool

	forwarded, spoofed, malformed, noRoute, isolated atomic.Uint64

	peers atomic.Bool // students' hosts may reach each other

	// wire is the wire set for every student's port (SetWire), under
	// mu; wireMu keeps SetWire's calls in order.
	wire   *lab.RoomWire
	wireMu sync.Mutex

	sched *schedule // the wires' delayed packets

	// For WaitQuiet: packets and events so far, and packets the switch
	// is carrying now.
	activity atomic.Uint64
	carrying atomic.Int64
}

// DefaultBuffer is the size of each of the lab server's TCP send and
// receive buffers: a window of 11 full segments, plenty for a lab's
// round trips and its 1 MiB echoes, and at most 2 MiB for the 64
// connections a student may hold (where gVisor's own buffers would let
// them hold 320 MiB).
const DefaultBuffer = 16 << 10

// Student addresses start here, within the room's prefix: .0.x is kept for
// the lab's own hosts.
const firstStudent = 256 + 1

// maxSetup bounds the server events kept for students who join later.
const maxSetup = 256

// maxHeld bounds the lab server's sockets whose calls wait for a peer,
// and maxHeldCalls the calls kept for each.
const (
	maxHeld      = 64
	maxHeldCalls = 8
)

// New starts a room with its lab server.
func New(cfg Config) (*Room, error) {
	if !cfg.Network.IsValid() {
		cfg.Network = netip.MustParsePrefix("10.0.0.0/16")
	}
	cfg.Network = cfg.Network.Masked()
	if !cfg.Network.Addr().Is4() || cfg.Network.Bits() > 22 {
		return nil, fmt.Errorf("new room: network %v is not an IPv4 prefix of /22 or wider", cfg.Network)
	}
	if cfg.Services == nil {
		cfg.Services = services.Standard
	}
	if cfg.MaxHosts <= 0 {
		cfg.MaxHosts = 1000
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = 64
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.Buffer == 0:
		cfg.Buffer = DefaultBuffer
	case cfg.Buffer < 0:
		cfg.Buffer = 0
	}
	r := &Room{cfg: cfg, ports: map[netip.Addr]*Port{}, held: map[int][]lab.Event{}, sched: newSchedule()}
	r.peers.Store(cfg.StudentsSeeEachOther)
	serverAddr := r.addrAt(1)
	port := &Port{room: r, addr: serverAddr, lab: true}
	srv, err := netstack.New(netstack.Config{
		Addr:     netip.PrefixFrom(serverAddr, cfg.Network.Bits()),
		TimeWait: cfg.TimeWait,
		Buffer:   cfg.Buffer,
		Output:   port.Send,
		Recorder: lab.RecorderFunc(r.serverEvent),
		Now:      cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("new room: %w", err)
	}
	port.deliver, port.inject = srv.Deliver, srv.Inject
	r.server = srv
	r.ports[serverAddr] = port
	r.sockets = sock.New(srv, lab.RecorderFunc(r.serverEvent))
	// Its listeners, and every student host's connections: the services
	// accept each one (and close those over MaxConnections), so that a
	// room of hundreds does not run out of sockets.
	r.sockets.SetMaxSockets(sock.MaxSockets + cfg.MaxHosts*max(cfg.MaxConnections, 1))
	r.services = services.NewServer(cfg.Now)
	r.services.LimitPerPeer(cfg.MaxConnections)
	if err := r.services.Start(labNetwork{r.sockets}, cfg.Services); err != nil {
		r.Close()
		return nil, fmt.Errorf("new room: %w", err)
	}
	r.mu.Lock()
	r.started = true
	r.mu.Unlock()
	return r, nil
}

// labNetwork runs services on the lab server's traced sockets.
type labNetwork struct{ st *sock.Stack }

func (n labNetwork) Addr() netip.Addr { return n.st.Addr() }

func (n labNetwork) Dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	return n.st.Dial(ctx, addr)
}

func (n labNetwork) Listen(port uint16) (net.Listener, error) {
	return n.st.Listen(port, 128)
}

func (n labNetwork) ListenPacket(port uint16) (net.PacketConn, error) {
	return n.st.ListenPacket(port)
}

// Server is the lab server's address.
func (r *Room) Server() netip.Addr { return r.server.Addr() }

// ServerSockets is the lab server's socket table.
func (r *Room) ServerSockets() []lab.SocketInfo { return r.sockets.Table() }

// Buffered is how many bytes the lab server's TCP connections with the
// host at addr hold in their send and receive queues.
func (r *Room) Buffered(addr netip.Addr) int { return r.server.Buffered(addr) }

// Services are the services the lab server runs.
func (r *Room) Services() []services.Spec { return r.cfg.Services }

// Prefix is the room's network.
func (r *Room) Prefix() netip.Prefix { return r.cfg.Network }

// Counters reports what the switch forwarded and dropped.
func (r *Room) Counters() Counters {
	return Counters{
		Forwarded: r.forwarded.Load(),
		Spoofed:   r.spoofed.Load(),
		Malformed: r.malformed.Load(),
		NoRoute:   r.noRoute.Load(),
		Isolated:  r.isolated.Load(),
		Refused:   r.services.Refused(),
	}
}

func (r *Room) addrAt(offset uint32) netip.Addr {
	base := r.cfg.Network.Addr().As4()
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(base[:])+offset)
	return netip.AddrFrom4(b)
}

// ErrFull is returned when a room has as many hosts as it may.
var ErrFull = errors.New("room is full")

// Attach gives a new student host a port and an address. deliver receives
// each packet for the host; it must not block or keep the packet. events,
// if set, receives the lab server's events that concern the host: calls
// and states of sockets whose peer is the host, and, first, the server's
// setup (its services' socket, bind and listen calls).
func (r *Room) Attach(deliver func(pkt []byte), events lab.Recorder) (*Port, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.canAttach(); err != nil {
		return nil, err
	}
	size := uint32(1) << (32 - r.cfg.Network.Bits())
	for range size {
		off := firstStudent + r.next%(size-firstStudent-1)
		r.next++
		addr := r.addrAt(off)
		if b := addr.As4()[3]; b == 0 || b == 255 {
			continue
		}
		if _, used := r.ports[addr]; used {
			continue
		}
		return r.attachLocked(addr, deliver, events), nil
	}
	return nil, fmt.Errorf("attach host: %w", ErrFull)
}

// ErrInUse is returned by AttachAt when the address has a port already.
var ErrInUse = errors.New("address in use")

// AttachAt is Attach at a given address: a student's own, kept for them
// (a workshop's). The address must be a student's in the room's network
// (not its .0.x, not a .0 or .255) and free: a port still attached there
// is ErrInUse, and is for the caller to Detach first.
func (r *Room) AttachAt(addr netip.Addr, deliver func(pkt []byte), events lab.Recorder) (*Port, error) {
	if !addr.Is4() || !r.cfg.Network.Contains(addr) || r.offset(addr) < firstStudent || addr.As4()[3] == 0 || addr.As4()[3] == 255 {
		return nil, fmt.Errorf("attach host: %v is not a student's address in %v", addr, r.cfg.Network)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.canAttach(); err != nil {
		return nil, err
	}
	if _, used := r.ports[addr]; used {
		return nil, fmt.Errorf("attach host at %v: %w", addr, ErrInUse)
	}
	return r.attachLocked(addr, deliver, events), nil
}

// canAttach says why no host may be attached now, if so; r.mu is held.
func (r *Room) canAttach() error {
	if r.closed {
		return errors.New("attach host: room is closed")
	}
	if len(r.ports)-1 >= r.cfg.MaxHosts {
		return fmt.Errorf("attach host: %w", ErrFull)
	}
	return nil
}

// attachLocked puts a port at a free addr and replays the setup to it;
// r.mu is held.
func (r *Room) attachLocked(addr netip.Addr, deliver func(pkt []byte), events lab.Recorder) *Port {
	p := &Port{room: r, addr: addr, deliver: deliver, events: events}
	r.ports[addr] = p
	if r.wire != nil {
		// A new wire holds nothing: nothing to send on, under r.mu.
		p.Wire().setRoom(r.wire)
	}
	if events != nil {
		for _, e := range r.setup {
			events.Record(e)
		}
	}
	return p
}

// SetWire sets the wire of every student's port, now and of those
// attached later, to rw (checked here too): the ports' own settings and
// seeds are kept aside, and only their hold stays the students' own;
// nil gives each port its own back, exactly as it was.
func (r *Room) SetWire(rw *lab.RoomWire) error {
	if rw != nil {
		if err := rw.Check(); err != nil {
			return err
		}
		c := *rw
		rw = &c
	}
	r.wireMu.Lock()
	defer r.wireMu.Unlock()
	r.mu.Lock()
	r.wire = rw
	ports := make([]*Port, 0, len(r.ports))
	for _, p := range r.ports {
		if !p.lab {
			ports = append(ports, p)
		}
	}
	r.mu.Unlock()
	for _, p := range ports {
		p.Wire().setRoom(rw)
	}
	return nil
}

// offset is addr's place in the room's network.
func (r *Room) offset(addr netip.Addr) uint32 {
	a, base := addr.As4(), r.cfg.Network.Addr().As4()
	return binary.BigEndian.Uint32(a[:]) - binary.BigEndian.Uint32(base[:])
}

// SetStudentsSeeEachOther changes, at once and for every packet after,
// whether students' hosts may exchange packets. Connections already open
// between two students stop getting packets when it is turned off.
func (r *Room) SetStudentsSeeEachOther(see bool) { r.peers.Store(see) }

// StudentsSeeEachOther reports whether students' hosts may exchange
// packets now.
func (r *Room) StudentsSeeEachOther() bool { return r.peers.Load() }

// serverEvent passes an event of the lab server's to the student it
// concerns. One that concerns no student yet is kept: as setup, while the
// services start; else until its socket connects to a student (a service
// connecting back to its caller: socket, then connect), and then passed
// on first.
func (r *Room) serverEvent(e lab.Event) {
	r.activity.Add(1)
	var peer netip.AddrPort
	fd := 0
	switch {
	case e.Call != nil:
		peer, fd = e.Call.Peer, e.Call.Socket
	case e.State != nil:
		peer, fd = e.State.Peer, e.State.Socket
	}
	if !peer.IsValid() {
		r.hold(e)
		return
	}
	r.mu.RLock()
	p := r.ports[peer.Addr()]
	anyHeld := len(r.held) > 0
	r.mu.RUnlock()
	if p == nil || p.events == nil {
		return
	}
	if anyHeld && fd != 0 {
		r.mu.Lock()
		held := r.held[fd]
		delete(r.held, fd)
		r.mu.Unlock()
		for _, h := range held {
			p.events.Record(h)
		}
	}
	p.events.Record(e)
}

// hold keeps an event that concerns no student yet (see serverEvent).
func (r *Room) hold(e lab.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !r.started:
		if len(r.setup) < maxSetup {
			r.setup = append(r.setup, e)
		}
	case e.Call == nil:
	case e.Call.Name == "close":
		delete(r.held, e.Call.Socket)
	case len(r.held[e.Call.Socket]) > 0 || len(r.held) < maxHeld:
		if len(r.held[e.Call.Socket]) < maxHeldCalls {
			r.held[e.Call.Socket] = append(r.held[e.Call.Socket], e)
		}
	}
}

// forward carries pkt from port from to the port of its destination,
// through the wire of each (see Wire). now says the caller is outside
// every stack's sending path, so that a lab host may take the packet in
// at once (see Port.SendNow).
func (r *Room) forward(from *Port, pkt []byte, now bool) {
	r.carrying.Add(1) // in this order: see still
	r.activity.Add(1)
	defer r.carried()
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		r.malformed.Add(1)
		return
	}
	src := netip.AddrFrom4([4]byte(pkt[12:16]))
	dst := netip.AddrFrom4([4]byte(pkt[16:20]))
	if from.detached.Load() {
		r.noRoute.Add(1)
		return
	}
	if src != from.addr {
		from.spoofed.Add(1)
		r.spoofed.Add(1)
		return
	}
	r.mu.RLock()
	to := r.ports[dst]
	r.mu.RUnlock()
	switch {
	case to == nil || to.deliver == nil:
		r.noRoute.Add(1)
	case !from.lab && !to.lab && !r.peers.Load():
		r.isolated.Add(1)
	default:
		if w := from.active.Load(); w != nil {
			w.enter(toSwitch, from, to, pkt)
			return
		}
		r.egress(from, to, pkt, now)
	}
}

// egress carries a packet that has reached the switch through the wire of
// its destination's port.
func (r *Room) egress(from, to *Port, pkt []byte, now bool) {
	if w := to.active.Load(); w != nil {
		w.enter(fromSwitch, from, to, pkt)
		return
	}
	r.deliver(to, pkt, now)
}

// deliver hands a packet to its destination's host.
func (r *Room) deliver(to *Port, pkt []byte, now bool) {
	switch {
	case now && to.inject != nil:
		r.forwarded.Add(1)
		to.inject(pkt)
	default:
		r.forwarded.Add(1)
		to.deliver(pkt)
	}
}

// carried ends forward's count of a packet, after it was delivered, in
// the reverse order of its start: see still.
func (r *Room) carried() {
	r.activity.Add(1)
	r.carrying.Add(-1)
}

// Close stops the room: its services, its lab server and every host it
// made.
func (r *Room) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	ports := make([]*Port, 0, len(r.ports))
	for _, p := range r.ports {
		ports = append(ports, p)
	}
	r.mu.Unlock()
	r.sched.close()
	r.services.Close()
	for _, p := range ports {
		if p.host != nil {
			p.host.close()
		}
	}
	r.sockets.Close()
	r.server.Close()
}

// Port is a host's place on a room's switch.
type Port struct {
	room    *Room
	addr    netip.Addr
	lab     bool // one of the lab's own hosts
	deliver func(pkt []byte)
	inject  func(pkt []byte) // for a lab host: deliver, into its stack at once
	events  lab.Recorder
	host    *Host // set for a host in this process

	spoofed  atomic.Uint64
	detached atomic.Bool // off the switch: what it sends goes nowhere

	wireOnce sync.Once
	wire     *Wire                // see Wire
	active   atomic.Pointer[Wire] // the wire, while it is not clear
}

// Addr is the address of the port's host.
func (p *Port) Addr() netip.Addr { return p.addr }

// ServerSockets is the lab server's socket table as it concerns the
// port's host: the lab server's listening and unconnected sockets, and its
// connections with the port's host.
func (p *Port) ServerSockets() []lab.SocketInfo { return p.room.sockets.TableWith(p.addr) }

// Spoofed counts packets from this port whose source was not its address.
func (p *Port) Spoofed() uint64 { return p.spoofed.Load() }

// Send puts a packet from the port's host onto the switch, from the
// host's sending path: a packet for a lab host waits in that host's
// inbound queue. It does not keep pkt.
func (p *Port) Send(pkt []byte) { p.room.forward(p, pkt, false) }

// SendNow is Send for a caller outside every stack's sending path, such as
// a bridge's reader: a packet for a lab host enters that host's stack
// before SendNow returns, with no queue and no goroutine in between, and
// the caller waits while it does. It does not keep pkt.
func (p *Port) SendNow(pkt []byte) { p.room.forward(p, pkt, true) }

// Detach takes the port off the switch: what it sends after goes
// nowhere, and its address may be given again.
func (p *Port) Detach() {
	p.detached.Store(true)
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ports[p.addr] == p {
		delete(r.ports, p.addr)
	}
}
