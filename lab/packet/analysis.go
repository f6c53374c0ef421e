package packet

import (
	"time"

	"github.com/socketlab/socketlab/lab"
)

// TCP analysis, as Wireshark's (packet-tcp.c, tcp_analyze_sequence_number,
// in tshark 4.0): each segment is judged against what was seen before it
// on its connection, in capture order. The rules, by label:
//
//   - zero_window_probe: 1 byte at the next sequence number while the
//     peer's window is 0.
//   - zero_window: a window of 0 (no SYN, FIN or RST).
//   - lost_segment ("previous segment not captured"): a sequence number
//     beyond the next expected one.
//   - keep_alive: 0 or 1 byte starting one before the next sequence number.
//   - window_update: no data, the same seq and ack as before, a new window.
//   - window_full: data up to the right edge of the peer's window, once
//     its scaling is known.
//   - keep_alive_ack, zero_window_probe_ack: the same ACK again, just after
//     a keep-alive, or a zero window probe, the other way.
//   - duplicate_ack: no data, the same seq, ack and window as this side's
//     previous segment; counted (DupAck) until the ack moves.
//   - ack_lost_segment ("ACKed unseen segment"): acknowledges data the
//     other way that was never seen.
//   - spurious_retransmission: data all of which was acknowledged already.
//   - for a segment with data, SYN or FIN whose sequence number is below
//     the next expected one: fast_retransmission (it starts where at
//     least two duplicate ACKs the other way pointed, within 20 ms of the
//     last), else out_of_order (within the handshake's round trip, 3 ms
//     if unknown, of the highest segment, and not ending where it ends),
//     else retransmission.
//
// Reused ports (a new SYN on a closed connection's ports) are not judged:
// the Tracker starts such a connection afresh.

// Analysis labels, Wireshark's tcp.analysis field names without the prefix.
const (
	Retransmission         = "retransmission"
	FastRetransmission     = "fast_retransmission"
	SpuriousRetransmission = "spurious_retransmission"
	OutOfOrder             = "out_of_order"
	LostSegment            = "lost_segment"
	AckLostSegment         = "ack_lost_segment"
	WindowUpdate           = "window_update"
	WindowFull             = "window_full"
	KeepAlive              = "keep_alive"
	KeepAliveAck           = "keep_alive_ack"
	DuplicateAck           = "duplicate_ack"
	ZeroWindowProbe        = "zero_window_probe"
	ZeroWindow             = "zero_window"
	ZeroWindowProbeAck     = "zero_window_probe_ack"
)

// verdict is a set of analysis labels, one bit each.
type verdict uint16

const (
	aRetransmission verdict = 1 << iota
	aFastRetransmission
	aSpurious
	aOutOfOrder
	aLost
	aAckLost
	aWindowUpdate
	aWindowFull
	aKeepAlive
	aKeepAliveAck
	aDupAck
	aZeroWindowProbe
	aZeroWindow
	aZeroWindowProbeAck
)

// labels are the verdict's bits in the order Wireshark adds them to a
// packet, with the text each puts before the Info column (each before the
// ones added earlier).
var labels = []struct {
	bit  verdict
	name string
	info string
}{
	{aRetransmission, Retransmission, "[TCP Retransmission] "},
	{aFastRetransmission, FastRetransmission, "[TCP Fast Retransmission] "},
	{aSpurious, SpuriousRetransmission, "[TCP Spurious Retransmission] "},
	{aOutOfOrder, OutOfOrder, "[TCP Out-Of-Order] "},
	{aLost, LostSegment, "[TCP Previous segment not captured] "},
	{aAckLost, AckLostSegment, "[TCP ACKed unseen segment] "},
	{aWindowUpdate, WindowUpdate, "[TCP Window Update] "},
	{aWindowFull, WindowFull, "[TCP Window Full] "},
	{aKeepAlive, KeepAlive, "[TCP Keep-Alive] "},
	{aKeepAliveAck, KeepAliveAck, "[TCP Keep-Alive ACK] "},
	{aDupAck, DuplicateAck, "[TCP Dup ACK #] "}, // the number is filled in
	{aZeroWindowProbe, ZeroWindowProbe, "[TCP ZeroWindowProbe] "},
	{aZeroWindow, ZeroWindow, "[TCP ZeroWindow] "},
	{aZeroWindowProbeAck, ZeroWindowProbeAck, "[TCP ZeroWindowProbeAck] "},
}

// flow is what the analysis knows of one direction of a connection, raw
// sequence numbers (Wireshark's tcp_analyze_seq_info).
type flow struct {
	nextSeq   uint32 // after the highest segment seen; 0 before any
	nextSeqAt time.Time
	maxToAck  uint32 // after the data seen without a hole; 0 before any
	lastAck   uint32
	lastAckAt time.Time
	window    uint32 // the last window, scaled
	scaled    bool   // whether its scaling was known then
	dupAcks   int    // duplicate ACKs since the ack last moved
	last      verdict
}

// Sequence number comparisons, modulo 2^32.
func seqGT(a, b uint32) bool { return int32(a-b) > 0 }
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }
func seqLE(a, b uint32) bool { return int32(a-b) <= 0 }

// analyze judges tcp, sent by fwd's side of c at at with the scaled window
// win, and updates what c knows. It returns the verdict and, for a
// duplicate ACK, its number.
func (c *conn) analyze(tcp *lab.TCP, win uint32, scaled bool, at time.Time, fwd, rev *flow) (v verdict, dup int) {
	seq, ack, seglen := tcp.Seq, tcp.Ack, uint32(tcp.PayloadLen)
	f := tcp.Flags
	control := f.SYN || f.FIN || f.RST
	switch {
	case f.SYN && !f.ACK:
		c.synAt = at
	case f.ACK && !f.SYN && c.firstRTT == 0 && !c.synAt.IsZero():
		c.firstRTT = at.Sub(c.synAt)
	}

	defer func() {
		if ack != fwd.lastAck {
			fwd.dupAcks = 0
		}
		v |= c.sequence(tcp, at, fwd, rev, v)
		fwd.window, fwd.scaled, fwd.lastAck, fwd.lastAckAt, fwd.last = win, scaled, ack, at, v
	}()
	if seglen == 1 && seq == fwd.nextSeq && rev.window == 0 {
		return aZeroWindowProbe, 0
	}
	if win == 0 && !control {
		v |= aZeroWindow
	}
	if fwd.nextSeq != 0 && seqGT(seq, fwd.nextSeq) && !f.RST {
		v |= aLost
	}
	if seglen <= 1 && seq == fwd.nextSeq-1 && !control {
		v |= aKeepAlive
	}
	same := seglen == 0 && seq == fwd.nextSeq && ack == fwd.lastAck && !control
	if same && win != 0 && win != fwd.window {
		v |= aWindowUpdate
	}
	if seglen > 0 && rev.scaled && seq+seglen == rev.lastAck+rev.window && !control {
		v |= aWindowFull
	}
	switch {
	case same && win != 0 && win == fwd.window && rev.last&aKeepAlive != 0:
		v |= aKeepAliveAck
	case same && win == 0 && fwd.window == 0 && rev.last&aZeroWindowProbe != 0:
		v |= aZeroWindowProbeAck
	case same && win != 0 && win == fwd.window:
		fwd.dupAcks++
		v |= aDupAck
		dup = fwd.dupAcks
	}
	return v, dup
}

// sequence judges what tcp's sequence numbers say, given the verdict v so
// far, and moves fwd's next and highest acknowledgeable sequence numbers.
func (c *conn) sequence(tcp *lab.TCP, at time.Time, fwd, rev *flow, v verdict) verdict {
	seq, ack, seglen := tcp.Seq, tcp.Ack, uint32(tcp.PayloadLen)
	f := tcp.Flags
	if rev.maxToAck != 0 && seqGT(ack, rev.maxToAck) && f.ACK {
		v |= aAckLost
		rev.maxToAck = rev.nextSeq
	}
	if (seglen > 0 || f.SYN || f.FIN) && v&aKeepAlive == 0 {
		v |= c.resent(seq, seglen, f.SYN || f.FIN, at, fwd, rev)
	}
	next := seq + seglen
	if f.SYN || f.FIN {
		next++
	}
	if v&aZeroWindowProbe == 0 {
		if fwd.nextSeq == 0 || seqGT(next, fwd.nextSeq) {
			fwd.nextSeq, fwd.nextSeqAt = next, at
		}
		if fwd.maxToAck == 0 || seq == fwd.maxToAck {
			fwd.maxToAck = fwd.nextSeq
		}
	}
	return v
}

// resent says what kind of retransmission a segment of seglen bytes at
// seq, with a SYN or FIN if synFin, is, if it is one.
func (c *conn) resent(seq, seglen uint32, synFin bool, at time.Time, fwd, rev *flow) verdict {
	old := fwd.nextSeq != 0 && seqLT(seq, fwd.nextSeq)
	if seglen > 1 && fwd.nextSeq-1 == seq {
		old = false // new data after a zero window probe's byte
	}
	if seglen > 0 && rev.lastAck != 0 && seqLE(seq+seglen, rev.lastAck) {
		return aSpurious
	}
	if old && rev.dupAcks >= 2 && rev.lastAck == seq && at.Sub(rev.lastAckAt) < 20*time.Millisecond {
		return aFastRetransmission
	}
	rtt := c.firstRTT
	if rtt == 0 {
		rtt = 3 * time.Millisecond
	}
	end := seq + seglen
	if synFin {
		end++
	}
	if old && at.Sub(fwd.nextSeqAt) < rtt && fwd.nextSeq != end {
		return aOutOfOrder
	}
	if old {
		return aRetransmission
	}
	return 0
}

// appendLabels appends v's labels to names.
func appendLabels(names []string, v verdict) []string {
	for _, l := range labels {
		if v&l.bit != 0 {
			names = append(names, l.name)
		}
	}
	return names
}

// appendInfo appends what v puts before a summary: the labels' texts, the
// last added first, as Wireshark's Info column has them.
func appendInfo(b []byte, v verdict, dup int) []byte {
	for i := len(labels) - 1; i >= 0; i-- {
		l := labels[i]
		switch {
		case v&l.bit == 0:
		case l.bit == aDupAck:
			b = append(b, "[TCP Dup ACK #"...)
			b = appendField(b, "", uint64(dup))
			b = append(b, "] "...)
		default:
			b = append(b, l.info...)
		}
	}
	return b
}
