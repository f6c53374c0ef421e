package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
)

// readLoop reads the client's messages: each binary message is a packet
// for the switch, each text message a JSON request. Once the session has
// ended, it goes on reading, and discarding, until the client answers the
// close frame, the handshake runs out of time, or the client has sent
// maxAfterEnd messages more (errAfterEnd); it returns what stopped it. It
// runs on the /bridge handler's goroutine, the connection's only reader.
func (s *session) readLoop() error {
	for {
		typ, r, err := s.conn.NextReader()
		if err != nil {
			s.readFailed(err)
			return err
		}
		if s.isDone() {
			if err := s.afterEnd(); err != nil {
				return err
			}
			continue // NextReader skips what is left of the message
		}
		s.lastRead.Store(time.Now().UnixNano())
		switch typ {
		case websocket.BinaryMessage:
			if err := s.readPacket(r); err != nil {
				s.readFailed(err)
				return err
			}
		case websocket.TextMessage:
			b, err := io.ReadAll(io.LimitReader(r, bridge.MaxText+1))
			if err != nil {
				s.readFailed(err)
				return err
			}
			if len(b) > bridge.MaxText {
				s.tooBig(fmt.Sprintf("a text message is at most %d bytes", bridge.MaxText))
				continue
			}
			if s.allow() {
				s.text(b)
			}
		}
	}
}

// readPacket reads a binary message, a packet, and puts it on the switch.
// The packet is read into a pooled buffer, so that an idle session holds
// none.
func (s *session) readPacket(r io.Reader) error {
	bp := packetPool.Get().(*[]byte)
	defer packetPool.Put(bp)
	buf := (*bp)[:MTU]
	n, err := io.ReadFull(r, buf)
	if err == nil {
		// As long as the MTU: a byte more makes it too long.
		var more [1]byte
		_, err = io.ReadFull(r, more[:])
		if err == nil {
			s.tooBig(fmt.Sprintf("a binary message is one IPv4 packet of at most the MTU, %d bytes", MTU))
			return nil
		}
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	s.c.packetsIn.Add(1)
	s.c.bytesIn.Add(uint64(n))
	if s.allow() {
		s.packet(buf[:n])
		s.checkBudget()
	}
	return nil
}

// checkBudget ends the session, every budgetEvery packets, if the lab
// server's connections with its host and its send queue hold more than
// MemoryBudget bytes. The queue keeps the connections' figure, and
// refuses what would take it over the budget.
func (s *session) checkBudget() {
	if s.unchecked++; s.unchecked < budgetEvery {
		return
	}
	s.unchecked = 0
	tcp := s.room.Buffered(s.port.Addr())
	s.out.setBuffered(tcp)
	if held := tcp + s.out.held(); held > MemoryBudget {
		s.log.Warn("bridge: closing a session over its memory budget", "held", held, "budget", MemoryBudget)
		s.end(bridge.ClosePolicy, memoryReason)
	}
}

// maxAfterEnd bounds the messages, pings included, that an ended session
// reads and throws away while it waits for the client to answer its
// close frame: a client that answers sends a few in the meantime, one
// that floods is cut off.
const maxAfterEnd = 256

// errAfterEnd stops the reader of a client that went on sending after
// the session ended; what it sends then is thrown away unread, for
// closeGrace at most (session.linger), so that the close frame is not
// reset away.
var errAfterEnd = errors.New("read: the client went on sending after the session ended")

// afterEnd counts a message read after the session ended: errAfterEnd
// past maxAfterEnd.
func (s *session) afterEnd() error {
	if s.afterEnded++; s.afterEnded > maxAfterEnd {
		return errAfterEnd
	}
	return nil
}

// readFailed ends the session for what stopped the reader, if it has not
// ended already.
func (s *session) readFailed(err error) {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure:
		// Not a close frame: the library's word for a lost connection, as
		// a closed laptop or a killed tab leaves; not the server's error.
		s.end(closeLost, "read: connection lost")
	case errors.As(err, &ce):
		// The client closed, or answered our close frame; the library
		// has answered the client's.
		s.mu.Lock()
		s.peerClosed = true
		s.mu.Unlock()
		s.end(ce.Code, "client closed: "+ce.Text)
	case s.isDone():
		// The close handshake ran out of time, or the connection was cut.
	case errors.Is(err, websocket.ErrReadLimit):
		// The library has sent close 1009.
		s.tooBig(fmt.Sprintf("a message is at most %d bytes", readLimit))
	case isProtocolError(err):
		// The library has sent close 1002 with the same words.
		s.log.Warn("bridge: protocol error", "err", err)
		s.end(websocket.CloseProtocolError, strings.TrimPrefix(err.Error(), "websocket: "))
	default:
		// The connection broke (reset): the client's or the network's doing.
		s.end(closeLost, "read: "+err.Error())
	}
}

// isProtocolError reports whether err is gorilla's for a frame that breaks
// RFC 6455 (a bad opcode, an unmasked frame, a bad close code…), after
// which it has sent the client close 1002: a plain error of its own,
// unlike a connection's.
func isProtocolError(err error) bool {
	var ne net.Error
	return !errors.As(err, &ne) && strings.HasPrefix(err.Error(), "websocket: ")
}

// tooBig ends the session for a message over its bound.
func (s *session) tooBig(reason string) {
	s.c.tooBig.Add(1)
	s.log.Warn("bridge: message too big", "reason", reason)
	s.end(bridge.CloseTooBig, reason)
}

// allow takes one of the session's message tokens. A client over the rate
// has its messages dropped and counted; one that stays over it for
// RateDropLimit messages, without resting, is closed.
func (s *session) allow() bool {
	ok, rested := s.bucket.take(s.srv.now())
	if rested {
		s.rateStreak = 0
	}
	if ok {
		return true
	}
	s.c.rate.Add(1)
	s.rateStreak++
	s.warn(warnRate, "bridge: client over its packet rate", "rate", s.srv.cfg.PacketRate, "burst", s.srv.cfg.PacketBurst)
	if s.rateStreak == s.srv.cfg.RateDropLimit {
		s.log.Warn("bridge: closing a client that stays over its packet rate", "dropped", s.rateStreak)
		s.end(bridge.ClosePolicy, "packet rate")
	}
	return false
}

// packet puts a packet from the client on the switch, which drops and
// counts it if its source is not the session's address.
func (s *session) packet(pkt []byte) {
	if !isIPv4(pkt) {
		s.c.malformed.Add(1)
		s.warn(warnMalformed, "bridge: client sent a binary message that is not an IPv4 packet", "bytes", len(pkt))
		return
	}
	if s.workshop != nil && netip.AddrFrom4([4]byte(pkt[12:16])) == s.workshop.student.Addr {
		// Before it is sent: what the lab server does about it comes after.
		s.workshop.seen.packet(true, pkt)
	}
	spoofed := s.port.Spoofed()
	s.port.SendNow(pkt)
	if s.port.Spoofed() != spoofed {
		s.c.spoofed.Add(1)
		s.warn(warnSpoofed, "bridge: client sent a packet from an address not its own", "source", fmt.Sprintf("%d.%d.%d.%d", pkt[12], pkt[13], pkt[14], pkt[15]))
	}
}

// isIPv4 reports whether pkt holds an IPv4 header whose lengths fit pkt.
// The stack behind the switch checks the rest.
func isIPv4(pkt []byte) bool {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return false
	}
	hlen := int(pkt[0]&0x0f) * 4
	total := int(pkt[2])<<8 | int(pkt[3])
	return hlen >= 20 && hlen <= total && total <= len(pkt)
}

// ping answers a WebSocket ping, within the session's message rate. A
// pong that cannot be written is let go: the writer finds out about a
// broken connection. Once the session has ended, a ping is not answered,
// and counts as a message read after the end (afterEnd).
func (s *session) ping(data string) error {
	if s.isDone() {
		return s.afterEnd()
	}
	if s.allow() {
		s.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(closeGrace))
	}
	return nil
}
