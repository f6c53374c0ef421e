package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Blocked is a socket call that has not returned yet, and what it waits
// for, read from the state of the stack.
type Blocked struct {
	// Call is the call as it began (its socket, name, arguments and
	// start), with the socket's addresses as they are now.
	Call  Call        `json:"call"`
	State SocketState `json:"state"` // the socket's state now
	// Why says what the call waits for, in words: "accept() is waiting
	// for a client to connect to port 5000".
	Why string `json:"why"`
}

// InBacklog refines b, a recv waiting for data on a connection to the
// other host, from that host's socket table (server, as it concerns this
// host) and the times this host's connections were made (connected, by
// local address "10.0.1.1:40000"): when the other host has not accepted
// the connection yet, it waits in the listen queue of a server that
// serves one client at a time (name says which, "the iterative echo"),
// and the connections it serves, and those queued since before, are
// ahead of it. It reports whether it changed b.
func (b *Blocked) InBacklog(server []SocketInfo, connected map[string]time.Time, name string) bool {
	c := b.Call
	if c.Proto != "tcp" || (c.Name != "recv" && c.Name != "sendall") || !c.Peer.IsValid() || !c.Local.IsValid() {
		return false
	}
	mine := c.Local.String()
	var queued bool
	for _, r := range server {
		if r.Peer == mine && portOf(r.Local) == c.Peer.Port() {
			queued = r.Socket == 0
		}
	}
	if !queued {
		return false
	}
	ahead := 0
	for _, r := range server {
		if portOf(r.Local) != c.Peer.Port() || r.Peer == "" || r.Peer == mine {
			continue
		}
		switch {
		case r.Socket != 0 && slices.Contains([]SocketState{StateEstablished, StateCloseWait}, r.State):
			ahead++ // being served
		case r.Socket == 0:
			if t, ok := connected[r.Peer]; ok && t.Before(connected[mine]) {
				ahead++
			}
		}
	}
	if name == "" {
		name = fmt.Sprintf("the server on port %d", c.Peer.Port())
	}
	b.Why = fmt.Sprintf("%s() is waiting: your connection is in %s's backlog (its listen queue): it serves one client at a time, and %s ahead of you",
		c.Name, name, count(ahead, "connection is", "connections are"))
	return true
}

// count says n of a thing, "1 connection is", "3 connections are".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WhyBlocked says what a call waits for, from its socket's state and what
// its receive queue holds (recvQ bytes).
func WhyBlocked(c *Call, state SocketState, recvQ int) string {
	port := func(a netip.AddrPort) string {
		if !a.IsValid() {
			return "its port"
		}
		return fmt.Sprintf("port %d", a.Port())
	}
	switch c.Name {
	case "accept":
		return fmt.Sprintf("accept() is waiting for a client to connect to %s", port(c.Local))
	case "connect", "connect_ex":
		if state == StateSynSent {
			return fmt.Sprintf("%s() is waiting for the handshake: its SYN to %s has had no answer yet", c.Name, c.Peer)
		}
		return c.Name + "() is waiting for the handshake to complete"
	case "recv":
		if state == StateEstablished && recvQ == 0 {
			return "recv() is waiting: nothing has arrived on this connection"
		}
		return "recv() is waiting for data"
	case "recvfrom":
		return fmt.Sprintf("recvfrom() is waiting: no datagram has arrived on %s", port(c.Local))
	case "send", "sendall":
		return fmt.Sprintf("%s() is waiting for room: the peer has not acknowledged what was sent, and the send buffer is full", c.Name)
	}
	return c.Name + "() has not returned yet"
}
