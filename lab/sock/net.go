package sock

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// The adapters in this file let ordinary Go code (net.Listener, net.Conn,
// net.PacketConn) run on a lab host, each of its calls traced, so that a
// service is written once for the lab and for the kernel.

// Listen makes a traced TCP listener on port: socket, bind, listen.
func (st *Stack) Listen(port uint16, backlog int) (net.Listener, error) {
	s, err := st.Socket(Stream)
	if err != nil {
		return nil, err
	}
	if err := s.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), port)); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Listen(backlog); err != nil {
		s.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &listener{s: s, ctx: ctx, cancel: cancel}, nil
}

// ListenPacket makes a traced UDP socket bound to port.
func (st *Stack) ListenPacket(port uint16) (net.PacketConn, error) {
	s, err := st.Socket(Datagram)
	if err != nil {
		return nil, err
	}
	if err := s.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), port)); err != nil {
		s.Close()
		return nil, err
	}
	return newConn(s), nil
}

// Dial makes a traced TCP connection to addr: socket, connect.
func (st *Stack) Dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	s, err := st.Socket(Stream)
	if err != nil {
		return nil, err
	}
	if err := s.Connect(ctx, addr); err != nil {
		s.Close()
		return nil, err
	}
	return newConn(s), nil
}

type listener struct {
	s      *Socket
	ctx    context.Context
	cancel context.CancelFunc
}

func (l *listener) Accept() (net.Conn, error) {
	c, _, err := l.s.Accept(l.ctx)
	if err != nil {
		if l.ctx.Err() != nil {
			return nil, net.ErrClosed
		}
		return nil, err
	}
	return newConn(c), nil
}

func (l *listener) Close() error {
	l.cancel()
	return l.s.Close()
}

func (l *listener) Addr() net.Addr { return tcpAddr(l.s.endpoint().LocalAddr()) }

// Conn is a traced socket as a net.Conn (TCP) and a net.PacketConn (UDP).
// Closing it ends the calls blocked on it.
type Conn struct {
	s      *Socket
	ctx    context.Context
	cancel context.CancelFunc

	mu            sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time
}

func newConn(s *Socket) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &Conn{s: s, ctx: ctx, cancel: cancel}
}

// Socket is the traced socket under the connection.
func (c *Conn) Socket() *Socket { return c.s }

// opContext is the context a read or a write runs in: it ends at the
// deadline, or when the connection closes. A deadline already past is
// os.ErrDeadlineExceeded at once, with no call made (as Go's net returns
// it without a syscall): net/http sets one to cancel its background read,
// and that housekeeping is no recv of the server's.
func (c *Conn) opContext(write bool) (context.Context, context.CancelFunc, error) {
	c.mu.Lock()
	d := c.readDeadline
	if write {
		d = c.writeDeadline
	}
	c.mu.Unlock()
	switch {
	case d.IsZero():
		// Closing the connection cancels c.ctx, which ends the call.
		return c.ctx, func() {}, nil
	case !time.Now().Before(d):
		return nil, nil, os.ErrDeadlineExceeded
	}
	ctx, cancel := context.WithDeadline(c.ctx, d)
	return ctx, cancel, nil
}

// netError converts a call's error to what net's users expect: a deadline
// is os.ErrDeadlineExceeded, a closed connection net.ErrClosed.
func (c *Conn) netError(err error) error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case c.ctx.Err() != nil:
		return net.ErrClosed
	case errors.As(err, &e) && e.Timeout:
		return os.ErrDeadlineExceeded
	}
	return err
}

// Read is a traced recv.
func (c *Conn) Read(b []byte) (int, error) {
	ctx, cancel, err := c.opContext(false)
	if err != nil {
		return 0, err
	}
	defer cancel()
	data, err := c.s.Recv(ctx, min(len(b), MaxRecv))
	if err != nil {
		return 0, c.netError(err)
	}
	if len(data) == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return copy(b, data), nil
}

// Write is a traced sendall.
func (c *Conn) Write(b []byte) (int, error) {
	ctx, cancel, err := c.opContext(true)
	if err != nil {
		return 0, err
	}
	defer cancel()
	if err := c.s.SendAll(ctx, b); err != nil {
		return 0, c.netError(err)
	}
	return len(b), nil
}

// ReadFrom is a traced recvfrom.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	ctx, cancel, err := c.opContext(false)
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	data, from, err := c.s.RecvFrom(ctx, min(len(b), MaxRecv))
	if err != nil {
		return 0, nil, c.netError(err)
	}
	return copy(b, data), net.UDPAddrFromAddrPort(from), nil
}

// ReadDatagram is a traced recvfrom(n) that returns the datagram in a
// slice of its own, rather than copying it into a buffer the caller holds
// while it waits (see services.DatagramReader).
func (c *Conn) ReadDatagram(n int) ([]byte, net.Addr, error) {
	ctx, cancel, err := c.opContext(false)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	data, from, err := c.s.RecvFrom(ctx, min(n, MaxRecv))
	if err != nil {
		return nil, nil, c.netError(err)
	}
	return data, net.UDPAddrFromAddrPort(from), nil
}

// WriteTo is a traced sendto.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ap, err := addrPortOf(addr)
	if err != nil {
		return 0, err
	}
	ctx, cancel, err := c.opContext(true)
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := c.s.SendTo(ctx, b, ap)
	return n, c.netError(err)
}

// Close is a traced close; it ends the calls blocked on the connection.
func (c *Conn) Close() error {
	c.cancel()
	return c.s.Close()
}

// LocalAddr is the socket's own address.
func (c *Conn) LocalAddr() net.Addr {
	if c.s.typ == Datagram {
		return udpAddr(c.s.endpoint().LocalAddr())
	}
	return tcpAddr(c.s.endpoint().LocalAddr())
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr {
	if c.s.typ == Datagram {
		return udpAddr(c.s.endpoint().PeerAddr())
	}
	return tcpAddr(c.s.endpoint().PeerAddr())
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline, c.writeDeadline = t, t
	return nil
}

// SetReadDeadline sets when blocked reads give up.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readDeadline = t
	return nil
}

// SetWriteDeadline sets when blocked writes give up.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeDeadline = t
	return nil
}

func tcpAddr(a netip.AddrPort, _ error) net.Addr { return net.TCPAddrFromAddrPort(a) }
func udpAddr(a netip.AddrPort, _ error) net.Addr { return net.UDPAddrFromAddrPort(a) }

func addrPortOf(a net.Addr) (netip.AddrPort, error) {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort(), nil
	case *net.TCPAddr:
		return a.AddrPort(), nil
	}
	return netip.ParseAddrPort(a.String())
}

// Ready reports whether Accept would return at once.
func (l *listener) Ready() bool { return l.s.endpoint().Readable() }

// OnReady calls fn, which must not block, each time a connection arrives
// to be accepted, until stop is called (see services.Notifier).
func (l *listener) OnReady(fn func()) (stop func()) { return l.s.endpoint().OnReadable(fn) }

// Ready reports whether a read would return at once.
func (c *Conn) Ready() bool { return c.s.endpoint().Readable() }

// OnReady calls fn, which must not block, each time there is something to
// read, until stop is called (see services.Notifier).
func (c *Conn) OnReady(fn func()) (stop func()) { return c.s.endpoint().OnReadable(fn) }
