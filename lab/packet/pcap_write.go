package packet

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"
)

// PcapngWriter writes packets to a pcapng file, each on one of the
// interfaces it describes (link type LINKTYPE_RAW, nanosecond timestamps),
// so that Wireshark and tshark read them as IPv4 packets and show each
// one's interface (frame.interface_name). It is safe for concurrent use:
// each block reaches the underlying writer in one Write.
type PcapngWriter struct {
	mu     sync.Mutex
	w      io.Writer
	ifaces int
	buf    []byte // a block being assembled
}

// NewPcapngWriter writes the pcapng section header to w and returns a
// writer for the interfaces and packets that follow.
func NewPcapngWriter(w io.Writer) (*PcapngWriter, error) {
	le := binary.LittleEndian
	var b []byte
	b = le.AppendUint32(b, blockSection)
	b = le.AppendUint32(b, 28)
	b = le.AppendUint32(b, byteOrderMagic)
	b = le.AppendUint16(b, pcapngMajor)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint64(b, ^uint64(0)) // section length: not given
	b = le.AppendUint32(b, 28)
	if _, err := w.Write(b); err != nil {
		return nil, fmt.Errorf("write pcapng header: %w", err)
	}
	return &PcapngWriter{w: w}, nil
}

// Interface describes an interface named name and returns its number,
// for WritePacket: 0 for the first, 1 for the next, and so on.
func (w *PcapngWriter) Interface(name string) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	le := binary.LittleEndian
	b := w.start(blockInterface)
	b = le.AppendUint16(b, linkTypeRaw)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, pcapSnapLen)
	if name != "" {
		b = appendOption(b, optIfName, []byte(name))
	}
	b = appendOption(b, optIfTSResol, []byte{tsresolNanos})
	b = appendOption(b, optEnd, nil)
	if err := w.finish(b); err != nil {
		return 0, fmt.Errorf("write pcapng interface: %w", err)
	}
	w.ifaces++
	return w.ifaces - 1, nil
}

// WritePacket writes one packet, data starting at its IPv4 header,
// captured at t on interface iface. It refuses data longer than the 65535
// bytes an IPv4 packet can be, a time before 1970, and an interface not
// described.
func (w *PcapngWriter) WritePacket(iface int, t time.Time, data []byte) error {
	if len(data) > pcapSnapLen {
		return fmt.Errorf("write pcapng packet: %d bytes, longer than an IPv4 packet can be", len(data))
	}
	if t.Before(time.Unix(0, 0)) {
		return fmt.Errorf("write pcapng packet: time %s before 1970", t.UTC().Format(time.RFC3339))
	}
	ts := uint64(t.Unix())*1e9 + uint64(t.Nanosecond())

	w.mu.Lock()
	defer w.mu.Unlock()
	if iface < 0 || iface >= w.ifaces {
		return fmt.Errorf("write pcapng packet: interface %d not described", iface)
	}
	le := binary.LittleEndian
	b := w.start(blockEnhanced)
	b = le.AppendUint32(b, uint32(iface))
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = le.AppendUint32(b, uint32(len(data))) // captured length
	b = le.AppendUint32(b, uint32(len(data))) // original length
	b = append(b, data...)
	b = pad(b)
	if err := w.finish(b); err != nil {
		return fmt.Errorf("write pcapng packet: %w", err)
	}
	return nil
}

// start begins a block of type typ in w.buf; its length comes at finish.
// w.mu is held.
func (w *PcapngWriter) start(typ uint32) []byte {
	b := binary.LittleEndian.AppendUint32(w.buf[:0], typ)
	return append(b, 0, 0, 0, 0)
}

// finish writes the block's length at both ends and writes it. w.mu is
// held.
func (w *PcapngWriter) finish(b []byte) error {
	n := uint32(len(b) + 4)
	binary.LittleEndian.PutUint32(b[4:], n)
	b = binary.LittleEndian.AppendUint32(b, n)
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// appendOption appends one option: its code, length and value, padded.
func appendOption(b []byte, code uint16, value []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(value)))
	return pad(append(b, value...))
}

// pad pads b with zeros to a multiple of 4 bytes.
func pad(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
