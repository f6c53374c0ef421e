package services

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// dialTimeout bounds how long a service waits for a connection it makes
// back to its caller.
const dialTimeout = 5 * time.Second

// maxCallbacks bounds the calls one call-me connection may ask for.
const maxCallbacks = 4

// dialBack connects from n to port of c's peer, and to nothing else: a
// service never connects to an address its caller did not connect from.
func (s *Server) dialBack(n Network, c net.Conn, port uint16) (net.Conn, error) {
	peer, ok := peerAddr(c)
	if !ok {
		return nil, fmt.Errorf("dial back: no peer address")
	}
	ctx, cancel := context.WithTimeout(s.stop, dialTimeout)
	defer cancel()
	return n.Dial(ctx, netip.AddrPortFrom(peer, port))
}

// callMe reads port numbers, one per line, and for each connects to that
// port of the caller's host, says hello, and closes: the caller plays the
// server, listening and accepting.
func (s *Server) callMe(n Network) func(net.Conn) {
	return func(c net.Conn) {
		r := bufio.NewReaderSize(c, maxLine)
		for calls := 0; ; {
			line, err := readLine(r)
			if err != nil {
				return
			}
			port, err := strconv.ParseUint(line, 10, 16)
			if err != nil || port == 0 {
				fmt.Fprintf(c, "send a port number (1-65535) and a newline, such as 5000\n")
				continue
			}
			if calls++; calls > maxCallbacks {
				fmt.Fprintf(c, "that is %d calls: enough for one connection\n", maxCallbacks)
				return
			}
			fmt.Fprintf(c, "calling you back on port %d\n", port)
			back, err := s.dialBack(n, c, uint16(port))
			if err != nil {
				fmt.Fprintf(c, "could not connect to your port %d: %v\n", port, err)
				continue
			}
			if s.track(back) {
				fmt.Fprintf(back, "hello from %v, call %d: you called, so I connected to you\n", n.Addr(), calls)
				s.untrack(back)
			}
			back.Close()
			fmt.Fprintf(c, "said hello on your port %d\n", port)
		}
	}
}

// peer is a service that is client and server at once: to every
// connection it accepts it says hello and connects back to the caller's
// port (the port every peer listens on), saying hello there too; on both
// connections it then sends back what it receives.
func (s *Server) peer(n Network, port uint16) func(net.Conn) {
	return func(c net.Conn) {
		fmt.Fprintf(c, "hello, I am the peer at %v: I will connect to your port %d too\n", n.Addr(), port)
		back, err := s.dialBack(n, c, port)
		switch {
		case err != nil:
			fmt.Fprintf(c, "could not connect to your port %d: %v; listen there and connect again\n", port, err)
		case !s.track(back):
			back.Close()
			return
		default:
			s.goConn(back, netip.Addr{}, func(back net.Conn) {
				fmt.Fprintf(back, "hello from the peer at %v: this time I connected to you\n", n.Addr())
				Echo(back)
			})
		}
		Echo(c)
	}
}
