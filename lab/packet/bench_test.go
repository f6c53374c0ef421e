package packet_test

import (
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/packet"
)

func BenchmarkDecode(b *testing.B) {
	conv := echoConversation()
	for _, bc := range []struct {
		name string
		pkt  []byte
	}{
		{"syn with options", conv[0].pkt},
		{"data", conv[3].pkt},
		{"udp", otherTraffic()[2].pkt},
		{"icmp unreachable", otherTraffic()[5].pkt},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.pkt)))
			for b.Loop() {
				if _, err := packet.Decode(bc.pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAnnotate(b *testing.B) {
	var pkts []lab.Packet
	for _, s := range echoConversation() {
		pkts = append(pkts, mustDecode(b, s.pkt))
	}
	tr := packet.NewTracker()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tr.Annotate(&pkts[i%len(pkts)], t0)
		i++
	}
}
