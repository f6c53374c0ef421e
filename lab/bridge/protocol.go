// Package bridge is the wire protocol between a student's host and a lab
// server, and its client side.
//
// The protocol runs over one WebSocket at GET /bridge. The server speaks
// first, with a text message: a Hello giving the session and the student
// host's address. In a workshop (GET /bridge?workshop=CODE, with the
// student's cookie, which the server checks before the upgrade: 401 or 403
// with a plain reason without one) the Hello also names the workshop and
// the student, and the address is the student's own for the workshop's
// life; a second session of the same student takes the address over and
// the first is closed with CloseReplaced. From then on:
//
//   - a binary message, either way, is exactly one IPv4 packet: the
//     WebSocket is the host's network cable;
//   - a text message, either way, is one JSON object with a "type".
//
// From the server, an "event" message (EventMessage) carries one of the lab
// server's calls or socket states for this session's connections, or what
// the wire of the session's port did to one of its packets (kind "wire").
//
// From the client, a text message is a request, and the server answers
// each one, in the order they came:
//
//	{"type":"ping","id":1}     → {"type":"pong","id":1,"received":…,"sent":…}
//	{"type":"sockets","id":2}  → {"type":"sockets","id":2,"sockets":[…]}
//	{"type":"report","id":3,"exercise":"round-trip","step":1,"kind":"step"}
//	                           → {"type":"report","id":3,"record":{…,"confirmed":true}}
//	{"type":"progress","id":4} → {"type":"progress","id":4,"records":[…]}
//	{"type":"mirror","id":5,"events":[…]} → {"type":"mirror","id":5,"taken":3}
//	{"type":"wire","id":5,"verb":"loss","value":0.3,"dir":"in"}
//	                           → {"type":"wire","id":5,"result":{"state":{…},"moved":0}}
//
// A pong (PongMessage) carries the server's clock: when the ping was
// received and the pong sent, from which the client estimates the
// server clock's offset (see Client.Clock) and puts the server's events on
// its own timeline. "id" is the client's to choose, and optional (0, or absent, is none); an
// answer carries its request's back. A "sockets" answer (SocketsMessage)
// is the lab server's socket table as it concerns the session: its
// listening and unconnected sockets, and its connections with the
// session's host, each row a lab.SocketInfo as the student's own table
// has them.
//
// A "report" (ReportRequest) and a "progress" request are a workshop's:
// outside one the server answers them with an error. A report says the
// student completed a step of an exercise (kind "step") or answered its
// question right (kind "answer", with the answer); the server stores it
// as a lab.ProgressRecord and answers, once the store has it on disk,
// with the record as stored (ReportMessage). The record is confirmed when
// the server saw the step done itself: it judges the step's check, or
// the question, over what crossed the session's bridge (the student's
// packets) and the lab server's events for the student, and a step that
// needs the student's own calls stays unconfirmed however often it is
// reported. A session may make at most MaxReports reports. A "progress"
// request is answered with every record the student has
// (ProgressMessage), whichever session or browser reported it.
//
// A "hand" request (HandRequest) is a workshop's too: the student asks
// the instructor for help ("raise", with an optional one-line message of
// at most MaxHandMessage characters), takes the request back ("lower"),
// or asks where it stands ("status"). The answer (HandMessage) says:
// "none", "waiting" or "coming" (the instructor marked it "on my way").
// Only the instructor's dashboard and the student who asked see a hand.
//
// Look-in and spotlight are a workshop's too. While the instructor looks
// at a student's lab, or shows it to the class, the server tells the
// student's client so, {"type":"watch","look":true,"spotlight":false}
// (WatchMessage; again with both false when it ends), and the client
// mirrors its trace: "mirror" requests (MirrorRequest) of at most
// MaxMirrorBatch events each, first the trace so far (its last
// MaxMirrorKept events), then each new event as it comes, one request
// answered before the next is sent. The server refuses a mirror nobody
// asked for. While a student's trace is spotlit, every other student's
// client gets it in "spotlight" messages (SpotlightMessage), named "a
// classmate" unless the instructor chose to show the name, and one with
// "on" false when the spotlight ends; one with "skipped" says how many
// of its events the server dropped, its queue for the client being full.
// After each hello in a workshop the server sends the watch message (both
// false for nobody) and the spotlight on a classmate, or its end.
// A "wire" request (WireRequest) controls the wire of the session's own
// port (in a workshop too: the student's host's, never another's): a
// lab.WireCommand, its verb and arguments checked by lab.WireCommand.Check
// (probabilities 0 to 1, delays up to lab.MaxWireDelay, a rate of 0 or
// lab.MinWireRate to lab.MaxWireRate). The answer (WireMessage) is what it
// did and the wire's state after it. A step never waits on the server: it
// releases a packet already held, or none. While a workshop's instructor
// has set the wire for the whole room, a change of the impairments or the
// seed is refused (lab.ErrRoomWire); pause, step, release and drop are not. What the wire does to packets
// comes as events of kind "wire" on the session's trace.
//
// In a workshop the server also speaks unasked: a "workshop" message
// (WorkshopMessage) right after the hello and whenever it changes, with
// the workshop's state as it concerns the student's page: how many of its
// exercises are open (the rest are locked: their pages are refused, and
// reports of them too), the instructor's last message to the class, the
// student's hand, and the wire the instructor set for the whole room. Each one is the whole state, never a change. A
// session of a student the instructor deleted is closed with
// CloseRemoved, and every session of a workshop the instructor deleted
// with CloseEnded, after which the client does not reconnect.
//
// A text message the server cannot take (not JSON, no "type", a type it
// does not know, or a known one whose fields do not decode) is counted
// and answered with an ErrorMessage, {"type":"error","id":…,"message":…},
// whose message says in plain words what was wrong, in at most
// MaxErrorMessage bytes. A new request is a Type constant and its message
// types here, and a handler in the server's table.
//
// A binary message larger than the MTU closes the session with 1009; a
// text message larger than MaxText, too.
//
// When the server ends a session it says why twice: a last text message,
// {"type":"bye","code":1008,"reason":"…"} (ByeMessage), then the close
// frame with the same code and reason. A browser's WebSocket API keeps a
// close frame's code from the program reading it, so the bye is what a
// client in a tab learns it from.
package bridge

import (
	"encoding/json"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// Version is the protocol version a Hello carries.
const Version = 1

// MaxText bounds a text message, either way.
const MaxText = 64 << 10

// Message types: from the server, hello and event; the client's requests,
// with the type of their answers; and the server's answer to a text
// message it cannot take.
const (
	TypeHello   = "hello"
	TypeEvent   = "event"
	TypePing    = "ping"    // answered with a pong
	TypePong    = "pong"    // a PongMessage
	TypeSockets = "sockets" // answered with a SocketsMessage of the same type
	TypeError   = "error"   // an ErrorMessage
	TypeBye     = "bye"     // a ByeMessage: the server's last message
	// TypeReport is answered with a ReportMessage of the same type.
	TypeReport = "report"
	// TypeProgress is answered with a ProgressMessage of the same type.
	TypeProgress = "progress"
	// TypeHand is answered with a HandMessage of the same type.
	TypeHand = "hand"
	// TypeWatch is a WatchMessage, from the server unasked.
	TypeWatch = "watch"
	// TypeMirror is a MirrorRequest, answered with a MirrorMessage.
	TypeMirror = "mirror"
	// TypeSpotlight is a SpotlightMessage, from the server unasked.
	TypeSpotlight = "spotlight"
	// TypeWire is answered with a WireMessage of the same type.
	TypeWire = "wire"
	// TypeWorkshop is the server's own message to a workshop's session
	// (WorkshopMessage): never an answer.
	TypeWorkshop = "workshop"
)

// ByeMessage is the server's last message on a session it ends: the close
// code and reason its close frame carries next.
type ByeMessage struct {
	Type   string `json:"type"` // TypeBye
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// MaxReports bounds the reports one session makes: a worksheet of ten
// exercises makes about 120 records, and each report is a write to the
// store. More are refused with an error message.
const MaxReports = 500

// MaxErrorMessage bounds an ErrorMessage's message, in bytes: a client's
// bad type is quoted in it, cut short.
const MaxErrorMessage = 160

// WebSocket close codes the bridge uses, with RFC 6455's meanings.
const (
	CloseNormal      = 1000 // the session ended
	CloseGoingAway   = 1001 // the server is shutting down, or the session was idle
	CloseProtocol    = 1002 // the peer broke the protocol
	ClosePolicy      = 1008 // the session went over a bound (rate, connections)
	CloseTooBig      = 1009 // a message over the MTU or MaxText
	CloseTryAgain    = 1013 // the server is full
	CloseInternalErr = 1011
	// CloseReplaced: the workshop's student opened the lab in another tab
	// or browser, whose session took the student's address over. A
	// client does not reconnect after it (the two would take it from
	// each other for ever).
	CloseReplaced = 4001
	// CloseRemoved: the instructor deleted the student from the
	// workshop. The client does not reconnect.
	CloseRemoved = 4002
	// CloseEnded: the instructor deleted (ended) the workshop. The client
	// does not reconnect.
	CloseEnded = 4003
)

// Hello is the server's first message.
type Hello struct {
	Type     string     `json:"type"` // TypeHello
	Version  int        `json:"version"`
	Session  string     `json:"session"`
	Host     HostConfig `json:"host"`
	Services []Service  `json:"services"`
	// Workshop is the workshop the session's host is in, and who the
	// student is; absent outside a workshop (GET /bridge without
	// ?workshop=CODE).
	Workshop *WorkshopHello `json:"workshop,omitempty"`
}

// WorkshopHello says which workshop and student a session is: the
// session's host is the student's, at the address kept for them for the
// workshop's life, on the workshop's one lab network.
type WorkshopHello struct {
	Code      string   `json:"code"` // "ABCD-EFGH", as lab.FormatCode shows it
	Title     string   `json:"title"`
	Exercises []string `json:"exercises"` // the exercises' IDs, in order
	Student   Student  `json:"student"`
}

// Student is a workshop's student, as a Hello names them.
type Student struct {
	ID   int64  `json:"id"`
	Name string `json:"name"` // as the student typed it: escape it to show it
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

// Envelope is what every text message has: its type; and what requests
// and their answers have, an id, 0 for none. A ping and a sockets request
// are an Envelope.
type Envelope struct {
	Type string `json:"type"`
	ID   uint64 `json:"id,omitempty"`
}

// PongMessage answers a ping: an Envelope, with the server's times (on
// its clock) for the client's clock estimate (NTP's t2 and t3). A server
// before them sent none: the zero times.
type PongMessage struct {
	Type     string    `json:"type"` // TypePong
	ID       uint64    `json:"id,omitempty"`
	Received time.Time `json:"received,omitzero"` // when the server read the ping
	Sent     time.Time `json:"sent,omitzero"`     // when the server answered it
}

// SocketsMessage answers a sockets request: the lab server's socket table
// as it concerns the session (see the package's doc). Sockets is never
// null.
type SocketsMessage struct {
	Type    string           `json:"type"` // TypeSockets
	ID      uint64           `json:"id,omitempty"`
	Sockets []lab.SocketInfo `json:"sockets"`
}

// ErrorMessage answers a text message the server could not take.
type ErrorMessage struct {
	Type    string `json:"type"`         // TypeError
	ID      uint64 `json:"id,omitempty"` // the request's, if it had one
	Message string `json:"message"`      // what was wrong, in plain words; at most MaxErrorMessage bytes
}

// ReportRequest is a workshop student's report of progress: a step of an
// exercise done, or its question answered (see the package's doc).
type ReportRequest struct {
	Type     string           `json:"type"` // TypeReport
	ID       uint64           `json:"id,omitempty"`
	Exercise string           `json:"exercise"`
	Step     int              `json:"step"` // from 0
	Kind     lab.ProgressKind `json:"kind"`
	Answer   string           `json:"answer,omitempty"` // for lab.ProgressAnswer
}

// ReportMessage answers a report with the record as the store keeps it.
type ReportMessage struct {
	Type   string             `json:"type"` // TypeReport
	ID     uint64             `json:"id,omitempty"`
	Record lab.ProgressRecord `json:"record"`
}

// ProgressMessage answers a progress request: the student's records, in
// the order first recorded. Records is never null.
type ProgressMessage struct {
	Type    string               `json:"type"` // TypeProgress
	ID      uint64               `json:"id,omitempty"`
	Records []lab.ProgressRecord `json:"records"`
}

// MaxHandMessage bounds a hand's message, in characters (runes).
const MaxHandMessage = 100

// The actions of a hand request.
const (
	HandRaise  = "raise"
	HandLower  = "lower"
	HandStatus = "status"
)

// The states of a student's hand, as a HandMessage says them.
const (
	HandNone    = "none"
	HandWaiting = "waiting"
	HandComing  = "coming" // the instructor is on their way
)

// MaxWorkshopMessage bounds the instructor's message to the class, in
// characters (runes).
const MaxWorkshopMessage = 200

// WorkshopMessage is a workshop's state as it concerns a student's page,
// sent by the server after the hello and whenever it changes.
type WorkshopMessage struct {
	Type string `json:"type"` // TypeWorkshop
	// LockedAfter is how many of the workshop's exercises are open, in
	// order; the rest are locked. 0 locks none.
	LockedAfter int `json:"locked_after"`
	// Message is the instructor's last message to the class, "" for none
	// (one line, at most MaxWorkshopMessage characters: escape it to show
	// it); MessageID changes with each message sent, so that a page can
	// show a new one after the student dismissed the last.
	Message   string `json:"message"`
	MessageID int64  `json:"message_id"`
	// Hand is the student's hand: HandNone, HandWaiting or HandComing.
	Hand string `json:"hand"`
	// Wire is the wire the instructor set for the whole room, absent if
	// none: while it is set, the student's wire requests that change its
	// impairments or seed are refused (lab.ErrRoomWire).
	Wire *lab.RoomWire `json:"wire,omitempty"`
}

// HandRequest asks the instructor for help, takes it back, or asks where
// it stands (see the package's doc).
type HandRequest struct {
	Type    string `json:"type"` // TypeHand
	ID      uint64 `json:"id,omitempty"`
	Action  string `json:"action"`            // HandRaise, HandLower or HandStatus
	Message string `json:"message,omitempty"` // for HandRaise: at most MaxHandMessage characters
}

// HandMessage answers a hand request with the student's hand's state.
type HandMessage struct {
	Type  string `json:"type"` // TypeHand
	ID    uint64 `json:"id,omitempty"`
	State string `json:"state"` // HandNone, HandWaiting or HandComing
}

// MaxMirrorBatch bounds the events of one mirror request, and of one
// spotlight message.
const MaxMirrorBatch = 64

// MaxMirrorKept bounds the events a mirror starts with (the trace so far)
// and those the server keeps of a student's mirrored trace.
const MaxMirrorKept = 500

// MaxMirrorEvent bounds one mirrored event, encoded as JSON, in bytes: a
// packet of the MTU with its decoded headers takes about 6 KB.
const MaxMirrorEvent = 16 << 10

// MaxMirrorFootprint bounds one mirrored event once decoded, in bytes of
// memory (EventFootprint): twice MaxMirrorEvent. An event of the MTU's
// packet takes about 3 KB; 16 KB of empty objects in a list, 260 KB.
const MaxMirrorFootprint = 2 * MaxMirrorEvent

// WatchMessage tells a workshop student's client who sees its trace: the
// instructor's look-in, the class (a spotlight), or, both false, nobody.
// While either is true the client mirrors its trace.
type WatchMessage struct {
	Type      string `json:"type"` // TypeWatch
	Look      bool   `json:"look"`
	Spotlight bool   `json:"spotlight"`
}

// MirrorRequest carries events of the student's trace, each a lab.Event
// as JSON of at most MaxMirrorEvent bytes, at most MaxMirrorBatch of
// them, in the trace's order.
type MirrorRequest struct {
	Type   string            `json:"type"` // TypeMirror
	ID     uint64            `json:"id,omitempty"`
	Events []json.RawMessage `json:"events"`
}

// MirrorMessage answers a mirror request: how many events the server took.
type MirrorMessage struct {
	Type  string `json:"type"` // TypeMirror
	ID    uint64 `json:"id,omitempty"`
	Taken int    `json:"taken"`
}

// SpotlightMessage carries the trace of the classmate the instructor
// shows the class: on its start (Start: forget the last one's), the
// events kept so far, then new ones as they come; On false ends it.
type SpotlightMessage struct {
	Type  string `json:"type"` // TypeSpotlight
	On    bool   `json:"on"`
	Start bool   `json:"start,omitempty"`
	Name  string `json:"name,omitempty"` // "a classmate", or their name if the instructor chose to show it
	// Address is the spotlit student's host, on a start: whose the
	// trace's lifeline is (the class shares one network, so it names
	// nobody).
	Address string      `json:"address,omitempty"`
	Events  []lab.Event `json:"events,omitempty"`
	// Skipped, if not 0, is how many of the spotlight's events were
	// dropped before this message, the client's queue being full: the
	// page says some were.
	Skipped int `json:"skipped,omitempty"`
}

// WireRequest asks the server to do a command to the wire of the
// session's port (see the package's doc).
type WireRequest struct {
	Type string `json:"type"` // TypeWire
	ID   uint64 `json:"id,omitempty"`
	lab.WireCommand
}

// WireMessage answers a wire request with what it did.
type WireMessage struct {
	Type   string         `json:"type"` // TypeWire
	ID     uint64         `json:"id,omitempty"`
	Result lab.WireResult `json:"result"`
}
