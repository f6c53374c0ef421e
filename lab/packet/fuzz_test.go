package packet_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/packet"
)

func FuzzDecode(f *testing.F) {
	for _, s := range labSession() {
		f.Add(s.pkt)
	}
	f.Add(buildTCPIP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", flags: fSYN, opts: cat(optSACK(1, 2, 3, 4), []byte{30, 3, 0})},
		ipOpts{options: []byte{0x94, 4, 0, 0}}))
	f.Add(buildTCPIP(tcpSeg{src: "10.0.0.2:1", dst: "10.0.0.1:2", payload: make([]byte, 30)}, ipOpts{frag: 0x2000}))
	f.Add([]byte{0x45})
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		p, err := packet.Decode(b)
		if !bytes.Equal(b, orig) {
			t.Fatal("Decode changed its input")
		}
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "decode ") || strings.ToLower(msg) != msg {
				t.Errorf("error %q: want lowercase, starting %q", msg, "decode ")
			}
			if !reflect.DeepEqual(p, lab.Packet{}) {
				t.Errorf("error %v with a packet %+v", err, p)
			}
			return
		}
		if p.Length != len(p.Data) || p.Length > len(b) || !bytes.Equal(p.Data, b[:p.Length]) {
			t.Fatalf("Data % x, length %d, from % x", p.Data, p.Length, b)
		}
		if n := btoi(p.TCP != nil) + btoi(p.UDP != nil) + btoi(p.ICMP != nil); n > 1 {
			t.Fatalf("%d transport headers", n)
		}
		again, err := packet.Decode(p.Data)
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("decoding Data again: %+v, %v; want %+v", again, err, p)
		}
		packet.Summarize(&p)
		if p.Summary == "" {
			t.Error("Summarize left an empty summary")
		}
		// A fresh tracker keeps each input's run deterministic; annotating
		// twice has the second run meet the state the first left.
		var tr packet.Tracker
		for range 2 {
			tr.Annotate(&p, t0)
			if p.Summary == "" {
				t.Error("Annotate left an empty summary")
			}
		}
	})
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func FuzzReadPcap(f *testing.F) {
	f.Add(pcapFile(f))
	var ng bytes.Buffer
	w, _ := packet.NewPcapngWriter(&ng)
	w.Interface("lo")
	w.WritePacket(0, t0, labSession()[0].pkt)
	f.Add(ng.Bytes())
	f.Add([]byte{0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 101})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := packet.ReadPcap(bytes.NewReader(b))
		if err != nil {
			if recs != nil || !strings.HasPrefix(err.Error(), "read pcap: ") {
				t.Errorf("error %v with %d records", err, len(recs))
			}
			return
		}
		if bytes.HasPrefix(b, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
			for _, r := range recs {
				if len(r.Data) > packet.MaxPcapRecord || r.OrigLen < len(r.Data) {
					t.Fatalf("record of %d bytes, originally %d", len(r.Data), r.OrigLen)
				}
			}
			return
		}
		total := 24
		for _, r := range recs {
			if len(r.Data) > packet.MaxPcapRecord || r.OrigLen < len(r.Data) {
				t.Fatalf("record of %d bytes, originally %d", len(r.Data), r.OrigLen)
			}
			total += 16 + len(r.Data)
		}
		if total != len(b) {
			t.Fatalf("records account for %d bytes of %d", total, len(b))
		}
	})
}
