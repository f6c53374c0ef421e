package packet

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
	"time"
)

// PcapWriter writes packets to a pcap file with link type LINKTYPE_RAW, so
// that Wireshark and tshark read them as IPv4 packets. It is safe for
// concurrent use: each record reaches the underlying writer in one Write.
type PcapWriter struct {
	mu    sync.Mutex
	w     io.Writer
	nanos bool
	buf   []byte // a record being assembled
}

// NewPcapWriter writes the pcap global header to w and returns a writer for
// the packets that follow. With nanos the timestamps have nanosecond
// resolution, otherwise microsecond resolution.
func NewPcapWriter(w io.Writer, nanos bool) (*PcapWriter, error) {
	var h [pcapHeaderLen]byte
	magic := uint32(pcapMagicMicros)
	if nanos {
		magic = pcapMagicNanos
	}
	le := binary.LittleEndian
	le.PutUint32(h[0:], magic)
	le.PutUint16(h[4:], pcapVersionMaj)
	le.PutUint16(h[6:], pcapVersionMin)
	// h[8:16] are the time zone offset and accuracy, always zero.
	le.PutUint32(h[16:], pcapSnapLen)
	le.PutUint32(h[20:], linkTypeRaw)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("write pcap header: %w", err)
	}
	return &PcapWriter{w: w, nanos: nanos}, nil
}

// WritePacket writes one packet, data starting at its IPv4 header, captured
// at t. It refuses data longer than the 65535 bytes an IPv4 packet can be.
func (w *PcapWriter) WritePacket(t time.Time, data []byte) error {
	if len(data) > pcapSnapLen {
		return fmt.Errorf("write pcap record: %d bytes, longer than an IPv4 packet can be", len(data))
	}
	sec := t.Unix()
	if sec < 0 || sec > math.MaxUint32 {
		return fmt.Errorf("write pcap record: time %s outside the years 1970 to 2106 pcap can hold", t.UTC().Format(time.RFC3339))
	}
	frac := uint32(t.Nanosecond())
	if !w.nanos {
		frac /= 1000
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	le := binary.LittleEndian
	b := w.buf[:0]
	b = le.AppendUint32(b, uint32(sec))
	b = le.AppendUint32(b, frac)
	b = le.AppendUint32(b, uint32(len(data))) // captured length
	b = le.AppendUint32(b, uint32(len(data))) // original length
	b = append(b, data...)
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("write pcap record: %w", err)
	}
	return nil
}
