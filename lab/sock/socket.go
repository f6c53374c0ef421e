package sock

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/netstack"
)

// MaxRecv bounds the bytes one recv or recvfrom reads: one that asks for
// more is recorded as asked and gets at most MaxRecv, as a kernel gives no
// more than it has.
const MaxRecv = 1 << 20

// Socket is one traced socket.
type Socket struct {
	st  *Stack
	fd  int
	typ Type

	mu      sync.Mutex
	ep      *netstack.Endpoint
	timeout time.Duration // < 0: blocking; 0: non-blocking; > 0: timeout
	closed  bool
	failed  bool // a connect failed: the next one starts afresh, as on Linux
	// reuseAddr is SO_REUSEADDR, kept for a fresh endpoint (see afresh).
	reuseAddr bool
}

// endpoint is the socket's endpoint in the stack.
func (s *Socket) endpoint() *netstack.Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ep
}

// FD is the socket's number.
func (s *Socket) FD() int { return s.fd }

// Type is the socket's type.
func (s *Socket) Type() Type { return s.typ }

// State is the socket's protocol state now.
func (s *Socket) State() lab.SocketState { return s.endpoint().State() }

// Repr formats the socket as Python's repr of a socket object does.
func (s *Socket) Repr() string {
	if s.isClosed() {
		return "<socket.socket [closed] fd=-1, family=AF_INET, type=" + s.typ.String() + ", proto=0>"
	}
	r := fmt.Sprintf("<socket.socket fd=%d, family=AF_INET, type=%s, proto=0", s.fd, s.typ)
	if a, err := s.endpoint().LocalAddr(); err == nil {
		r += ", laddr=" + lab.ReprAddr(a)
	}
	if a, err := s.endpoint().PeerAddr(); err == nil {
		r += ", raddr=" + lab.ReprAddr(a)
	}
	return r + ">"
}

// SetTimeout sets how long blocking calls wait: d > 0 fails them with
// TimeoutError after d; d == 0 makes the socket non-blocking.
func (s *Socket) SetTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeout = max(d, 0)
}

// SetBlocking makes calls block without a timeout (true) or not at all.
func (s *Socket) SetBlocking(block bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if block {
		s.timeout = -1
	} else {
		s.timeout = 0
	}
}

// Timeout is the socket's timeout; ok is false for a blocking socket
// without one (Python's None).
func (s *Socket) Timeout() (d time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.timeout, 0), s.timeout >= 0
}

func (s *Socket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// call runs one traced call: it checks the socket is open, applies the
// socket's timeout to ctx, runs do, and records the call with what do
// filled in.
func (s *Socket) call(ctx context.Context, name string, args []string, do func(ctx context.Context, c *lab.Call) error) error {
	c := &lab.Call{Socket: s.fd, Proto: s.typ.proto().String(), Name: name, Args: args, Start: s.st.host.Now()}
	var err error
	switch {
	case s.isClosed():
		err = &Error{Op: name, Errno: lab.EBADF}
	case ctx.Err() != nil:
		// Interrupted before it began: not a non-blocking try.
		err = wrap(name, ctx.Err())
	default:
		cctx, cancel := s.deadline(ctx)
		end := s.st.begin(s, c)
		err = wrap(name, do(cctx, c))
		end()
		cancel()
		if err == nil && c.Result == "" {
			c.Result = "None"
		}
		s.addresses(c)
	}
	s.st.record(c, err)
	return err
}

// deadline applies the socket's timeout to ctx; a non-blocking socket gets
// a context that is already done, so that calls try once. A blocking socket
// without a timeout uses ctx as it is.
func (s *Socket) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	s.mu.Lock()
	d := s.timeout
	s.mu.Unlock()
	switch {
	case d < 0:
		return ctx, func() {}
	case d == 0:
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx, cancel
	default:
		return context.WithTimeout(ctx, d)
	}
}

// addresses fills in the call's local and peer addresses, as they are
// when it returns.
func (s *Socket) addresses(c *lab.Call) {
	ep := s.endpoint()
	if a, err := ep.LocalAddr(); err == nil && a.Port() != 0 {
		c.Local = a
	}
	if !c.Peer.IsValid() {
		if a, err := ep.PeerAddr(); err == nil {
			c.Peer = a
		}
	}
}

// Bind gives the socket a local address: bind((host, port)). An
// unspecified address means any of the host's, port 0 an ephemeral port.
func (s *Socket) Bind(addr netip.AddrPort) error {
	return s.call(context.Background(), "bind", []string{reprBindAddr(addr)}, func(ctx context.Context, c *lab.Call) error {
		return s.endpoint().Bind(addr)
	})
}

// Listen makes a stream socket accept connections: listen(backlog).
func (s *Socket) Listen(backlog int) error {
	return s.call(context.Background(), "listen", []string{strconv.Itoa(backlog)}, func(ctx context.Context, c *lab.Call) error {
		if s.typ != Stream {
			return lab.EOPNOTSUPP
		}
		return s.endpoint().Listen(min(max(backlog, 0), 4096))
	})
}

// Accept waits for a connection and returns a new socket for it and the
// peer's address: conn, addr = s.accept().
func (s *Socket) Accept(ctx context.Context) (*Socket, netip.AddrPort, error) {
	var child *Socket
	var peer netip.AddrPort
	err := s.call(ctx, "accept", nil, func(ctx context.Context, c *lab.Call) error {
		if s.typ != Stream {
			return lab.EOPNOTSUPP
		}
		var err error
		child, err = s.st.newSocket(Stream, func(fd int) (*netstack.Endpoint, error) {
			ep, p, err := s.endpoint().Accept(ctx, fd)
			peer = p
			return ep, err
		})
		if err != nil {
			return err
		}
		c.NewFD = child.fd
		c.Peer = peer
		c.Result = "(" + child.Repr() + ", " + lab.ReprAddr(peer) + ")"
		return nil
	})
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	return child, peer, nil
}

// Connect connects the socket to addr: connect((host, port)). For TCP it
// waits for the three-way handshake.
func (s *Socket) Connect(ctx context.Context, addr netip.AddrPort) error {
	return s.call(ctx, "connect", []string{lab.ReprAddr(addr)}, func(ctx context.Context, c *lab.Call) error {
		return s.connect(ctx, c, addr)
	})
}

// ConnectEx is Connect as Python's connect_ex: the socket's own failure
// is its result, an errno (EINPROGRESS, 115, on a non-blocking socket;
// EAGAIN when its timeout ran out, as CPython gives; 0 when it
// connected), and the call is traced as connect_ex returning that number
// (its Errno set), not as a connect that raised. An interruption is still
// an error.
func (s *Socket) ConnectEx(ctx context.Context, addr netip.AddrPort) (lab.Errno, error) {
	var errno lab.Errno
	err := s.call(ctx, "connect_ex", []string{lab.ReprAddr(addr)}, func(cctx context.Context, c *lab.Call) error {
		err := s.connect(cctx, c, addr)
		var se *Error
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return err
		case errors.As(wrap("connect_ex", err), &se) && se.Timeout:
			errno = lab.EAGAIN
		case !errors.As(err, &errno):
			return err
		}
		c.Errno, c.Result = errno, strconv.Itoa(int(errno))
		return nil
	})
	return errno, err
}

// connect is Connect's work, c its traced call.
func (s *Socket) connect(ctx context.Context, c *lab.Call, addr netip.AddrPort) error {
	if err := s.afresh(); err != nil {
		return err
	}
	c.Peer = addr // also when it fails: the peer it asked for
	if s.typ == Stream && s.endpoint().State() == lab.StateListen {
		// Linux's answer; gVisor's, EINVAL, would mark the socket
		// failed, and the next connect would drop the listener.
		return lab.EISCONN
	}
	err := s.endpoint().Connect(ctx, addr)
	var errno lab.Errno
	if s.typ == Stream && errors.As(err, &errno) && errno != lab.EISCONN && errno != lab.EALREADY && errno != lab.EINPROGRESS {
		s.mu.Lock()
		s.failed = true
		s.mu.Unlock()
	}
	return err
}

// afresh gives a TCP socket whose connect failed a new endpoint, so that
// connecting again works, as it does on Linux: gVisor keeps a failed
// endpoint failed.
func (s *Socket) afresh() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.failed {
		return nil
	}
	ep, err := s.st.host.NewEndpoint(s.typ.proto(), s.fd)
	if err != nil {
		return err
	}
	ep.SetReuseAddress(s.reuseAddr)
	s.ep.Close()
	s.ep, s.failed = ep, false
	return nil
}

// Send sends what it can of b and returns how much: send(b).
func (s *Socket) Send(ctx context.Context, b []byte) (int, error) {
	var n int
	err := s.call(ctx, "send", []string{lab.ReprBytes(b)}, func(ctx context.Context, c *lab.Call) error {
		var err error
		n, err = s.endpoint().Write(ctx, b)
		c.Bytes = n
		c.Result = strconv.Itoa(n)
		return err
	})
	return n, err
}

// SendAll sends all of b: sendall(b).
func (s *Socket) SendAll(ctx context.Context, b []byte) error {
	return s.call(ctx, "sendall", []string{lab.ReprBytes(b)}, func(ctx context.Context, c *lab.Call) error {
		for c.Bytes < len(b) {
			n, err := s.endpoint().Write(ctx, b[c.Bytes:])
			c.Bytes += n
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Recv receives up to n bytes: recv(n). At the end of the stream it
// returns no bytes.
func (s *Socket) Recv(ctx context.Context, n int) ([]byte, error) {
	var b []byte
	err := s.call(ctx, "recv", []string{strconv.Itoa(n)}, func(ctx context.Context, c *lab.Call) error {
		if n < 0 {
			return lab.EINVAL
		}
		n = min(n, MaxRecv)
		s.mu.Lock()
		failed := s.failed
		s.mu.Unlock()
		if failed {
			return lab.ENOTCONN
		}
		if n == 0 {
			c.Result = "b''"
			return nil
		}
		var err error
		b, err = s.endpoint().Read(ctx, n)
		c.Bytes = len(b)
		c.Result = lab.ReprBytes(b)
		return err
	})
	return b, err
}

// SendTo sends b as one datagram to addr: sendto(b, (host, port)).
func (s *Socket) SendTo(ctx context.Context, b []byte, addr netip.AddrPort) (int, error) {
	var n int
	err := s.call(ctx, "sendto", []string{lab.ReprBytes(b), lab.ReprAddr(addr)}, func(ctx context.Context, c *lab.Call) error {
		var err error
		n, err = s.endpoint().WriteTo(ctx, b, addr)
		c.Bytes = n
		c.Peer = addr
		c.Result = strconv.Itoa(n)
		return err
	})
	return n, err
}

// RecvFrom receives one datagram, up to n bytes of it, and its sender:
// data, addr = recvfrom(n).
func (s *Socket) RecvFrom(ctx context.Context, n int) ([]byte, netip.AddrPort, error) {
	var b []byte
	var from netip.AddrPort
	err := s.call(ctx, "recvfrom", []string{strconv.Itoa(n)}, func(ctx context.Context, c *lab.Call) error {
		if n < 0 {
			return lab.EINVAL
		}
		n = min(n, MaxRecv)
		var err error
		b, from, err = s.endpoint().ReadFrom(ctx, n)
		c.Bytes = len(b)
		if err == nil {
			c.Peer = from
			c.Result = "(" + lab.ReprBytes(b) + ", " + lab.ReprAddr(from) + ")"
		}
		return err
	})
	return b, from, err
}

// Shutdown closes one or both directions: shutdown(how).
func (s *Socket) Shutdown(how How) error {
	name := [...]string{"SHUT_RD", "SHUT_WR", "SHUT_RDWR"}
	arg := strconv.Itoa(int(how))
	if how >= 0 && int(how) < len(name) {
		arg = name[how]
	}
	return s.call(context.Background(), "shutdown", []string{arg}, func(ctx context.Context, c *lab.Call) error {
		if how < ShutRD || how > ShutRDWR {
			return lab.EINVAL
		}
		return s.endpoint().Shutdown(how != ShutWR, how != ShutRD)
	})
}

// Close closes the socket: close(). Closing it again does nothing, as in
// Python.
func (s *Socket) Close() error {
	c := &lab.Call{Socket: s.fd, Proto: s.typ.proto().String(), Name: "close", Start: s.st.host.Now(), Result: "None"}
	s.mu.Lock()
	was := s.closed
	s.closed = true
	s.mu.Unlock()
	if was {
		return nil
	}
	s.addresses(c)
	s.endpoint().Close()
	s.st.forget(s.fd)
	s.st.record(c, nil)
	return nil
}

// LocalAddr is the socket's own address: getsockname().
func (s *Socket) LocalAddr() (netip.AddrPort, error) {
	var a netip.AddrPort
	err := s.call(context.Background(), "getsockname", nil, func(ctx context.Context, c *lab.Call) error {
		var err error
		a, err = s.endpoint().LocalAddr()
		c.Result = lab.ReprAddr(a)
		return err
	})
	return a, err
}

// PeerAddr is the address the socket is connected to: getpeername().
func (s *Socket) PeerAddr() (netip.AddrPort, error) {
	var a netip.AddrPort
	err := s.call(context.Background(), "getpeername", nil, func(ctx context.Context, c *lab.Call) error {
		var err error
		a, err = s.endpoint().PeerAddr()
		c.Result = lab.ReprAddr(a)
		return err
	})
	return a, err
}

func reprBindAddr(a netip.AddrPort) string {
	if !a.Addr().IsValid() {
		return "('', " + strconv.Itoa(int(a.Port())) + ")"
	}
	return lab.ReprAddr(a)
}
