package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// A request handler answers one type of a client's text messages (see
// lab/bridge's package doc). It gets the message's envelope and the whole
// message, to decode any fields of the request's own from, and returns
// the answer; an error, which says in plain words what is wrong with the
// request, is sent to the client as an error message instead.
type requestHandler func(s *session, req bridge.Envelope, msg []byte) ([]byte, error)

// requests are the text messages a client may send, by type.
var requests = map[string]requestHandler{
	bridge.TypePing:     (*session).answerPing,
	bridge.TypeSockets:  (*session).answerSockets,
	bridge.TypeReport:   (*session).answerReport,
	bridge.TypeProgress: (*session).answerProgress,
	bridge.TypeHand:     (*session).answerHand,
	bridge.TypeMirror:   (*session).answerMirror,
	bridge.TypeWire:     (*session).answerWire,
}

// answerPing answers a ping with a pong that carries the server's clock,
// for the client's estimate of its offset. The ping was read just now;
// the pong waits in the queue after it is stamped, which only makes the
// round trip the client sees longer, and its estimate less sure, not
// wrong.
func (s *session) answerPing(req bridge.Envelope, _ []byte) ([]byte, error) {
	now := time.Now()
	return marshal(bridge.PongMessage{Type: bridge.TypePong, ID: req.ID, Received: now, Sent: time.Now()}), nil
}

// answerSockets answers with the lab server's socket table as it concerns
// the session's host.
func (s *session) answerSockets(req bridge.Envelope, _ []byte) ([]byte, error) {
	rows := s.port.ServerSockets()
	if rows == nil {
		rows = []lab.SocketInfo{}
	}
	return marshal(bridge.SocketsMessage{Type: bridge.TypeSockets, ID: req.ID, Sockets: rows}), nil
}

// answerWire does a command to the wire of the session's own port, and
// answers with what it did. A step does not wait for a packet (it would
// hold up the session's reader, which brings the packets): it releases
// one already held, or none.
func (s *session) answerWire(req bridge.Envelope, msg []byte) ([]byte, error) {
	var r bridge.WireRequest
	if err := json.Unmarshal(msg, &r); err != nil {
		return nil, decodeError(err)
	}
	now, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := s.port.Wire().Do(now, r.WireCommand)
	if err != nil {
		return nil, err
	}
	return marshal(bridge.WireMessage{Type: bridge.TypeWire, ID: req.ID, Result: res}), nil
}

// text answers a text message from the client: a request, dispatched by
// its type. One that is not a request the server knows, or that does not
// decode, is counted and answered with an error message.
func (s *session) text(b []byte) {
	var req bridge.Envelope
	err := json.Unmarshal(b, &req)
	handle, known := requests[req.Type]
	switch {
	case known && err == nil:
		var answer []byte
		if answer, err = handle(s, req, b); err == nil {
			s.c.textIn.Add(1)
			s.answer(answer)
			return
		}
		if rf := refusal(""); errors.As(err, &rf) {
			s.answer(marshal(bridge.ErrorMessage{Type: bridge.TypeError, ID: req.ID, Message: string(rf)}))
			return
		}
	case known:
		err = decodeError(err)
	case err == nil:
		err = fmt.Errorf("unknown request type %s", quoteType(req.Type))
	default:
		err = errors.New(`not a request: a text message is a JSON object with a "type" string`)
	}
	if known {
		err = fmt.Errorf("bad %s request: %w", quoteType(req.Type), err)
	}
	s.c.badText.Add(1)
	s.warn(warnText, "bridge: client sent a text message that is not a request", "bytes", len(b), "type", quoteType(req.Type), "err", err)
	msg := err.Error()
	if len(msg) > bridge.MaxErrorMessage {
		// A rune cut in two is dropped.
		msg = strings.ToValidUTF8(msg[:bridge.MaxErrorMessage], "")
	}
	s.answer(marshal(bridge.ErrorMessage{Type: bridge.TypeError, ID: req.ID, Message: msg}))
}

// refusal is a request's error when the request is good but a bound
// refuses it: its words, under bridge.MaxErrorMessage, go to the client
// as they are, and it is no bad message.
type refusal string

func (r refusal) Error() string { return string(r) }

// answer queues an answer to a request. Answers go through the session's
// send queue, within its bounds: one that finds the queue full is dropped
// and counted.
func (s *session) answer(msg []byte) {
	s.push(answered, msg)
}

// push queues a text message of class c for the client (see pushed); it
// reports false, and counts, if the queue refused it.
func (s *session) push(c pushed, msg []byte) bool {
	if !s.out.push(outMsg{text: msg, class: c}) {
		s.c.queueFull.Add(1)
		return false
	}
	return true
}

// maxQuotedType bounds how much of a client's request type an error
// message quotes.
const maxQuotedType = 24

// quoteType quotes a request type from a client, in ASCII, cut to
// maxQuotedType bytes.
func quoteType(t string) string {
	if len(t) > maxQuotedType {
		return strconv.QuoteToASCII(t[:maxQuotedType]) + "..."
	}
	return strconv.QuoteToASCII(t)
}

// decodeError says in plain words why a request of a known type does not
// decode: one of its fields has the wrong type (the JSON itself is good,
// or its type would not be known).
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("its %q is a JSON %s, not a %s", te.Field, te.Value, te.Type)
	}
	return errors.New("it does not decode")
}
