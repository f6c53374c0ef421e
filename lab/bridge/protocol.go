// Package bridge is the wire protocol between a student's host and a lab
// server, and its client side.
//
// The protocol runs over one WebSocket at GET /bridge. The server speaks
// first, with a text message: a Hello giving the session and the student
// host's address. From then on:
//
//   - a binary message, either way, is exactly one IPv4 packet: the
//     WebSocket is the host's network cable;
//   - a text message, either way, is one JSON object with a "type": from
//     the server, "event" messages carry the lab server's calls and socket
//     states for this session's connections.
//
// A binary message larger than the MTU closes the session with 1009.
package bridge

import "github.com/socketlab/socketlab/lab"

// Version is the protocol version a Hello carries.
const Version = 1

// MaxText bounds a text message, either way.
const MaxText = 64 << 10

// Message types.
const (
	TypeHello = "hello"
	TypeEvent = "event"
)

// WebSocket close codes the bridge uses, with RFC 6455's meanings.
const (
	CloseNormal      = 1000 // the session ended
	CloseGoingAway   = 1001 // the server is shutting down, or the session was idle
	CloseProtocol    = 1002 // the peer broke the protocol
	ClosePolicy      = 1008 // the session went over a bound (rate, connections)
	CloseTooBig      = 1009 // a message over the MTU or MaxText
	CloseTryAgain    = 1013 // the server is full
	CloseInternalErr = 1011
)

// Hello is the server's first message.
type Hello struct {
	Type     string     `json:"type"` // TypeHello
	Version  int        `json:"version"`
	Session  string     `json:"session"`
	Host     HostConfig `json:"host"`
	Services []Service  `json:"services"`
}

// Service is a service the lab server runs, as a Hello lists it. It is
// services.Spec on the wire; the bridge keeps a type of its own so that
// the browser's build does not link the services' code.
type Service struct {
	Name        string `json:"name"`
	Proto       string `json:"proto"` // "tcp" or "udp"
	Port        uint16 `json:"port"`
	Description string `json:"description"`
}

// HostConfig is how the student's host is set up on the lab network.
type HostConfig struct {
	Address string `json:"address"` // "10.0.1.1"
	Prefix  int    `json:"prefix"`  // 16
	Gateway string `json:"gateway"` // the lab server, "10.0.0.1"
	MTU     int    `json:"mtu"`     // 1500
}

// EventMessage carries one event of the lab server's.
type EventMessage struct {
	Type  string    `json:"type"` // TypeEvent
	Event lab.Event `json:"event"`
}

// Envelope is what every text message has: its type.
type Envelope struct {
	Type string `json:"type"`
}
