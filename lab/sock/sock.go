// Package sock is the BSD socket API over a lab host, each call traced.
//
// Every call (socket, bind, listen, accept, connect, send, sendall, recv,
// sendto, recvfrom, shutdown, close, getsockname, getpeername) is recorded
// as a lab.Event when it returns, with its arguments and result as Python
// would print them, so that a student's calls and a service's calls read
// alike. Errors are *Error and carry the errno and the exception Python
// would raise. Blocking calls take a context and honour the socket's
// timeout, as Python's settimeout and setblocking set it.
//
// Unlike a kernel, a Stack never reuses a socket's number (its fd), so that
// every socket in a trace has one of its own.
package sock

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/netstack"
)

// Type is a socket type.
type Type int

// The socket types.
const (
	Stream   Type = iota + 1 // SOCK_STREAM: TCP
	Datagram                 // SOCK_DGRAM: UDP
)

// String names the type as Python's socket module does.
func (t Type) String() string {
	if t == Datagram {
		return "SOCK_DGRAM"
	}
	return "SOCK_STREAM"
}

func (t Type) proto() netstack.Proto {
	if t == Datagram {
		return netstack.UDP
	}
	return netstack.TCP
}

// How says which directions Shutdown closes.
type How int

// The directions of shutdown(2).
const (
	ShutRD   How = 0
	ShutWR   How = 1
	ShutRDWR How = 2
)

// firstFD is the number of the first socket, as in a process that has
// stdin, stdout and stderr open.
const firstFD = 3

// MaxSockets bounds how many sockets one host may have open at once.
const MaxSockets = 256

// Stack makes traced sockets on one host.
type Stack struct {
	host *netstack.Host
	rec  lab.Recorder

	mu         sync.Mutex
	nextFD     int
	open       map[int]*Socket
	maxSockets int
	// running are the calls that have begun and not returned.
	running map[*flight]struct{}
}

// flight is a call running on a socket: what is known of it as it began.
type flight struct {
	s     *Socket
	name  string
	args  []string
	start time.Time
}

// New returns a Stack making sockets on host and recording their calls to
// rec.
func New(host *netstack.Host, rec lab.Recorder) *Stack {
	return &Stack{host: host, rec: rec, nextFD: firstFD, open: map[int]*Socket{}, maxSockets: MaxSockets, running: map[*flight]struct{}{}}
}

// SetMaxSockets changes how many sockets the host may have open at once
// from MaxSockets, a student's host's bound, to n: a lab server shared by
// many students accepts a connection from each.
func (st *Stack) SetMaxSockets(n int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.maxSockets = n
}

// Addr is the host's address.
func (st *Stack) Addr() netip.Addr { return st.host.Addr() }

// Host is the host the sockets are on.
func (st *Stack) Host() *netstack.Host { return st.host }

// Socket makes a socket: socket(AF_INET, t).
func (st *Stack) Socket(t Type) (*Socket, error) {
	start := st.host.Now()
	s, err := st.newSocket(t, func(fd int) (*netstack.Endpoint, error) {
		return st.host.NewEndpoint(t.proto(), fd)
	})
	c := &lab.Call{Name: "socket", Proto: t.proto().String(), Args: []string{"AF_INET", t.String()}, Start: start}
	if err != nil {
		st.record(c, err)
		return nil, err
	}
	c.Socket = s.fd
	c.Result = s.Repr()
	st.record(c, nil)
	return s, nil
}

// newSocket gives a new socket its number and endpoint.
func (st *Stack) newSocket(t Type, endpoint func(fd int) (*netstack.Endpoint, error)) (*Socket, error) {
	st.mu.Lock()
	if len(st.open) >= st.maxSockets {
		st.mu.Unlock()
		return nil, &Error{Op: "socket", Errno: lab.EMFILE}
	}
	fd := st.nextFD
	st.nextFD++
	st.mu.Unlock()

	ep, err := endpoint(fd)
	if err != nil {
		return nil, wrap("socket", err)
	}
	s := &Socket{st: st, fd: fd, typ: t, ep: ep, timeout: -1}
	st.mu.Lock()
	st.open[fd] = s
	st.mu.Unlock()
	return s, nil
}

func (st *Stack) forget(fd int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.open, fd)
}

// Sockets returns the sockets open now, by number.
func (st *Stack) Sockets() []*Socket {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]*Socket, 0, len(st.open))
	for _, s := range st.open {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Socket) int { return cmp.Compare(a.fd, b.fd) })
	return out
}

// Table is the host's socket table, as ss -tanu shows it, with each row's
// socket number where an open socket owns it.
func (st *Stack) Table() []lab.SocketInfo { return st.host.Sockets() }

// TableWith is the rows of Table that concern the host at peer: those with
// no peer (listeners, unconnected UDP sockets), and connections with peer.
func (st *Stack) TableWith(peer netip.Addr) []lab.SocketInfo {
	return st.host.SocketsWith(peer)
}

// begin notes that a call began on s, until the returned function is
// called.
func (st *Stack) begin(s *Socket, c *lab.Call) (end func()) {
	f := &flight{s: s, name: c.Name, args: c.Args, start: c.Start}
	st.mu.Lock()
	st.running[f] = struct{}{}
	st.mu.Unlock()
	return func() {
		st.mu.Lock()
		delete(st.running, f)
		st.mu.Unlock()
	}
}

// Blocked lists the calls running now that began before since (those
// that have waited), oldest first, each with what it waits for.
func (st *Stack) Blocked(since time.Time) []lab.Blocked {
	st.mu.Lock()
	var fs []*flight
	for f := range st.running {
		if f.start.Before(since) {
			fs = append(fs, f)
		}
	}
	st.mu.Unlock()
	slices.SortFunc(fs, func(a, b *flight) int { return a.start.Compare(b.start) })
	var table []lab.SocketInfo
	if len(fs) > 0 {
		table = st.host.Sockets()
	}
	out := make([]lab.Blocked, 0, len(fs))
	for _, f := range fs {
		c := lab.Call{Socket: f.s.fd, Proto: f.s.typ.proto().String(), Name: f.name, Args: f.args, Start: f.start}
		f.s.addresses(&c)
		state, recvQ := f.s.State(), 0
		for _, r := range table {
			if r.Socket == f.s.fd {
				recvQ = r.RecvQ
			}
		}
		out = append(out, lab.Blocked{Call: c, State: state, Why: lab.WhyBlocked(&c, state, recvQ)})
	}
	return out
}

// Close closes every socket still open.
func (st *Stack) Close() {
	for _, s := range st.Sockets() {
		s.Close()
	}
}

func (st *Stack) record(c *lab.Call, err error) {
	c.End = st.host.Now()
	if err != nil {
		c.Result = ""
		c.Error, c.Exception = Python(err), "OSError"
		var e *Error
		if asError(err, &e) {
			c.Errno, c.Exception = e.Errno, e.Exception()
		}
	}
	if st.rec != nil {
		st.rec.Record(lab.Event{Time: c.End, Host: st.host.Addr().String(), Kind: lab.KindCall, Call: c})
	}
}
