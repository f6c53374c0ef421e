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

func TestPcapRoundTrip(t *testing.T) {
	for _, nanos := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := packet.NewPcapWriter(&buf, nanos)
		if err != nil {
			t.Fatal(err)
		}
		pkts := [][]byte{{}} // an empty record is legal
		for _, s := range labSession() {
			pkts = append(pkts, s.pkt)
		}
		var want []packet.PcapRecord
		for i, pkt := range pkts {
			at := t0.Add(time.Duration(i) * 1234567 * time.Nanosecond)
			if err := w.WritePacket(at, pkt); err != nil {
				t.Fatal(err)
			}
			if !nanos {
				at = at.Truncate(time.Microsecond)
			}
			want = append(want, packet.PcapRecord{Time: at, Data: pkt, OrigLen: len(pkt)})
		}

		header := buf.Bytes()[:24]
		magic := []byte{0xd4, 0xc3, 0xb2, 0xa1}
		if nanos {
			magic = []byte{0x4d, 0x3c, 0xb2, 0xa1}
		}
		wantHeader := append(magic, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0)
		if !bytes.Equal(header, wantHeader) {
			t.Errorf("nanos %v: header % x, want % x", nanos, header, wantHeader)
		}
		got, err := packet.ReadPcap(&buf)
		if err != nil {
			t.Fatalf("nanos %v: ReadPcap: %v", nanos, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("nanos %v: read back %d records, differing from the %d written", nanos, len(got), len(want))
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
	var buf bytes.Buffer
	w, err := packet.NewPcapWriter(&buf, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range labSession()[:2] {
		if err := w.WritePacket(t0, s.pkt); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
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
		{"bad magic", edit(func(b []byte) { copy(b, "GIF8") }), "read pcap: malformed header: magic number 0x47494638, not a pcap file", packet.ErrMalformed},
		{"pcapng", edit(func(b []byte) { be := binary.BigEndian; be.PutUint32(b, 0x0a0d0d0a) }), "read pcap: malformed header: magic number 0x0a0d0d0a, not a pcap file", packet.ErrMalformed},
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
	if _, err := packet.NewPcapWriter(&failAfter{n: 10}, false); !errors.Is(err, errBroken) ||
		err.Error() != "write pcap header: broken pipe" {
		t.Errorf("NewPcapWriter to a failing writer: %v", err)
	}
	w, err := packet.NewPcapWriter(&failAfter{n: 24}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(t0, []byte("x")); !errors.Is(err, errBroken) || err.Error() != "write pcap record: broken pipe" {
		t.Errorf("WritePacket to a failing writer: %v", err)
	}
}

func TestWritePacketRefuses(t *testing.T) {
	w, err := packet.NewPcapWriter(io.Discard, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		data []byte
		want string
	}{
		{"before 1970", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), nil, "write pcap record: time 1969-12-31T23:59:59Z outside the years 1970 to 2106 pcap can hold"},
		{"after 2106", time.Date(2106, 2, 8, 0, 0, 0, 0, time.UTC), nil, "write pcap record: time 2106-02-08T00:00:00Z outside the years 1970 to 2106 pcap can hold"},
		{"too long", t0, make([]byte, 65536), "write pcap record: 65536 bytes, longer than an IPv4 packet can be"},
	} {
		if err := w.WritePacket(tc.at, tc.data); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := w.WritePacket(t0, make([]byte, 65535)); err != nil {
		t.Errorf("largest packet: %v", err)
	}
}

func TestPcapWriterConcurrent(t *testing.T) {
	// Records written from many goroutines come out whole.
	var buf bytes.Buffer
	w, err := packet.NewPcapWriter(&buf, false)
	if err != nil {
		t.Fatal(err)
	}
	session := labSession()
	done := make(chan struct{})
	for _, s := range session {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := w.WritePacket(t0, s.pkt); err != nil {
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
