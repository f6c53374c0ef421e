// Package services holds the lab server's services: echo (RFC 862) and
// daytime (RFC 867) over TCP and UDP, a counter, an echo that serves one
// client at a time, HTTP, DNS, mail in (SMTP) and out (POP3, IMAP), a
// key-value database (RESP), a read-only file server (TFTP), a file server (FTP), a SQL
// database speaking PostgreSQL's protocol, and two that
// connect back to their caller (call-me and a peer). They are written against net.Listener,
// net.PacketConn and a dialer, so the same code serves the lab network,
// where every call it makes is traced, and the host's kernel.
package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Spec names a service on a port.
type Spec struct {
	Name        string `json:"name"`
	Proto       string `json:"proto"` // "tcp" or "udp"
	Port        uint16 `json:"port"`
	Description string `json:"description"`
}

// String is the spec as exercises name it: "echo/tcp".
func (sp Spec) String() string { return sp.Name + "/" + sp.Proto }

// Standard are the services every lab server runs.
var Standard = []Spec{
	{"echo", "tcp", 7, "sends back every byte it receives, until you close (RFC 862)"},
	{"echo", "udp", 7, "sends back every datagram it receives (RFC 862)"},
	{"daytime", "tcp", 13, "sends the date and time, then closes (RFC 867)"},
	{"daytime", "udp", 13, "answers any datagram with the date and time (RFC 867)"},
	{"dns", "udp", 53, "answers A queries for the lab's names: server.lab, www.lab, echo.lab, peer.lab, mail.lab; and MX for lab (RFC 1035)"},
	{"http", "tcp", 80, "a web server: GET / and /hello, keep-alive unless you say Connection: close (RFC 9112)"},
	{"callme", "tcp", 2000, "send it a port number and a newline: it connects to that port of yours and says hello"},
	{"counter", "tcp", 2001, "answers each line you send with how many lines this connection has sent"},
	{"iterecho", "tcp", 2007, "echo, serving one connection at a time: the next waits in the listen backlog"},
	{"smtp", "tcp", 25, "mail in: takes a message for any name@lab and keeps it in that mailbox (RFC 5321)"},
	{"pop3", "tcp", 110, "mail out: reads name@lab's mailbox, with any password (RFC 1939)"},
	{"imap", "tcp", 143, "mail out, left on the server: LOGIN name anything, SELECT INBOX, FETCH 1 BODY[] (RFC 9051, read-only)"},
	{"tftp", "udp", 69, "a read-only file server: hello.txt, and tftp.txt in several blocks (RFC 1350)"},
	{"kv", "tcp", 6379, "a key-value database speaking Redis's protocol: SET, GET, DEL, INCR, EXISTS, KEYS, EXPIRE, PING (RESP)"},
	{"peer", "tcp", 9000, "a peer: it answers like echo and, when you connect, connects back to your port 9000"},
	{"ftp", "tcp", 21, "a file server: log in as anonymous, PASV, then LIST, RETR or STOR, each over a second connection you open to the port it names (RFC 959)"},
	{"sql", "tcp", 5432, "a SQL database speaking PostgreSQL's protocol: tables students and courses, no password (SQLite underneath)"},
}

// HostPortOffset is added to a service's port when it also runs on the
// host's network: echo is 7007 there, HTTP 7080, DNS 7053, SMTP 7025,
// POP3 7110, TFTP 7069, the key-value database 13379, the SQL database
// 12432, FTP 7021, IMAP 7143.
const HostPortOffset = 7000

// OnHost are the services that also run on the host's network (see
// Kernel), for nc, telnet, curl and dig. The two that connect back to
// their caller stay in the lab.
func OnHost() []Spec {
	var out []Spec
	for _, sp := range Standard {
		if sp.Name != "callme" && sp.Name != "peer" {
			out = append(out, sp)
		}
	}
	return out
}

// Network is where services listen and whence they connect: a lab host or
// the kernel.
type Network interface {
	// Addr is the address the services are reached at.
	Addr() netip.Addr
	Listen(port uint16) (net.Listener, error)
	ListenPacket(port uint16) (net.PacketConn, error)
	Dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error)
}

// Server runs services and stops them: it owns every goroutine it starts.
type Server struct {
	now  func() time.Time
	stop context.Context // ends when the server closes: it cancels dials
	halt context.CancelFunc

	mu      sync.Mutex
	closers map[io.Closer]struct{}
	closed  bool
	wg      sync.WaitGroup
	perPeer int                // bound on one peer's open TCP connections; 0 for none
	total   int                // bound on all open TCP connections; 0 for none
	open    int                // open TCP connections admitted
	idle    time.Duration      // a connection silent this long is closed; 0 for never
	peers   map[netip.Addr]int // open TCP connections by peer address
	refused atomic.Uint64
	busy    atomic.Int64 // see Busy

	mail      mailstore    // SMTP's and POP3's mailboxes
	kv        kvstore      // the key-value database's keys
	transfers atomic.Int32 // TFTP transfers under way
	sql       sqldb        // the SQL database, opened by its first connection
	files     ftpArea      // what FTP clients put
	passive   atomic.Int32 // FTP passive ports waiting for a data connection
}

// NewServer returns a server whose daytime services read the clock now
// (time.Now if nil).
func NewServer(now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	stop, halt := context.WithCancel(context.Background())
	return &Server{now: now, stop: stop, halt: halt, closers: map[io.Closer]struct{}{}, peers: map[netip.Addr]int{}}
}

// LimitPerPeer bounds how many TCP connections from one peer address the
// server's services hold open at once: a connection beyond the bound is
// closed as soon as it is accepted, and counted (Refused). n <= 0 means no
// bound, the default. Call it before Start or ServeTCP.
func (s *Server) LimitPerPeer(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perPeer = max(n, 0)
}

// LimitTotal bounds how many TCP connections, from all peers, the
// server's services hold open at once, as LimitPerPeer does one peer's.
// n <= 0 means no bound, the default. Call it before Start or ServeTCP.
func (s *Server) LimitTotal(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total = max(n, 0)
}

// CloseIdle makes the services of ServeTCP and ServeOneAtATime close a
// connection on which nothing was read or written for d: each read and
// write must finish within d of its start. d <= 0 means never, the
// default. Call it before Start or ServeTCP.
func (s *Server) CloseIdle(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idle = max(d, 0)
}

// Busy reports whether a service on a lab socket (a Notifier) has work
// it has not finished: from the moment the socket says it has a
// connection to accept or a datagram to read until the goroutine started
// for it has accepted or answered everything and stopped. A connection's
// own goroutine, waiting in Read, is not counted: what it does when data
// comes is socket calls, which the lab traces.
func (s *Server) Busy() bool { return s.busy.Load() != 0 }

// Refused counts the connections closed at once for being over the bound
// set by LimitPerPeer.
func (s *Server) Refused() uint64 { return s.refused.Load() }

// admit counts c against its peer's bound and returns the peer to
// release when c ends; false if c is over the bound. The peer is read once
// here: a reset connection may no longer know it.
func (s *Server) admit(c net.Conn) (netip.Addr, bool) {
	peer, known := peerAddr(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total > 0 && s.open >= s.total {
		return peer, false
	}
	if !known {
		s.open++
		return peer, true
	}
	if s.perPeer > 0 && s.peers[peer] >= s.perPeer {
		return peer, false
	}
	s.open++
	s.peers[peer]++
	return peer, true
}

// release ends a connection of peer's that admit let in.
func (s *Server) release(peer netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
	if !peer.IsValid() {
		return
	}
	if s.peers[peer]--; s.peers[peer] <= 0 {
		delete(s.peers, peer)
	}
}

func peerAddr(c net.Conn) (netip.Addr, bool) {
	a, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok || a == nil {
		return netip.Addr{}, false
	}
	peer := a.AddrPort().Addr().Unmap()
	return peer, peer.IsValid()
}

// Start runs each of specs on n.
func (s *Server) Start(n Network, specs []Spec) error {
	for _, sp := range specs {
		if err := s.start(n, sp); err != nil {
			return fmt.Errorf("start %s/%s on port %d: %w", sp.Name, sp.Proto, sp.Port, err)
		}
	}
	return nil
}

func (s *Server) start(n Network, sp Spec) error {
	if serve := s.stream(n, sp); serve != nil {
		ln, err := n.Listen(sp.Port)
		if err != nil {
			return err
		}
		serve(ln)
		return nil
	}
	if reply := s.datagram(n, sp); reply != nil {
		pc, err := n.ListenPacket(sp.Port)
		if err != nil {
			return err
		}
		s.servePacket(pc, reply)
		return nil
	}
	return errors.New("no such service")
}

// stream is how the TCP service sp serves its listener; nil if there is
// no such TCP service.
func (s *Server) stream(n Network, sp Spec) func(net.Listener) {
	each := func(handle func(net.Conn)) func(net.Listener) {
		return func(ln net.Listener) { s.ServeTCP(ln, handle) }
	}
	switch sp.Proto + "/" + sp.Name {
	case "tcp/echo":
		return each(Echo)
	case "tcp/daytime":
		return each(s.Daytime)
	case "tcp/counter":
		return each(Counter)
	case "tcp/callme":
		return each(s.callMe(n))
	case "tcp/peer":
		return each(s.peer(n, sp.Port))
	case "tcp/iterecho":
		return func(ln net.Listener) { s.ServeOneAtATime(ln, Echo) }
	case "tcp/http":
		return func(ln net.Listener) { s.ServeHTTP(ln, Web()) }
	case "tcp/smtp":
		return each(s.smtp)
	case "tcp/pop3":
		return each(s.pop3)
	case "tcp/imap":
		return each(s.imap)
	case "tcp/kv":
		return each(s.keyValue)
	case "tcp/sql":
		if serve := s.sqlService(); serve != nil {
			return each(serve)
		}
	case "tcp/ftp":
		return each(s.ftp(n))
	}
	return nil
}

// datagram is how the UDP service sp answers a datagram from an address;
// nil if there is no such UDP service.
func (s *Server) datagram(n Network, sp Spec) func([]byte, net.Addr) []byte {
	each := func(reply func([]byte) []byte) func([]byte, net.Addr) []byte {
		return func(b []byte, _ net.Addr) []byte { return reply(b) }
	}
	switch sp.Proto + "/" + sp.Name {
	case "udp/echo":
		return each(EchoDatagram)
	case "udp/daytime":
		return each(s.DaytimeDatagram)
	case "udp/dns":
		return each(LabZone(n.Addr()).Answer)
	case "udp/tftp":
		return s.tftp(n)
	}
	return nil
}

// track keeps c to close it when the server closes; false if it already
// has.
func (s *Server) track(c io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closers[c] = struct{}{}
	return true
}

func (s *Server) untrack(c io.Closer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.closers, c)
}

// ServeTCP accepts connections on ln and runs handle on each, in its own
// goroutine, closing the connection after it returns.
func (s *Server) ServeTCP(ln net.Listener, handle func(net.Conn)) {
	s.serveListener(ln, func(c net.Conn, peer netip.Addr) { s.goConn(c, peer, handle) })
}

// ServeOneAtATime is ServeTCP for an iterative server: handle runs in the
// accepting goroutine, so the next connection waits in the listen
// backlog, its handshake already done by the stack, until handle returns.
func (s *Server) ServeOneAtATime(ln net.Listener, handle func(net.Conn)) {
	s.serveListener(ln, func(c net.Conn, peer netip.Addr) {
		defer s.release(peer)
		defer s.untrack(c)
		defer c.Close()
		handle(c)
	})
}

// serveListener accepts connections on ln and passes each the server
// admits and tracks to serve, until ln closes.
func (s *Server) serveListener(ln net.Listener, serve func(c net.Conn, peer netip.Addr)) {
	if !s.track(ln) {
		ln.Close()
		return
	}
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	var wait time.Duration // since the last accept that worked
	s.loop(ln, func() bool {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return false
			}
			// A connection that failed before it was accepted (reset in
			// the queue), or no file or socket left for it (EMFILE): keep
			// serving, after a wait that grows as net/http's does, so that
			// an error that lasts does not spin a core.
			wait = min(max(2*wait, minAcceptWait), maxAcceptWait)
			return s.sleep(wait)
		}
		wait = 0
		if idle > 0 {
			c = &idleConn{Conn: c, idle: idle}
		}
		peer, ok := s.admit(c)
		if !ok {
			s.refused.Add(1)
			c.Close()
			return true
		}
		if !s.track(c) {
			s.release(peer)
			c.Close()
			return false
		}
		serve(c, peer)
		return true
	})
}

// The wait after a failed accept: the first, and the longest it doubles
// to (net/http's Server.Serve waits the same).
const (
	minAcceptWait = 5 * time.Millisecond
	maxAcceptWait = time.Second
)

// sleep waits for d; false if the server closes first.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop.Done():
		return false
	}
}

// idleConn is a connection each of whose reads and writes must finish
// within idle of its start (Server.CloseIdle).
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	c.Conn.SetDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(b)
}

func (c *idleConn) Write(b []byte) (int, error) {
	c.Conn.SetDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(b)
}

// Notifier is a listener or packet connection that tells when it has
// something to read, as the lab's sockets do (the kernel's do not): a
// service on one runs a goroutine only while there is work, as inetd
// would, so that an idle lab server holds no goroutine per service.
type Notifier interface {
	// Ready reports whether a read or an accept would return at once.
	Ready() bool
	// OnReady calls fn, which must not block, whenever there comes
	// something to read, until stop is called.
	OnReady(fn func()) (stop func())
}

// loop runs step, which reads from r (a tracked listener or packet
// connection) and serves what it read, until it returns false: in a
// goroutine of the server's that waits in step for good, or, when r is a
// Notifier, in one that runs only while r is ready.
func (s *Server) loop(r io.Closer, step func() bool) {
	n, lazy := r.(Notifier)
	if !lazy {
		s.goLoop(r, step)
		return
	}
	var running, pending atomic.Bool
	var drain func()
	kick := func() {
		pending.Store(true)
		if !running.CompareAndSwap(false, true) {
			return
		}
		s.busy.Add(1)
		if !s.goTask(func() { defer s.busy.Add(-1); drain() }) {
			s.busy.Add(-1)
			running.Store(false)
		}
	}
	drain = func() {
		for {
			pending.Store(false)
			for n.Ready() {
				if !step() {
					s.untrack(r)
					return
				}
			}
			running.Store(false)
			// A kick while this round ended left pending set; this
			// goroutine goes on unless the kick started another.
			if !pending.Load() || !running.CompareAndSwap(false, true) {
				return
			}
		}
	}
	stop := n.OnReady(kick)
	s.track(&stopper{stop})
	kick() // for what came before OnReady
}

// stopper is a stop function as an io.Closer, so that the server stops it
// when it closes.
type stopper struct{ stop func() }

func (s *stopper) Close() error { s.stop(); return nil }

// goLoop runs step in a goroutine of the server's until it returns false.
func (s *Server) goLoop(r io.Closer, step func() bool) {
	s.goTask(func() {
		defer s.untrack(r)
		for step() {
		}
	})
}

// goTask runs f in a goroutine that Close waits for; false if the server
// has closed, and f does not run.
func (s *Server) goTask(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// goConn runs handle on a tracked connection in a goroutine of the
// server's, then closes it and releases its peer.
func (s *Server) goConn(c net.Conn, peer netip.Addr, handle func(net.Conn)) {
	run := s.goTask(func() {
		defer s.release(peer)
		defer s.untrack(c)
		defer c.Close()
		handle(c)
	})
	if !run {
		s.release(peer)
		c.Close()
	}
}

// ServePacket answers each datagram on pc with what reply returns for it,
// if anything.
func (s *Server) ServePacket(pc net.PacketConn, reply func([]byte) []byte) {
	s.servePacket(pc, func(b []byte, _ net.Addr) []byte { return reply(b) })
}

// servePacket is ServePacket for a reply that depends on the sender.
func (s *Server) servePacket(pc net.PacketConn, reply func([]byte, net.Addr) []byte) {
	if !s.track(pc) {
		pc.Close()
		return
	}
	read := bufferedReader(pc, maxDatagram)
	if dr, ok := pc.(DatagramReader); ok {
		read = dr.ReadDatagram
	}
	s.loop(pc, func() bool {
		b, from, err := read(maxDatagram)
		if err != nil {
			return !errors.Is(err, net.ErrClosed)
		}
		if out := reply(b, from); out != nil {
			pc.WriteTo(out, from)
		}
		return true
	})
}

// maxDatagram is the largest datagram a service reads.
const maxDatagram = 65535

// DatagramReader is a PacketConn that hands out each datagram it reads in
// a slice of its own, as lab/sock's does: a service waiting for one holds
// no buffer (a lab server runs two UDP services in every room, and a
// buffer of maxDatagram each would be most of a room's memory).
type DatagramReader interface {
	// ReadDatagram reads one datagram, up to n bytes of it, as ReadFrom
	// with an n-byte buffer would.
	ReadDatagram(n int) ([]byte, net.Addr, error)
}

// bufferedReader reads pc's datagrams into one buffer of size bytes.
func bufferedReader(pc net.PacketConn, size int) func(n int) ([]byte, net.Addr, error) {
	var buf []byte
	return func(n int) ([]byte, net.Addr, error) {
		if buf == nil {
			buf = make([]byte, size)
		}
		k, from, err := pc.ReadFrom(buf[:n])
		return buf[:k], from, err
	}
}

// Close stops every service and connection and waits for their goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	cs := make([]io.Closer, 0, len(s.closers))
	for c := range s.closers {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	s.halt()
	for _, c := range cs {
		c.Close()
	}
	s.wg.Wait()
	s.sql.close()
}

// Echo sends back everything it reads, until the peer closes (RFC 862).
// It reads 1024 bytes at a time, as a student's recv(1024) would.
func Echo(c net.Conn) {
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// EchoDatagram answers a datagram with itself (RFC 862).
func EchoDatagram(b []byte) []byte { return b }

// Daytime writes the date and time, then returns so the connection closes
// (RFC 867).
func (s *Server) Daytime(c net.Conn) {
	c.Write(s.DaytimeDatagram(nil))
}

// DaytimeDatagram answers any datagram with the date and time (RFC 867).
func (s *Server) DaytimeDatagram([]byte) []byte {
	return []byte(s.now().UTC().Format("Monday, January 2, 2006 15:04:05-MST") + "\r\n")
}

// Kernel is the host's own network: services on it are reachable with nc,
// telnet, curl, dig, redis-cli and tftp, each on its lab port plus
// HostPortOffset, and are not traced.
type Kernel struct {
	Host netip.Addr // the address to listen on, such as 127.0.0.1
}

// Addr is the address the services listen on.
func (k Kernel) Addr() netip.Addr { return k.Host }

// addr is port+HostPortOffset; port 0 stays 0, any free port, as bind
// takes it (a TFTP transfer's own port).
func (k Kernel) addr(port uint16) string {
	if port != 0 {
		port += HostPortOffset
	}
	return netip.AddrPortFrom(k.Host, port).String()
}

// Listen listens on TCP port+HostPortOffset.
func (k Kernel) Listen(port uint16) (net.Listener, error) {
	return net.Listen("tcp", k.addr(port))
}

// ListenPacket listens on UDP port+HostPortOffset, or any free port for
// port 0.
func (k Kernel) ListenPacket(port uint16) (net.PacketConn, error) {
	return net.ListenPacket("udp", k.addr(port))
}

// Dial connects to addr over TCP.
func (k Kernel) Dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr.String())
}

// tryOnHost is a command to try each service with on the host's network:
// the host's address and the port fill in its verbs.
var tryOnHost = map[string]string{
	"echo/tcp": "nc %v %d",
	"http/tcp": "curl http://%v:%d/hello",
	"dns/udp":  "dig @%v -p %d www.lab",
	"smtp/tcp": "curl smtp://%v:%d --mail-rcpt ada@lab -T msg.txt",
	"pop3/tcp": "curl pop3://%v:%d/1 -u ada:any",
	"imap/tcp": "curl 'imap://%v:%d/INBOX;MAILINDEX=1' -u ada:any",
	"kv/tcp":   "redis-cli -h %v -p %d",
	"tftp/udp": "tftp %v %d -c get hello.txt",
	"ftp/tcp":  "curl ftp://%v:%d/hello.txt",
	"sql/tcp":  "psql -h %v -p %d -U ada -c 'select * from students'",
}

// TryOnHost is a command that tries sp on the host's network at host,
// with a standard client; "" if there is none worth showing.
func (sp Spec) TryOnHost(host netip.Addr) string {
	format, ok := tryOnHost[sp.String()]
	if !ok {
		return ""
	}
	return fmt.Sprintf(format, host, sp.Port+HostPortOffset)
}
