package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
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
		return
	}
	if s.workshop != nil {
		s.workshop.seen.packet(false, pkt)
	}
}

// record is the session's port's event sink: the lab server's events that
// concern the session's host. A client too slow to take them is closed:
// its trace would have holes.
func (s *session) record(e lab.Event) {
	if s.workshop != nil {
		s.workshop.seen.event(e)
	}
	if !s.out.push(outMsg{ev: e}) {
		reason := "too slow reading events"
		if s.out.exceeded() {
			reason = memoryReason
		}
		s.end(bridge.ClosePolicy, reason)
	}
}

// writeHello writes the session's first message, before the writer starts.
func (s *session) writeHello() error {
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.WriteTimeout))
	return s.conn.WriteMessage(websocket.TextMessage, marshal(s.hello()))
}

// writeLoop is the session's writer, the connection's only one. It runs
// while the session is busy (see queue): it writes what is queued, a batch
// at a time and each batch in one write to the connection where it can,
// and stops when nothing has come for WriterLinger. At the end of the
// session it writes the close frame, and closes writerDone.
func (s *session) writeLoop() {
	var batch []outMsg
	var linger *time.Timer
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for {
		batch = s.out.take(batch)
		if batch == nil {
			if linger == nil {
				linger = time.NewTimer(WriterLinger)
			} else {
				linger.Reset(WriterLinger)
			}
			select {
			case <-s.out.wake:
			case <-linger.C:
				if s.out.stop() {
					return
				}
			}
			continue
		}
		deadline := time.Now().Add(s.srv.cfg.WriteTimeout)
		s.conn.SetWriteDeadline(deadline)
		s.batch.begin()
		closing := false
		for i := range batch {
			switch {
			case batch[i].close:
				closing = true
			case !s.isDone():
				if err := s.write(&batch[i]); err != nil {
					s.writeFailed(err)
				}
			}
			if batch[i].pkt != nil {
				packetPool.Put(batch[i].pkt)
			}
		}
		if err := s.batch.flush(deadline); err != nil && !s.isDone() {
			s.writeFailed(err)
		}
		clear(batch)
		if closing {
			s.writeClose()
			close(s.writerDone)
			return
		}
	}
}

// writeFailed ends the session for a write that failed. One that ran out
// of time is the client's doing: it does not read (close 1008, which it
// will not read either); one the client reset or closed its end under is
// the connection lost (1006), as a broken read is; another is the
// server's error.
func (s *session) writeFailed(err error) {
	switch {
	case isTimeout(err):
		s.end(bridge.ClosePolicy, "too slow reading")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		// The client went while we wrote (a reset, or its end closed): its
		// doing or the network's, as a read that breaks is.
		s.end(closeLost, "write: "+err.Error())
	default:
		s.fail(fmt.Errorf("write: %w", err))
	}
}

// write writes one message.
func (s *session) write(m *outMsg) error {
	switch {
	case m.pkt != nil:
		if err := s.conn.WriteMessage(websocket.BinaryMessage, *m.pkt); err != nil {
			return err
		}
		s.c.packetsOut.Add(1)
		s.c.bytesOut.Add(uint64(len(*m.pkt)))
	case m.ev.Kind != "":
		b, ok := bridge.AppendEventMessage(s.evBuf[:0], &m.ev)
		if ok {
			s.evBuf = b
		} else {
			var err error
			b, err = json.Marshal(bridge.EventMessage{Type: bridge.TypeEvent, Event: m.ev})
			if err != nil {
				s.c.errors.Add(1)
				s.log.Error("bridge: an event does not encode", "err", err)
				return nil
			}
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

// batchConn is a session's network connection under its WebSocket. Between
// begin and flush, what the WebSocket library writes to it is gathered, up
// to batchMax bytes at a time, so that a batch of messages leaves in one
// write; otherwise writes go straight through. It is safe for concurrent
// use: the library serializes its own writes, and flush takes turns with
// them.
type batchConn struct {
	net.Conn

	mu       sync.Mutex
	batching bool
	buf      *[]byte // from batchPool while batching
	err      error   // the first failed write of a batch
}

// batchMax bounds what a batch gathers before it is written.
const batchMax = 32 << 10

// batchPool holds the buffers batches gather in: an idle session holds
// none.
var batchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

// begin starts gathering writes. On a nil batchConn (a connection that is
// not one) it does nothing, and writes go straight through.
func (c *batchConn) begin() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batching = true
}

// Write gathers p while a batch is open, and writes it otherwise.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.batching {
		return c.Conn.Write(p)
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.buf == nil {
		c.buf = batchPool.Get().(*[]byte)
	}
	*c.buf = append(*c.buf, p...)
	if len(*c.buf) >= batchMax {
		c.err = c.writeLocked()
	}
	return len(p), c.err
}

// flush writes what the batch gathered, by the deadline, and ends the
// batch.
func (c *batchConn) flush(deadline time.Time) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batching = false
	err := c.err
	c.err = nil
	if err == nil && c.buf != nil && len(*c.buf) > 0 {
		c.Conn.SetWriteDeadline(deadline)
		err = c.writeLocked()
	}
	if c.buf != nil {
		if cap(*c.buf) <= batchMax*2 {
			*c.buf = (*c.buf)[:0]
			batchPool.Put(c.buf)
		}
		c.buf = nil
	}
	return err
}

// writeLocked writes what is gathered. c.mu is held.
func (c *batchConn) writeLocked() error {
	_, err := c.Conn.Write(*c.buf)
	*c.buf = (*c.buf)[:0]
	return err
}

// writeClose tells the client why the session ended, unless the client
// closed it or the connection is gone.
func (s *session) writeClose() {
	s.mu.Lock()
	code, reason, answered := s.code, s.reason, s.peerClosed
	s.mu.Unlock()
	if answered || code == closeLost || code == websocket.CloseProtocolError {
		// No close frame to send, or the library has sent it.
		return
	}
	writeBye(s.conn, code, reason, time.Now().Add(closeGrace))
}
