package packet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ReadPcap reads a whole capture of raw IP packets (link type LINKTYPE_RAW
// or LINKTYPE_IPV4): a pcapng file, as WriteTrace writes, or a classic
// pcap file, as socketlab wrote before it had a loopback, in either byte
// order and any timestamp resolution. It rejects records longer than
// MaxPcapRecord, so a hostile file costs at most that much memory beyond
// its own size. Errors wrap ErrTruncated or ErrMalformed and name the
// record (classic pcap) or block (pcapng), counted from 1.
func ReadPcap(r io.Reader) ([]PcapRecord, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(4); err == nil && binary.LittleEndian.Uint32(magic) == blockSection {
		return readPcapng(br)
	}
	var h [pcapHeaderLen]byte
	if n, err := io.ReadFull(br, h[:]); err != nil {
		return nil, fmt.Errorf("read pcap: %w", readErr("file header", n, len(h), err))
	}
	var order binary.ByteOrder
	var nanos bool
	switch magic := binary.LittleEndian.Uint32(h[0:]); magic {
	case pcapMagicMicros, pcapMagicNanos:
		order, nanos = binary.LittleEndian, magic == pcapMagicNanos
	default:
		switch magic := binary.BigEndian.Uint32(h[0:]); magic {
		case pcapMagicMicros, pcapMagicNanos:
			order, nanos = binary.BigEndian, magic == pcapMagicNanos
		default:
			return nil, fmt.Errorf("read pcap: %w", malformed("magic number %#08x, not a pcap or pcapng file", binary.BigEndian.Uint32(h[0:])))
		}
	}
	if major := order.Uint16(h[4:]); major != pcapVersionMaj {
		return nil, fmt.Errorf("read pcap: %w", malformed("version %d.%d, want 2.x", major, order.Uint16(h[6:])))
	}
	if lt := order.Uint32(h[20:]); lt != linkTypeRaw && lt != linkTypeIPv4 {
		return nil, fmt.Errorf("read pcap: %w", malformed("link type %d, want %d (raw IP) or %d (IPv4)", lt, linkTypeRaw, linkTypeIPv4))
	}
	unit, fracMax := time.Microsecond, uint32(1e6)
	if nanos {
		unit, fracMax = time.Nanosecond, 1e9
	}

	var recs []PcapRecord
	for i := 1; ; i++ {
		var rh [pcapRecordLen]byte
		n, err := io.ReadFull(br, rh[:])
		if n == 0 && err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read pcap: record %d: %w", i, readErr("header", n, len(rh), err))
		}
		sec, frac := order.Uint32(rh[0:]), order.Uint32(rh[4:])
		capLen, origLen := order.Uint32(rh[8:]), order.Uint32(rh[12:])
		switch {
		case frac >= fracMax:
			return nil, fmt.Errorf("read pcap: record %d: %w", i, malformed("timestamp fraction %d, want below %d", frac, fracMax))
		case capLen > MaxPcapRecord:
			return nil, fmt.Errorf("read pcap: record %d: %w", i, malformed("captured length %d bytes, over the limit %d", capLen, MaxPcapRecord))
		case origLen < capLen:
			return nil, fmt.Errorf("read pcap: record %d: %w", i, malformed("captured length %d bytes, over the original length %d", capLen, origLen))
		}
		data := make([]byte, capLen)
		if n, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("read pcap: record %d: %w", i, readErr("data", n, len(data), err))
		}
		recs = append(recs, PcapRecord{
			Time:    time.Unix(int64(sec), int64(frac)*int64(unit)).UTC(),
			Data:    data,
			OrigLen: int(origLen),
		})
	}
}

// readErr describes a failed io.ReadFull of want bytes that read have: the
// input ended early, or the reader failed.
func readErr(what string, have, want int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return truncated(what, have, want)
	}
	return fmt.Errorf("read %s: %w", what, err)
}
