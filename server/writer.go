package server

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// deliver is the session's port's packet sink: the switch calls it with
// each packet for the session's host, on the lab network's goroutines. It
// copies the packet and queues it for the writer; a full queue drops it
// and counts it, as a congested link would.
func (s *session) deliver(pkt []byte) {
	if len(pkt) > MTU {
		// Cannot happen: every host of a room has this MTU.
		s.c.errors.Add(1)
		return
	}
	bp := packetPool.Get().(*[]byte)
	*bp = append((*bp)[:0], pkt...)
	if !s.out.push(outMsg{pkt: bp}) {
		packetPool.Put(bp)
		s.c.queueFull.Add(1)
	}
}

// record is the session's port's event sink: the lab server's events that
// concern the session's host. A client too slow to take them is closed:
// its trace would have holes.
func (s *session) record(e lab.Event) {
	if !s.out.push(outMsg{ev: &e}) {
		s.end(bridge.ClosePolicy, "too slow reading events")
	}
}

// writeHello writes the session's first message, before the writer starts.
func (s *session) writeHello() error {
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.WriteTimeout))
	return s.conn.WriteMessage(websocket.TextMessage, marshal(s.hello()))
}

// writeLoop is the session's writer, the connection's only one: it writes
// what is queued, a batch at a time, until the session ends, and then the
// close frame.
func (s *session) writeLoop() {
	defer close(s.writerDone)
	var batch []outMsg
	for {
		select {
		case <-s.done:
			s.writeClose()
			return
		case <-s.out.wake:
		}
		batch = s.out.take(batch)
		s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.WriteTimeout))
		for i := range batch {
			if !s.isDone() {
				if err := s.write(batch[i]); err != nil {
					s.fail(fmt.Errorf("write: %w", err))
				}
			}
			if batch[i].pkt != nil {
				packetPool.Put(batch[i].pkt)
			}
		}
		clear(batch)
	}
}

// write writes one message.
func (s *session) write(m outMsg) error {
	switch {
	case m.pkt != nil:
		if err := s.conn.WriteMessage(websocket.BinaryMessage, *m.pkt); err != nil {
			return err
		}
		s.c.packetsOut.Add(1)
		s.c.bytesOut.Add(uint64(len(*m.pkt)))
	case m.ev != nil:
		b, err := json.Marshal(bridge.EventMessage{Type: bridge.TypeEvent, Event: *m.ev})
		if err != nil {
			s.c.errors.Add(1)
			s.log.Error("bridge: an event does not encode", "err", err)
			return nil
		}
		if err := s.conn.WriteMessage(websocket.TextMessage, b); err != nil {
			return err
		}
		s.c.eventsOut.Add(1)
	default:
		return s.conn.WriteMessage(websocket.TextMessage, m.text)
	}
	return nil
}

// writeClose tells the client why the session ended, unless the client
// closed it or the connection is gone.
func (s *session) writeClose() {
	s.mu.Lock()
	code, reason, answered := s.code, s.reason, s.peerClosed
	s.mu.Unlock()
	if answered || code == closeLost {
		return
	}
	s.conn.WriteControl(websocket.CloseMessage, closeMessage(code, reason), time.Now().Add(closeGrace))
}
