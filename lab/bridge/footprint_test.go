package bridge

import (
	"encoding/json"
	"net/netip"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/packet"
)

// EventFootprint says what a decoded event holds, within a factor of the
// live heap it takes: measured over a hundred decoded copies of a full
// TCP segment's event, of a call's, and of a packet event whose options
// list is thousands of empty objects, the 16 KB that decode to 260 KB.
func TestEventFootprint(t *testing.T) {
	src, dst := netip.MustParseAddrPort("10.0.1.1:49152"), netip.MustParseAddrPort("10.0.0.1:7")
	seg := labtest.TCPWith(src.Addr(), dst.Addr(), header.TCPFields{SrcPort: src.Port(), DstPort: dst.Port(), SeqNum: 1, AckNum: 1,
		Flags: header.TCPFlagAck | header.TCPFlagPsh, WindowSize: 512}, func(opts []byte) int {
		n := header.EncodeNOP(opts)
		n += header.EncodeNOP(opts[n:])
		return n + header.EncodeTSOption(1, 2, opts[n:])
	}, make([]byte, 1400))
	p, err := packet.Decode(seg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	full := lab.Event{Seq: 1, Time: t0, Host: "10.0.1.1", Kind: lab.KindPacket, Packet: &p}
	call := lab.Event{Seq: 2, Time: t0, Host: "10.0.1.1", Kind: lab.KindCall, Call: &lab.Call{Socket: 3, Proto: "tcp", Name: "send",
		Args: []string{"b'" + strings.Repeat("a", 100) + "'"}, Result: "100", Local: src, Peer: dst, Start: t0, End: t0}}
	empty := `{"seq":3,"time":"2026-01-01T00:00:00Z","host":"10.0.1.1","kind":"packet","packet":{"tcp":{"options":{"list":[{}` +
		strings.Repeat(`,{}`, (MaxMirrorEvent-200)/3) + `]}}}}`
	for name, raw := range map[string][]byte{"a full segment": mustJSON(t, full), "a call": mustJSON(t, call), "empty objects": []byte(empty)} {
		const n = 100
		kept := make([]lab.Event, n)
		before := liveHeap()
		for i := range kept {
			if err := json.Unmarshal(raw, &kept[i]); err != nil {
				t.Fatal(err)
			}
		}
		// The slice's own events were there before: what they point to is
		// what decoding added.
		after := liveHeap()
		if after < before {
			// Other memory freed meanwhile (seen under -race): no measure.
			t.Logf("%s: the live heap shrank while decoding, %d → %d: not compared", name, before, after)
			continue
		}
		grew := float64(after-before)/n + float64(eventSize)
		fp := float64(EventFootprint(&kept[0]))
		runtime.KeepAlive(kept)
		t.Logf("%s: %d bytes of JSON, footprint %.0f, live heap %.0f an event", name, len(raw), fp, grew)
		if fp < grew/2 || fp > grew*2 {
			t.Errorf("%s: footprint %.0f bytes, but the live heap takes %.0f an event", name, fp, grew)
		}
		if name == "empty objects" && fp <= MaxMirrorFootprint {
			t.Errorf("%s: footprint %.0f bytes, within MaxMirrorFootprint", name, fp)
		}
		if name != "empty objects" && fp > MaxMirrorFootprint/4 {
			t.Errorf("%s: footprint %.0f bytes, near MaxMirrorFootprint", name, fp)
		}
	}
}

// eventSize is a lab.Event's own bytes.
var eventSize = EventFootprint(&lab.Event{})

func mustJSON(t *testing.T, e lab.Event) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// liveHeap is the bytes of live objects on the heap, after two
// collections.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
