package packet

import (
	"container/list"
	"slices"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// MaxConnections is how many TCP connections a Tracker remembers. Seeing a
// new one beyond that forgets the one seen least recently.
const MaxConnections = 4096

// Tracker follows TCP connections across packets to number their sequences
// relative to each side's initial sequence number and to scale their
// windows, as Wireshark does. The zero value is ready to use; a Tracker is
// safe for concurrent use.
//
// A connection is its two addresses and ports, in either direction. A SYN
// whose sequence number differs from the one its side started with starts
// the connection afresh (the ports were reused). When the first packet seen
// from a side is not a SYN, its sequence number counts as 1, so a capture
// that starts mid-connection reads Seq=1 Ack=1, again as in Wireshark.
// Connections are remembered after they close, so that retransmissions and
// the last ACK are still numbered, until MaxConnections pushes them out.
type Tracker struct {
	order sync.Mutex // Record's: numbering and recording in one order
	mu    sync.Mutex
	conns map[connKey]*list.Element // of *conn
	lru   list.List                 // of *conn, most recently seen first
	tftp  []endpoint                // clients that asked a TFTP server for a transfer, the latest last
}

// maxTFTP is how many TFTP transfers' clients a Tracker remembers, so that
// the transfer's packets, from a port of the server's own, are named TFTP.
const maxTFTP = 64

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker { return &Tracker{} }

// endpoint is one end of a connection.
type endpoint struct {
	addr string
	port uint16
}

// less orders endpoints, so that both directions find one connKey.
func (e endpoint) less(o endpoint) bool {
	if e.addr != o.addr {
		return e.addr < o.addr
	}
	return e.port < o.port
}

// connKey names a connection by its endpoints, the lesser first.
type connKey struct{ lo, hi endpoint }

// conn is what a Tracker knows of a connection: a half for the packets sent
// by each endpoint, lo's first.
type conn struct {
	key      connKey
	sides    [2]half
	flows    [2]flow       // the analysis of each side's packets
	synAt    time.Time     // when the last SYN (without ACK) was seen
	firstRTT time.Duration // from that SYN to the handshake's ACK; 0 unknown
}

// half is what a Tracker knows of one direction of a connection.
type half struct {
	base    uint32 // sequence number 0 in relative terms: the ISN
	baseSet bool
	synSeen bool  // a SYN from this side was seen, with wsShift if hasWS
	hasWS   bool  // its SYN offered window scaling
	wsShift uint8 // the shift its SYN offered
}

// Annotate sets p.Summary in the style of Wireshark's Info column and, for
// TCP, sets p.TCP.RelSeq and p.TCP.RelAck (RelAck is 0 when the ACK flag is
// not set), the calculated window and its scaling factor, makes the SACK
// edges in p.TCP.Options.List relative to the peer's ISN, and sets
// p.Analysis and p.TCP.DupAck as Wireshark's TCP analysis would for a
// packet captured at at, after those annotated before it (analysis.go).
// A packet annotated twice is numbered the same way twice, and its second
// copy judged as a capture holding it twice would be.
func (t *Tracker) Annotate(p *lab.Packet, at time.Time) {
	if p.TCP == nil {
		p.Summary = summary(p, tcpNumbers{}, p.UDP != nil && t.tftpTransfer(p))
		return
	}
	n := t.number(p, at)
	p.TCP.RelSeq, p.TCP.RelAck = n.seq, n.ack
	p.TCP.CalcWindow, p.TCP.WindowScale = n.win, n.scale
	relativeSACK(&p.TCP.Options, n.sackBase)
	p.Analysis, p.TCP.DupAck = appendLabels(nil, n.verdict), n.dup
	p.Summary = summary(p, n, false)
}

// number updates the connection p belongs to and works out p's numbers.
func (t *Tracker) number(p *lab.Packet, at time.Time) tcpNumbers {
	tcp := p.TCP
	src := endpoint{p.IPv4.Src, tcp.SrcPort}
	dst := endpoint{p.IPv4.Dst, tcp.DstPort}
	key, s := connKey{src, dst}, 0
	if dst.less(src) {
		key, s = connKey{dst, src}, 1
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.lookup(key)
	fwd, rev := &c.sides[s], &c.sides[1-s]
	if tcp.Flags.SYN {
		if fwd.baseSet && fwd.base != tcp.Seq {
			*c = conn{key: key}
		}
		fwd.base, fwd.baseSet = tcp.Seq, true
		fwd.synSeen, fwd.hasWS, fwd.wsShift = true, tcp.Options.HasWScale, tcp.Options.WScale
	} else if !fwd.baseSet {
		fwd.base, fwd.baseSet = tcp.Seq-1, true
	}
	if tcp.Flags.ACK && !rev.baseSet {
		rev.base, rev.baseSet = tcp.Ack-1, true
	}

	n := tcpNumbers{seq: tcp.Seq - fwd.base, win: uint32(tcp.Window), scale: lab.WindowScaleUnknown}
	if tcp.Flags.ACK {
		n.ack = tcp.Ack - rev.base
	}
	if rev.baseSet {
		n.sackBase = rev.base
	}
	// RFC 7323: windows are scaled once both SYNs offered scaling, never
	// in a SYN itself.
	// Wireshark knows there is no scaling once either SYN went without.
	switch {
	case tcp.Flags.SYN:
	case fwd.synSeen && !fwd.hasWS || rev.synSeen && !rev.hasWS:
		n.scale = lab.WindowScaleNone
	case fwd.hasWS && rev.hasWS:
		shift := min(fwd.wsShift, maxWScale)
		n.win <<= shift
		n.scale = 1 << shift
	}
	n.verdict, n.dup = c.analyze(tcp, n.win, n.scale != lab.WindowScaleUnknown, at, &c.flows[s], &c.flows[1-s])
	return n
}

// relativeSACK rewrites the values of the SACK options in o's List with
// their edges less base, the peer's ISN.
func relativeSACK(o *lab.TCPOptions, base uint32) {
	if base == 0 || len(o.SACK) == 0 {
		return
	}
	for i := range o.List {
		if o.List[i].Kind == optSACK {
			o.List[i].Value = string(appendSACK(nil, o.SACK, base))
		}
	}
}

// lookup returns the connection for key, remembering a new one if need be
// and forgetting the least recently seen beyond MaxConnections. t.mu is held.
func (t *Tracker) lookup(key connKey) *conn {
	if e, ok := t.conns[key]; ok {
		t.lru.MoveToFront(e)
		return e.Value.(*conn)
	}
	if t.conns == nil {
		t.conns = make(map[connKey]*list.Element)
	}
	if len(t.conns) >= MaxConnections {
		oldest := t.lru.Back()
		delete(t.conns, oldest.Value.(*conn).key)
		t.lru.Remove(oldest)
	}
	c := &conn{key: key}
	t.conns[key] = t.lru.PushFront(c)
	return c
}

// Record makes a packet's event as Event does and passes it to record,
// both in one step: packets crossing a host both ways at once are recorded
// in the order the Tracker judged them, so a capture written from the
// trace reads, in Wireshark, as the Tracker saw it (window full, duplicate
// ACKs and the rest depend on the order).
func (t *Tracker) Record(record func(lab.Event), host, iface string, dir lab.Direction, at time.Time, data []byte) {
	t.order.Lock()
	defer t.order.Unlock()
	record(t.Event(host, iface, dir, at, data))
}

// Event decodes and annotates a packet that crossed host's interface iface
// in dir at t, as a trace event. A packet that does not decode is still an event (a
// stack sent or accepted it): its summary says what could not be read.
func (t *Tracker) Event(host, iface string, dir lab.Direction, at time.Time, data []byte) lab.Event {
	p, err := Decode(data)
	if err != nil {
		p = lab.Packet{Protocol: "IPv4", Length: len(data), Summary: "malformed: " + err.Error(), Data: append([]byte(nil), data...)}
	}
	p.Interface, p.Dir = iface, dir
	t.Annotate(&p, at)
	return lab.Event{Time: at, Host: host, Kind: lab.KindPacket, Packet: &p}
}

// tftpTransfer reports whether a UDP packet is TFTP's: to or from port 69,
// or to or from a client that sent a request to port 69 before (a
// transfer runs from a port of the server's own: its transfer ID).
func (t *Tracker) tftpTransfer(p *lab.Packet) bool {
	src, dst := endpoint{p.IPv4.Src, p.UDP.SrcPort}, endpoint{p.IPv4.Dst, p.UDP.DstPort}
	t.mu.Lock()
	defer t.mu.Unlock()
	if dst.port == tftpPort {
		if payload := Payload(p); len(payload) >= 2 && payload[0] == 0 && (payload[1] == 1 || payload[1] == 2) {
			t.tftp = slices.DeleteFunc(t.tftp, func(e endpoint) bool { return e == src })
			if len(t.tftp) == maxTFTP {
				t.tftp = slices.Delete(t.tftp, 0, 1)
			}
			t.tftp = append(t.tftp, src)
		}
		return true
	}
	return src.port == tftpPort || slices.Contains(t.tftp, src) || slices.Contains(t.tftp, dst)
}
