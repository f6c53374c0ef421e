package netstack

import (
	"bytes"
	"context"
	"net/netip"

	"github.com/socketlab/socketlab/lab"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// Proto is a transport protocol.
type Proto int

// The transport protocols a socket can speak.
const (
	TCP Proto = iota + 1
	UDP
)

func (p Proto) String() string {
	if p == UDP {
		return "udp"
	}
	return "tcp"
}

// Endpoint is one socket on a host. Blocking calls wait until they can
// proceed or ctx is done; with a ctx that is already done they try once and
// fail with EAGAIN (EINPROGRESS for connect) rather than block, as a
// non-blocking socket does.
type Endpoint struct {
	h     *Host
	proto Proto
	ep    tcpip.Endpoint
	wq    *waiter.Queue
	id    int
}

// NewEndpoint makes a socket on the host. id names it in state events.
func (h *Host) NewEndpoint(proto Proto, id int) (*Endpoint, error) {
	num := tcp.ProtocolNumber
	if proto == UDP {
		num = udp.ProtocolNumber
	}
	wq := new(waiter.Queue)
	ep, err := h.stack.NewEndpoint(num, ipv4.ProtocolNumber, wq)
	if err != nil {
		return nil, errno(err)
	}
	return h.own(&Endpoint{h: h, proto: proto, ep: ep, wq: wq, id: id}), nil
}

// own records e as its socket's, for the socket table, until it closes.
func (h *Host) own(e *Endpoint) *Endpoint {
	h.ownersMu.Lock()
	defer h.ownersMu.Unlock()
	h.owners[e.ep] = e.id
	return e
}

// owner is the id of the open socket that owns ep, 0 for none.
func (h *Host) owner(ep tcpip.Endpoint) int {
	h.ownersMu.Lock()
	defer h.ownersMu.Unlock()
	return h.owners[ep]
}

// Proto is the socket's transport protocol.
func (e *Endpoint) Proto() Proto { return e.proto }

// Host is the host the socket is on.
func (e *Endpoint) Host() *Host { return e.h }

// Bind gives the socket a local address. An unspecified address means any
// of the host's; port 0 means an ephemeral port.
func (e *Endpoint) Bind(addr netip.AddrPort) error {
	fa, err := full(addr)
	if err != nil {
		return err
	}
	return errno(e.ep.Bind(fa))
}

// Listen makes the socket a listening TCP socket.
func (e *Endpoint) Listen(backlog int) error {
	if err := e.ep.Listen(backlog); err != nil {
		return errno(err)
	}
	local, _ := e.LocalAddr()
	e.h.watcher.watch(e.ep, e.id, local, netip.AddrPort{}, lab.StateClosed)
	return nil
}

// Connect connects the socket to addr. For TCP it waits for the handshake
// to finish; when ctx ends first the handshake goes on and ctx's error is
// returned.
func (e *Endpoint) Connect(ctx context.Context, addr netip.AddrPort) error {
	to, err := full(addr)
	if err != nil {
		return err
	}
	if e.proto == UDP {
		return errno(e.ep.Connect(to))
	}
	switch e.State() {
	case lab.StateSynSent:
		return lab.EALREADY
	case lab.StateEstablished, lab.StateCloseWait, lab.StateFinWait1, lab.StateFinWait2, lab.StateClosing, lab.StateLastAck, lab.StateTimeWait:
		return lab.EISCONN
	}
	// Bind first, as the kernel does implicitly, so that the connection's
	// addresses are known before its SYN leaves: a port now, and the
	// address the route to addr gives (127.0.0.1 through the loopback).
	// Binding the address too would tie the socket to its interface.
	local, err := e.LocalAddr()
	if err != nil {
		return err
	}
	if local.Port() == 0 {
		if err := e.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 0)); err != nil {
			return err
		}
		if local, err = e.LocalAddr(); err != nil {
			return err
		}
	}
	if local.Addr().IsUnspecified() && to.Addr.BitLen() != 0 {
		src, err := e.h.source(to.Addr)
		if err != nil {
			return err
		}
		local = netip.AddrPortFrom(src, local.Port())
	}
	e.h.watcher.watch(e.ep, e.id, local, addr, lab.StateClosed)

	entry, ch := waiter.NewChannelEntry(waiter.WritableEvents | waiter.EventHUp | waiter.EventErr)
	e.wq.EventRegister(&entry)
	defer e.wq.EventUnregister(&entry)
	switch terr := e.ep.Connect(to); terr.(type) {
	case nil:
		return nil
	case *tcpip.ErrConnectStarted:
	default:
		return errno(terr)
	}
	if ctx.Err() != nil {
		return lab.EINPROGRESS
	}
	select {
	case <-ch:
	case <-ctx.Done():
		return ctx.Err()
	}
	if terr := e.ep.LastError(); terr != nil {
		return errno(terr)
	}
	return nil
}

// Accept waits for a connection on a listening socket and returns a new
// socket for it, and the peer's address. id names the new socket.
func (e *Endpoint) Accept(ctx context.Context, id int) (*Endpoint, netip.AddrPort, error) {
	var peer tcpip.FullAddress
	var child tcpip.Endpoint
	var wq *waiter.Queue
	err := e.wait(ctx, waiter.ReadableEvents, func() tcpip.Error {
		var terr tcpip.Error
		child, wq, terr = e.ep.Accept(&peer)
		return terr
	})
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	c := e.h.own(&Endpoint{h: e.h, proto: e.proto, ep: child, wq: wq, id: id})
	local, _ := c.LocalAddr()
	p := addrPort(peer)
	e.h.watcher.watch(child, id, local, p, lab.StateSynReceived)
	return c, p, nil
}

// Read receives up to n bytes. At the end of the stream it returns no
// bytes and no error.
func (e *Endpoint) Read(ctx context.Context, n int) ([]byte, error) {
	b, _, err := e.read(ctx, n, false)
	return b, err
}

// ReadFrom receives one datagram, up to n bytes of it, and its sender. A
// datagram of no bytes is an empty slice, never nil: it is a datagram,
// and a reader may take nil for none (services.ServePacket's reply
// answers nil with nothing).
func (e *Endpoint) ReadFrom(ctx context.Context, n int) ([]byte, netip.AddrPort, error) {
	b, from, err := e.read(ctx, n, true)
	if err == nil && b == nil {
		b = []byte{}
	}
	return b, from, err
}

func (e *Endpoint) read(ctx context.Context, n int, from bool) ([]byte, netip.AddrPort, error) {
	var buf bytes.Buffer
	var res tcpip.ReadResult
	err := e.wait(ctx, waiter.ReadableEvents|waiter.EventHUp|waiter.EventErr, func() tcpip.Error {
		var terr tcpip.Error
		res, terr = e.ep.Read(&tcpip.LimitedWriter{W: &buf, N: int64(n)}, tcpip.ReadOptions{NeedRemoteAddr: from})
		if _, eof := terr.(*tcpip.ErrClosedForReceive); eof {
			return nil
		}
		return terr
	})
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	e.h.watcher.nudge()
	return buf.Bytes(), addrPort(res.RemoteAddr), nil
}

// Write sends b, waiting for room in the send buffer, and returns how much
// was taken (for TCP, possibly less than len(b)).
func (e *Endpoint) Write(ctx context.Context, b []byte) (int, error) {
	return e.write(ctx, b, nil)
}

// WriteTo sends b as one datagram to addr.
func (e *Endpoint) WriteTo(ctx context.Context, b []byte, addr netip.AddrPort) (int, error) {
	to, err := full(addr)
	if err != nil {
		return 0, err
	}
	return e.write(ctx, b, &to)
}

func (e *Endpoint) write(ctx context.Context, b []byte, to *tcpip.FullAddress) (int, error) {
	var n int64
	err := e.wait(ctx, waiter.WritableEvents|waiter.EventHUp|waiter.EventErr, func() tcpip.Error {
		var terr tcpip.Error
		n, terr = e.ep.Write(bytes.NewReader(b), tcpip.WriteOptions{To: to})
		return terr
	})
	if n > 0 && e.proto == TCP {
		e.h.watcher.wrote(e.ep, int(n))
	}
	return int(n), err
}

// Shutdown closes one or both directions of a connection.
func (e *Endpoint) Shutdown(read, write bool) error {
	var flags tcpip.ShutdownFlags
	if read {
		flags |= tcpip.ShutdownRead
	}
	if write {
		flags |= tcpip.ShutdownWrite
	}
	err := errno(e.ep.Shutdown(flags))
	e.h.watcher.kick()
	return err
}

// Close closes the socket. A TCP connection goes on closing (FIN, TIME-WAIT)
// in the stack.
func (e *Endpoint) Close() {
	e.h.ownersMu.Lock()
	delete(e.h.owners, e.ep)
	e.h.ownersMu.Unlock()
	e.ep.Close()
	e.h.watcher.kick()
}

// LocalAddr is the socket's own address.
func (e *Endpoint) LocalAddr() (netip.AddrPort, error) {
	a, err := e.ep.GetLocalAddress()
	if err != nil {
		return netip.AddrPort{}, errno(err)
	}
	return addrPort(a), nil
}

// PeerAddr is the address the socket is connected to.
func (e *Endpoint) PeerAddr() (netip.AddrPort, error) {
	a, err := e.ep.GetRemoteAddress()
	if err != nil {
		return netip.AddrPort{}, errno(err)
	}
	return addrPort(a), nil
}

// State is the socket's protocol state.
func (e *Endpoint) State() lab.SocketState {
	if e.proto == UDP {
		return udpState(e.ep.State())
	}
	s := tcpState(e.ep.State())
	if s == lab.StateNone {
		return lab.StateClosed
	}
	return s
}

// wait calls try until it does not say it would block, waiting for mask
// between tries. With ctx already done it tries once.
func (e *Endpoint) wait(ctx context.Context, mask waiter.EventMask, try func() tcpip.Error) error {
	for {
		terr := try()
		if _, block := terr.(*tcpip.ErrWouldBlock); !block {
			return errno(terr)
		}
		if ctx.Err() != nil {
			return lab.EAGAIN
		}
		entry, ch := waiter.NewChannelEntry(mask)
		e.wq.EventRegister(&entry)
		terr = try()
		if _, block := terr.(*tcpip.ErrWouldBlock); !block {
			e.wq.EventUnregister(&entry)
			return errno(terr)
		}
		select {
		case <-ch:
			e.wq.EventUnregister(&entry)
		case <-ctx.Done():
			e.wq.EventUnregister(&entry)
			return ctx.Err()
		}
	}
}

// full converts an IPv4 socket address; an invalid or unspecified address
// stands for any.
func full(a netip.AddrPort) (tcpip.FullAddress, error) {
	fa := tcpip.FullAddress{Port: a.Port()}
	ip := a.Addr().Unmap()
	switch {
	case !ip.IsValid() || ip.IsUnspecified():
	case ip.Is4():
		fa.Addr = tcpip.AddrFrom4(ip.As4())
	default:
		return fa, lab.EAFNOSUPPORT
	}
	return fa, nil
}

func addrPort(a tcpip.FullAddress) netip.AddrPort {
	if a.Addr.Len() != 4 {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), a.Port)
	}
	return netip.AddrPortFrom(netip.AddrFrom4(a.Addr.As4()), a.Port)
}
