package netstack

import (
	"fmt"
	"net/netip"

	"github.com/socketlab/socketlab/lab"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// MinBuffer is the smallest TCP buffer a host may have (Config.Buffer):
// gVisor's.
const MinBuffer = tcp.MinBufferSize

// setBuffers fixes the host's TCP buffers at Config.Buffer, if set.
func (h *Host) setBuffers() error {
	size := h.cfg.Buffer
	if size == 0 {
		return nil
	}
	if size < MinBuffer {
		return fmt.Errorf("set tcp buffers: %d bytes is under the least, %d", size, MinBuffer)
	}
	off := tcpip.TCPModerateReceiveBufferOption(false)
	if err := h.stack.SetTransportProtocolOption(tcp.ProtocolNumber, &off); err != nil {
		return fmt.Errorf("stop receive buffer auto-tuning: %s", err)
	}
	rcv := tcpip.TCPReceiveBufferSizeRangeOption{Min: MinBuffer, Default: size, Max: size}
	if err := h.stack.SetTransportProtocolOption(tcp.ProtocolNumber, &rcv); err != nil {
		return fmt.Errorf("set receive buffer: %s", err)
	}
	snd := tcpip.TCPSendBufferSizeRangeOption{Min: MinBuffer, Default: size, Max: size}
	if err := h.stack.SetTransportProtocolOption(tcp.ProtocolNumber, &snd); err != nil {
		return fmt.Errorf("set send buffer: %s", err)
	}
	return nil
}

// WriteCost is what Buffered counts for each write a connection's send
// queue holds, beside its bytes: gVisor keeps each write in a segment of
// its own (some 500 bytes with its buffer) until the peer acknowledges
// it, so that a peer that never does can make a service that writes a
// byte at a time hold far more than the bytes.
const WriteCost = 512

// held is what a TCP connection's queues hold, as TCP's probe saw them
// after the connection's last inbound segment and with the writes made
// since, and about how many writes its send queue holds.
type held struct {
	sent, received int // bytes in the send and receive queues
	writes         int
}

// probed takes in what the probe saw. The writes still queued are
// estimated as the share of the writes counted that the bytes still
// queued are: an acknowledgement lets go of the oldest bytes, and with
// them of about as many writes.
func (q *held) probed(s *tcp.TCPEndpointState) {
	sent := max(s.SndBufState.SndBufUsed, 0)
	switch {
	case sent == 0:
		q.writes = 0
	case sent < q.sent:
		q.writes = (q.writes*sent + q.sent - 1) / q.sent
	}
	q.sent, q.received = sent, max(s.RcvBufState.RcvBufUsed, 0)
}

func (q *held) bytes() int { return q.sent + q.received + q.writes*WriteCost }

// wrote counts a write of n bytes on ep, a TCP connection's endpoint.
func (w *watcher) wrote(ep tcpip.Endpoint, n int) {
	local, err := ep.GetLocalAddress()
	if err != nil {
		return
	}
	peer, err := ep.GetRemoteAddress()
	if err != nil {
		return
	}
	key := tuple{addrPort(local), addrPort(peer)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.conns[key]; c != nil {
		c.held.writes++
		c.held.sent += n
	}
}

// Buffered is about how many bytes the host's TCP connections with peer
// hold in their queues: data written and not yet acknowledged, each
// write counted WriteCost more, and data received and not yet read. It
// is read from what the connections' last inbound segments left (TCP's
// probe) and the writes since, so a connection whose peer has gone
// quiet may be counted as holding what it has since sent or read.
func (h *Host) Buffered(peer netip.Addr) int {
	w := h.watcher
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for k, c := range w.conns {
		// A connection in TIME-WAIT or closed holds nothing.
		if k.peer.Addr() == peer && c.last != lab.StateTimeWait && c.last != lab.StateClosed {
			n += c.held.bytes()
		}
	}
	return n
}
