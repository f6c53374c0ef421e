// Package services holds the lab server's services: echo (RFC 862) and
// daytime (RFC 867) over TCP and UDP. They are written against net.Listener
// and net.PacketConn, so the same code serves the lab network, where every
// call it makes is traced, and the host's kernel.
package services

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
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

// Standard are the services every lab server runs.
var Standard = []Spec{
	{"echo", "tcp", 7, "sends back every byte it receives, until you close (RFC 862)"},
	{"echo", "udp", 7, "sends back every datagram it receives (RFC 862)"},
	{"daytime", "tcp", 13, "sends the date and time, then closes (RFC 867)"},
	{"daytime", "udp", 13, "answers any datagram with the date and time (RFC 867)"},
}

// Network is where services listen: a lab host or the kernel.
type Network interface {
	Listen(port uint16) (net.Listener, error)
	ListenPacket(port uint16) (net.PacketConn, error)
}

// Server runs services and stops them: it owns every goroutine it starts.
type Server struct {
	now func() time.Time

	mu      sync.Mutex
	closers map[io.Closer]struct{}
	closed  bool
	wg      sync.WaitGroup
	perPeer int                // bound on one peer's open TCP connections; 0 for none
	peers   map[netip.Addr]int // open TCP connections by peer address
	refused atomic.Uint64
}

// NewServer returns a server whose daytime services read the clock now
// (time.Now if nil).
func NewServer(now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	return &Server{now: now, closers: map[io.Closer]struct{}{}, peers: map[netip.Addr]int{}}
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
	if !known {
		return peer, true
	}
	if s.perPeer > 0 && s.peers[peer] >= s.perPeer {
		return peer, false
	}
	s.peers[peer]++
	return peer, true
}

// release ends a connection of peer's that admit let in.
func (s *Server) release(peer netip.Addr) {
	if !peer.IsValid() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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
	switch sp.Proto {
	case "tcp":
		h, ok := map[string]func(net.Conn){"echo": Echo, "daytime": s.Daytime}[sp.Name]
		if !ok {
			return errors.New("no such tcp service")
		}
		ln, err := n.Listen(sp.Port)
		if err != nil {
			return err
		}
		s.ServeTCP(ln, h)
	case "udp":
		h, ok := map[string]func([]byte) []byte{"echo": EchoDatagram, "daytime": s.DaytimeDatagram}[sp.Name]
		if !ok {
			return errors.New("no such udp service")
		}
		pc, err := n.ListenPacket(sp.Port)
		if err != nil {
			return err
		}
		s.ServePacket(pc, h)
	default:
		return fmt.Errorf("unknown protocol %q", sp.Proto)
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
	if !s.track(ln) {
		ln.Close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.untrack(ln)
		for {
			c, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				// A connection that failed before it was accepted
				// (reset in the queue): keep serving.
				continue
			}
			peer, ok := s.admit(c)
			if !ok {
				s.refused.Add(1)
				c.Close()
				continue
			}
			if !s.track(c) {
				s.release(peer)
				c.Close()
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer s.release(peer)
				defer s.untrack(c)
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// ServePacket answers each datagram on pc with what reply returns for it,
// if anything.
func (s *Server) ServePacket(pc net.PacketConn, reply func([]byte) []byte) {
	if !s.track(pc) {
		pc.Close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.untrack(pc)
		read := bufferedReader(pc)
		if dr, ok := pc.(DatagramReader); ok {
			read = dr.ReadDatagram
		}
		for {
			b, from, err := read(maxDatagram)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			if out := reply(b); out != nil {
				pc.WriteTo(out, from)
			}
		}
	}()
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

// bufferedReader reads pc's datagrams into one buffer of maxDatagram
// bytes.
func bufferedReader(pc net.PacketConn) func(n int) ([]byte, net.Addr, error) {
	var buf []byte
	return func(n int) ([]byte, net.Addr, error) {
		if buf == nil {
			buf = make([]byte, maxDatagram)
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
	for _, c := range cs {
		c.Close()
	}
	s.wg.Wait()
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

// Kernel is the host's own network: services on it are reachable with nc
// and telnet, and are not traced.
type Kernel struct {
	Host string // the address to listen on, such as "127.0.0.1"
}

// Listen listens on TCP port.
func (k Kernel) Listen(port uint16) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort(k.Host, strconv.Itoa(int(port))))
}

// ListenPacket listens on UDP port.
func (k Kernel) ListenPacket(port uint16) (net.PacketConn, error) {
	return net.ListenPacket("udp", net.JoinHostPort(k.Host, strconv.Itoa(int(port))))
}
