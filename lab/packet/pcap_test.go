package packet_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab/packet"
)

// t0 is when the test captures start.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func TestPcapngRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := packet.NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"eth0", "lo", ""}
	for i, name := range names {
		if id, err := w.Interface(name); err != nil || id != i {
			t.Fatalf("Interface(%q) = %d, %v; want %d", name, id, err, i)
		}
	}
	pkts := [][]byte{{}} // an empty record is legal
	for _, s := range labSession() {
		pkts = append(pkts, s.pkt)
	}
	var want []packet.PcapRecord
	for i, pkt := range pkts {
		at := t0.Add(time.Duration(i) * 1234567 * time.Nanosecond)
		if err := w.WritePacket(i%len(names), at, pkt); err != nil {
			t.Fatal(err)
		}
		want = append(want, packet.PcapRecord{Time: at, Data: pkt, OrigLen: len(pkt), Interface: names[i%len(names)]})
	}
	if magic := buf.Bytes()[:4]; !bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Errorf("magic % x, want pcapng's", magic)
	}
	got, err := packet.ReadPcap(&buf)
	if err != nil {
		t.Fatalf("ReadPcap: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %d records, differing from the %d written", len(got), len(want))
	}
}

// classicPcap is a classic pcap file of pkts, little-endian, captured a
// microsecond apart from t0, with nanosecond or microsecond timestamps.
func classicPcap(nanos bool, pkts ...[]byte) []byte {
	le := binary.LittleEndian
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	b := le.AppendUint32(nil, magic)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = le.AppendUint32(b, 65535)
	b = le.AppendUint32(b, 101)
	for i, pkt := range pkts {
		at := t0.Add(time.Duration(i) * time.Microsecond)
		frac := uint32(at.Nanosecond())
		if !nanos {
			frac /= 1000
		}
		b = le.AppendUint32(b, uint32(at.Unix()))
		b = le.AppendUint32(b, frac)
		b = le.AppendUint32(b, uint32(len(pkt)))
		b = le.AppendUint32(b, uint32(len(pkt)))
		b = append(b, pkt...)
	}
	return b
}

func TestReadClassicPcap(t *testing.T) {
	// Captures socketlab wrote before it wrote pcapng still read.
	for _, nanos := range []bool{false, true} {
		var pkts [][]byte
		var want []packet.PcapRecord
		for i, s := range labSession() {
			pkts = append(pkts, s.pkt)
			at := t0.Add(time.Duration(i) * time.Microsecond)
			if !nanos {
				at = at.Truncate(time.Microsecond)
			}
			want = append(want, packet.PcapRecord{Time: at, Data: s.pkt, OrigLen: len(s.pkt)})
		}
		got, err := packet.ReadPcap(bytes.NewReader(classicPcap(nanos, pkts...)))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("nanos %v: read %d records, %v; differing from the %d written", nanos, len(got), err, len(want))
		}
	}
}

func TestReadPcapBigEndian(t *testing.T) {
	// A big-endian capture with nanoseconds, as some systems write them.
	be := binary.BigEndian
	b := be.AppendUint32(nil, 0xa1b23c4d)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = be.AppendUint32(b, 65535)
	b = be.AppendUint32(b, 228)
	pkt := labSession()[0].pkt
	b = be.AppendUint32(b, uint32(t0.Unix()))
	b = be.AppendUint32(b, uint32(t0.Nanosecond()))
	b = be.AppendUint32(b, uint32(len(pkt)))
	b = be.AppendUint32(b, 1500)
	b = append(b, pkt...)
	got, err := packet.ReadPcap(bytes.NewReader(b))
	want := []packet.PcapRecord{{Time: t0, Data: pkt, OrigLen: 1500}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReadPcap = %+v, %v; want %+v", got, err, want)
	}
}

// pcapFile is a valid little-endian microsecond pcap file of two packets.
func pcapFile(t testing.TB) []byte {
	return classicPcap(false, labSession()[0].pkt, labSession()[1].pkt)
}

func TestReadPcapErrors(t *testing.T) {
	good := pcapFile(t)
	first := 24 + 16 + len(labSession()[0].pkt) // where record 2 starts
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		b    []byte
		want string
		is   error
	}{
		{"empty", nil, "read pcap: file header truncated: 0 of 24 bytes", packet.ErrTruncated},
		{"short header", good[:23], "read pcap: file header truncated: 23 of 24 bytes", packet.ErrTruncated},
		{"bad magic", edit(func(b []byte) { copy(b, "GIF8") }), "read pcap: malformed header: magic number 0x47494638, not a pcap or pcapng file", packet.ErrMalformed},
		{"pcapng of pcap", edit(func(b []byte) { be := binary.BigEndian; be.PutUint32(b, 0x0a0d0d0a) }), "read pcap: block 1: malformed header: byte-order magic 0x00000000", packet.ErrMalformed},
		{"version 3", edit(func(b []byte) { le.PutUint16(b[4:], 3) }), "read pcap: malformed header: version 3.4, want 2.x", packet.ErrMalformed},
		{"ethernet", edit(func(b []byte) { le.PutUint32(b[20:], 1) }), "read pcap: malformed header: link type 1, want 101 (raw IP) or 228 (IPv4)", packet.ErrMalformed},
		{"record header cut", good[:24+15], "read pcap: record 1: header truncated: 15 of 16 bytes", packet.ErrTruncated},
		{"record data cut", good[:first-1], "read pcap: record 1: data truncated: 59 of 60 bytes", packet.ErrTruncated},
		{"second record header cut", good[:first+3], "read pcap: record 2: header truncated: 3 of 16 bytes", packet.ErrTruncated},
		{"huge record", edit(func(b []byte) { le.PutUint32(b[32:], 262145); le.PutUint32(b[36:], 262145) }),
			"read pcap: record 1: malformed header: captured length 262145 bytes, over the limit 262144", packet.ErrMalformed},
		{"captured more than sent", edit(func(b []byte) { le.PutUint32(b[36:], 59) }),
			"read pcap: record 1: malformed header: captured length 60 bytes, over the original length 59", packet.ErrMalformed},
		{"microseconds overflow", edit(func(b []byte) { le.PutUint32(b[28:], 1e6) }),
			"read pcap: record 1: malformed header: timestamp fraction 1000000, want below 1000000", packet.ErrMalformed},
	} {
		recs, err := packet.ReadPcap(bytes.NewReader(tc.b))
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v, want %q wrapping %v", tc.name, err, tc.want, tc.is)
		}
		if recs != nil {
			t.Errorf("%s: %d records with the error", tc.name, len(recs))
		}
	}
}

// failAfter is a reader or writer that fails once n bytes have passed.
type failAfter struct {
	r io.Reader
	n int
}

var errBroken = errors.New("broken pipe")

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errBroken
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errBroken
	}
	f.n -= len(p)
	return len(p), nil
}

func TestPcapIOErrors(t *testing.T) {
	good := pcapFile(t)
	if _, err := packet.ReadPcap(&failAfter{r: bytes.NewReader(good), n: 30}); !errors.Is(err, errBroken) ||
		err.Error() != "read pcap: record 1: read header: broken pipe" {
		t.Errorf("ReadPcap from a failing reader: %v", err)
	}
	if _, err := packet.NewPcapngWriter(&failAfter{n: 10}); !errors.Is(err, errBroken) ||
		err.Error() != "write pcapng header: broken pipe" {
		t.Errorf("NewPcapngWriter to a failing writer: %v", err)
	}
	w, err := packet.NewPcapngWriter(&failAfter{n: 28})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Interface("lo"); !errors.Is(err, errBroken) || err.Error() != "write pcapng interface: broken pipe" {
		t.Errorf("Interface to a failing writer: %v", err)
	}
	w, err = packet.NewPcapngWriter(&failAfter{n: 28 + 40})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Interface("lo"); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(0, t0, []byte("x")); !errors.Is(err, errBroken) || err.Error() != "write pcapng packet: broken pipe" {
		t.Errorf("WritePacket to a failing writer: %v", err)
	}
}

func TestWritePacketRefuses(t *testing.T) {
	w, err := packet.NewPcapngWriter(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Interface("eth0"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		iface int
		at    time.Time
		data  []byte
		want  string
	}{
		{"before 1970", 0, time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), nil, "write pcapng packet: time 1969-12-31T23:59:59Z before 1970"},
		{"too long", 0, t0, make([]byte, 65536), "write pcapng packet: 65536 bytes, longer than an IPv4 packet can be"},
		{"no such interface", 1, t0, nil, "write pcapng packet: interface 1 not described"},
	} {
		if err := w.WritePacket(tc.iface, tc.at, tc.data); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := w.WritePacket(0, t0, make([]byte, 65535)); err != nil {
		t.Errorf("largest packet: %v", err)
	}
}

func TestReadPcapngErrors(t *testing.T) {
	var buf bytes.Buffer
	w, _ := packet.NewPcapngWriter(&buf)
	w.Interface("lo")
	w.WritePacket(0, t0, labSession()[0].pkt)
	good := buf.Bytes()
	le := binary.LittleEndian
	idb := 28 // where the blocks start
	epb := idb + int(le.Uint32(good[idb+4:]))
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
		is   error
	}{
		{"cut block", good[:epb+10], "read pcap: block 3: body truncated: 2 of 84 bytes", packet.ErrTruncated},
		{"huge block", edit(func(b []byte) { le.PutUint32(b[epb+4:], 1<<30) }),
			"read pcap: block 3: malformed header: block length 1073741824, want a multiple of 4 from 12 to 327680", packet.ErrMalformed},
		{"lengths differ", edit(func(b []byte) { le.PutUint32(b[len(b)-4:], 88) }),
			"read pcap: block 3: malformed header: block length 88 at its end, 92 at its start", packet.ErrMalformed},
		{"unknown interface", edit(func(b []byte) { le.PutUint32(b[epb+8:], 1) }),
			"read pcap: block 3: malformed header: interface 1 not described", packet.ErrMalformed},
		{"ethernet", edit(func(b []byte) { le.PutUint16(b[idb+8:], 1) }),
			"read pcap: block 2: malformed header: link type 1, want 101 (raw IP) or 228 (IPv4)", packet.ErrMalformed},
		{"captured more than the block", edit(func(b []byte) { le.PutUint32(b[epb+20:], 61); le.PutUint32(b[epb+24:], 61) }),
			"read pcap: block 3: packet data truncated: 60 of 61 bytes", packet.ErrTruncated},
		{"version 2", edit(func(b []byte) { le.PutUint16(b[12:], 2) }), "read pcap: block 1: malformed header: pcapng version 2.0, want 1.x", packet.ErrMalformed},
	} {
		recs, err := packet.ReadPcap(bytes.NewReader(tc.b))
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v, want %q wrapping %v", tc.name, err, tc.want, tc.is)
		}
		if recs != nil {
			t.Errorf("%s: %d records with the error", tc.name, len(recs))
		}
	}
}

func TestPcapngWriterConcurrent(t *testing.T) {
	// Blocks written from many goroutines come out whole.
	var buf bytes.Buffer
	w, err := packet.NewPcapngWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Interface("eth0"); err != nil {
		t.Fatal(err)
	}
	session := labSession()
	done := make(chan struct{})
	for _, s := range session {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := w.WritePacket(0, t0, s.pkt); err != nil {
				t.Error(err)
			}
		}()
	}
	for range session {
		<-done
	}
	recs, err := packet.ReadPcap(&buf)
	if err != nil || len(recs) != len(session) {
		t.Fatalf("read %d records, %v; want %d", len(recs), err, len(session))
	}
	for i, r := range recs {
		if _, err := packet.Decode(r.Data); err != nil {
			t.Errorf("record %d: %v", i+1, err)
		}
	}
}
