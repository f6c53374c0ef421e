package packet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// ifaceDesc is what a pcapng Interface Description Block says that
// reading its packets needs.
type ifaceDesc struct {
	name string
	// unitsPerSec is how many timestamp units make a second; toNanos
	// turns a fraction of a second in those units into nanoseconds.
	unitsPerSec uint64
	toNanos     func(frac uint64) uint64
}

// readPcapng reads a pcapng file, every section of it: its Enhanced
// Packet Blocks become records, its other blocks are checked for their
// length and skipped.
func readPcapng(br *bufio.Reader) ([]PcapRecord, error) {
	var (
		recs   []PcapRecord
		order  binary.ByteOrder
		ifaces []ifaceDesc
	)
	for i := 1; ; i++ {
		var bh [8]byte
		n, err := io.ReadFull(br, bh[:])
		if n == 0 && err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read pcap: block %d: %w", i, readErr("header", n, len(bh), err))
		}
		typ := binary.LittleEndian.Uint32(bh[0:])
		if typ == blockSection {
			// The section's byte order is in its body: peek at it.
			bom, err := br.Peek(4)
			if err != nil {
				return nil, fmt.Errorf("read pcap: block %d: %w", i, truncated("section header", len(bom), 4))
			}
			switch {
			case binary.LittleEndian.Uint32(bom) == byteOrderMagic:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(bom) == byteOrderMagic:
				order = binary.BigEndian
			default:
				return nil, fmt.Errorf("read pcap: block %d: %w", i, malformed("byte-order magic %#08x", binary.BigEndian.Uint32(bom)))
			}
			ifaces = nil
		}
		if order == nil {
			return nil, fmt.Errorf("read pcap: block %d: %w", i, malformed("block type %#x before a section header", typ))
		}
		typ = order.Uint32(bh[0:])
		total := order.Uint32(bh[4:])
		if total < 12 || total%4 != 0 || total > maxBlock {
			return nil, fmt.Errorf("read pcap: block %d: %w", i, malformed("block length %d, want a multiple of 4 from 12 to %d", total, maxBlock))
		}
		body := make([]byte, total-8)
		if n, err := io.ReadFull(br, body); err != nil {
			return nil, fmt.Errorf("read pcap: block %d: %w", i, readErr("body", n, len(body), err))
		}
		if trailer := order.Uint32(body[len(body)-4:]); trailer != total {
			return nil, fmt.Errorf("read pcap: block %d: %w", i, malformed("block length %d at its end, %d at its start", trailer, total))
		}
		body = body[:len(body)-4]
		switch typ {
		case blockSection:
			if len(body) < 16 {
				return nil, fmt.Errorf("read pcap: block %d: %w", i, truncated("section header", len(body), 16))
			}
			if major := order.Uint16(body[4:]); major != pcapngMajor {
				return nil, fmt.Errorf("read pcap: block %d: %w", i, malformed("pcapng version %d.%d, want 1.x", major, order.Uint16(body[6:])))
			}
		case blockInterface:
			d, err := readInterface(order, body)
			if err != nil {
				return nil, fmt.Errorf("read pcap: block %d: %w", i, err)
			}
			ifaces = append(ifaces, d)
		case blockEnhanced:
			rec, err := readEnhanced(order, body, ifaces)
			if err != nil {
				return nil, fmt.Errorf("read pcap: block %d: %w", i, err)
			}
			recs = append(recs, rec)
		}
	}
}

// readInterface reads an Interface Description Block's body.
func readInterface(order binary.ByteOrder, body []byte) (ifaceDesc, error) {
	if len(body) < 8 {
		return ifaceDesc{}, truncated("interface description", len(body), 8)
	}
	if lt := order.Uint16(body[0:]); lt != linkTypeRaw && lt != linkTypeIPv4 {
		return ifaceDesc{}, malformed("link type %d, want %d (raw IP) or %d (IPv4)", lt, linkTypeRaw, linkTypeIPv4)
	}
	d := ifaceDesc{unitsPerSec: 1e6, toNanos: func(f uint64) uint64 { return f * 1e3 }}
	for opts := body[8:]; len(opts) >= 4; {
		code, n := order.Uint16(opts[0:]), int(order.Uint16(opts[2:]))
		if code == optEnd {
			break
		}
		if 4+n > len(opts) {
			return ifaceDesc{}, truncated("interface option", len(opts)-4, n)
		}
		value := opts[4 : 4+n]
		switch {
		case code == optIfName:
			d.name = string(value)
		case code == optIfTSResol && n == 1:
			r := value[0]
			switch {
			case r&0x80 == 0 && r <= 9:
				scale := uint64(1)
				for range 9 - r {
					scale *= 10
				}
				d.unitsPerSec = 1e9 / scale
				d.toNanos = func(f uint64) uint64 { return f * scale }
			case r&0x80 != 0 && r&0x7f <= 30:
				shift := r & 0x7f
				d.unitsPerSec = 1 << shift
				d.toNanos = func(f uint64) uint64 { return f * 1e9 >> shift }
			default:
				return ifaceDesc{}, malformed("timestamp resolution %#x, finer than this reader reads", r)
			}
		}
		opts = opts[min(len(opts), 4+(n+3)&^3):]
	}
	return d, nil
}

// readEnhanced reads an Enhanced Packet Block's body into a record.
func readEnhanced(order binary.ByteOrder, body []byte, ifaces []ifaceDesc) (PcapRecord, error) {
	if len(body) < 20 {
		return PcapRecord{}, truncated("packet header", len(body), 20)
	}
	id := order.Uint32(body[0:])
	if id >= uint32(len(ifaces)) {
		return PcapRecord{}, malformed("interface %d not described", id)
	}
	d := ifaces[id]
	ts := uint64(order.Uint32(body[4:]))<<32 | uint64(order.Uint32(body[8:]))
	capLen, origLen := order.Uint32(body[12:]), order.Uint32(body[16:])
	switch {
	case capLen > MaxPcapRecord:
		return PcapRecord{}, malformed("captured length %d bytes, over the limit %d", capLen, MaxPcapRecord)
	case int(capLen) > len(body)-20:
		return PcapRecord{}, truncated("packet data", len(body)-20, int(capLen))
	case origLen < capLen:
		return PcapRecord{}, malformed("captured length %d bytes, over the original length %d", capLen, origLen)
	}
	sec := ts / d.unitsPerSec
	if sec > 1<<40 {
		return PcapRecord{}, malformed("timestamp %d seconds, past any capture", sec)
	}
	return PcapRecord{
		Time:      time.Unix(int64(sec), int64(d.toNanos(ts%d.unitsPerSec))).UTC(),
		Data:      bytes.Clone(body[20 : 20+capLen]),
		OrigLen:   int(origLen),
		Interface: d.name,
	}, nil
}
