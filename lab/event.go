// Package lab holds socketlab's domain: the events a lab network produces
// (socket calls, packets, socket state changes), decoded packets as data,
// socket states, errno values, and the trace that records them in order.
//
// It imports no TCP/IP stack, no HTTP and no syscall/js: the adapters in
// its subpackages do that and speak in these types.
package lab

import (
	"net/netip"
	"time"
)

// Kind names what an Event describes.
type Kind string

// The kinds of event.
const (
	KindCall    Kind = "call"    // a socket call returned
	KindPacket  Kind = "packet"  // a packet crossed a host's link
	KindState   Kind = "state"   // a socket changed protocol state
	KindSession Kind = "session" // something happened to the session itself
	KindWire    Kind = "wire"    // the wire held, dropped, delayed, duplicated or reordered a packet
)

// Event is one thing that happened in a lab network. Exactly one of Call,
// Packet, State, Session and Wire is set, as Kind says.
type Event struct {
	Seq uint64 `json:"seq"` // order of recording within a trace, from 1
	// Before is where the trace placed the event when it was recorded:
	// before the event of this Seq; 0 at the end. An event of another
	// host's may be placed before events recorded earlier (see Trace).
	Before uint64 `json:"before,omitempty"`
	// Time is when it happened, on the trace's host's clock (see Trace);
	// a call's is where the trace placed it, within its span (Call.Start
	// to Call.End).
	Time    time.Time     `json:"time"`
	Host    string        `json:"host"` // the address of the host it happened on
	Kind    Kind          `json:"kind"`
	Call    *Call         `json:"call,omitempty"`
	Packet  *Packet       `json:"packet,omitempty"`
	State   *StateChange  `json:"state,omitempty"`
	Session *SessionEvent `json:"session,omitempty"`
	Wire    *WireEvent    `json:"wire,omitempty"`
}

// Call is one socket call, from its start to its return.
type Call struct {
	Socket int      `json:"socket"`          // the socket's id on its host (its file descriptor)
	Proto  string   `json:"proto"`           // "tcp" or "udp"
	Name   string   `json:"name"`            // "connect", "recv", …
	Args   []string `json:"args"`            // each argument as Python would print it
	Result string   `json:"result"`          // the return value as Python would print it; "" when it raised
	Error  string   `json:"error,omitempty"` // e.g. "ConnectionRefusedError: [Errno 111] Connection refused"
	Errno  Errno    `json:"errno,omitempty"` // the errno behind Error, 0 for none
	// Exception is the class of the exception the call raised,
	// "ConnectionRefusedError", "TimeoutError"; "" when it returned.
	Exception string         `json:"exception,omitempty"`
	Local     netip.AddrPort `json:"local,omitzero"`  // the socket's address when the call returned, "10.0.0.2:49152"
	Peer      netip.AddrPort `json:"peer,omitzero"`   // the peer's address when known
	Bytes     int            `json:"bytes,omitempty"` // bytes sent or received
	NewFD     int            `json:"new_socket,omitempty"`
	Start     time.Time      `json:"start"`
	End       time.Time      `json:"end"`
}

// Failed reports whether the call raised an error.
func (c *Call) Failed() bool { return c.Error != "" }

// StateChange is a socket moving from one protocol state to another, as read
// from the stack.
type StateChange struct {
	Socket int            `json:"socket"` // the socket's id, 0 for one no call created (a connection in the accept queue)
	Proto  string         `json:"proto"`
	Local  netip.AddrPort `json:"local"` // "" when the socket has none
	Peer   netip.AddrPort `json:"peer,omitzero"`
	From   SocketState    `json:"from"`
	To     SocketState    `json:"to"`
}

// SessionEvent tells the student something about their session, such as a
// reconnection that started a fresh one. Message says it in words; the
// other fields say it as data, each where it applies.
type SessionEvent struct {
	What      string `json:"what"` // "hello", "connecting", "connected", "lost", "reconnecting", "reconnected", "closed"
	Message   string `json:"message"`
	Address   string `json:"address,omitempty"`    // the student's host (hello, connected, reconnected)
	Server    string `json:"server,omitempty"`     // the lab server's address (hello)
	Session   string `json:"session,omitempty"`    // the session's id (hello)
	Reason    string `json:"reason,omitempty"`     // why the session ended or could not start (closed, reconnecting, lost)
	CloseCode int    `json:"close_code,omitempty"` // the WebSocket close code it ended with, when it was closed with one
}

// Direction says whether a packet left or entered the host that saw it.
type Direction string

// The directions of a packet relative to the host that recorded it.
const (
	Out Direction = "out"
	In  Direction = "in"
)
