package packet_test

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/packet"
)

// annotate decodes and annotates b with tr.
func annotate(t testing.TB, tr *packet.Tracker, b []byte) lab.Packet {
	t.Helper()
	p := mustDecode(t, b)
	tr.Annotate(&p, t0)
	return p
}

// checkSteps annotates the steps in order with tr and checks each summary
// and relative number.
func checkSteps(t *testing.T, tr *packet.Tracker, steps []step) {
	t.Helper()
	for i, s := range steps {
		p := annotate(t, tr, s.pkt)
		if p.Summary != s.summary {
			t.Errorf("packet %d: summary\n%s\nwant\n%s", i+1, p.Summary, s.summary)
		}
		if p.TCP != nil && (p.TCP.RelSeq != s.relSeq || p.TCP.RelAck != s.relAck) {
			t.Errorf("packet %d: relative seq %d ack %d, want %d %d", i+1, p.TCP.RelSeq, p.TCP.RelAck, s.relSeq, s.relAck)
		}
	}
}

func TestTrackerSession(t *testing.T) {
	checkSteps(t, packet.NewTracker(), labSession())
}

func TestTrackerZeroValue(t *testing.T) {
	var tr packet.Tracker
	checkSteps(t, &tr, echoConversation())
}

func TestTrackerPacketSeenTwice(t *testing.T) {
	// A packet seen twice (the wire duplicated it) is numbered the same way
	// twice, and its second copy is judged as tshark judges a capture
	// holding it twice: the copy of a segment with data is a retransmission.
	var tr packet.Tracker
	for i, s := range labSession() {
		for copy := range 2 {
			p := annotate(t, &tr, s.pkt)
			if got, want := withoutAnalysis(p.Summary), withoutAnalysis(s.summary); got != want {
				t.Errorf("packet %d: summary %q, want %q", i+1, got, want)
			}
			if copy == 1 && p.TCP != nil && p.TCP.PayloadLen > 0 && len(p.Analysis) == 0 {
				t.Errorf("packet %d: its copy has no analysis: %q", i+1, p.Summary)
			}
		}
	}
}

// analysisPrefix matches the labels of the TCP analysis before a summary.
var analysisPrefix = regexp.MustCompile(`^(\[[^\]]*\] )+`)

// withoutAnalysis is a summary without the TCP analysis's labels.
func withoutAnalysis(summary string) string {
	return analysisPrefix.ReplaceAllString(summary, "")
}

func TestTrackerInterleavedConnections(t *testing.T) {
	// Two connections' packets interleaved: each keeps its own numbering.
	a := echoConversation()
	b := retarget(echoConversation(), "49152", "50000")
	var tr packet.Tracker
	for i := range a {
		checkSteps(t, &tr, []step{a[i], b[i]})
	}
}

// retarget moves the client of a conversation to another port, fixing the
// summaries to match.
func retarget(steps []step, from, to string) []step {
	var out []step
	for _, s := range steps {
		p, err := packet.Decode(s.pkt)
		if err != nil {
			panic(err)
		}
		tc := tcpSeg{src: p.Src, dst: p.Dst, seq: p.TCP.Seq, ack: p.TCP.Ack, flags: p.TCP.Flags.Bits,
			win: p.TCP.Window, opts: p.Data[40 : p.IPv4.IHL+p.TCP.DataOffset], payload: p.Data[p.IPv4.IHL+p.TCP.DataOffset:]}
		tc.src, tc.dst = replacePort(tc.src, from, to), replacePort(tc.dst, from, to)
		s.pkt = buildTCP(tc)
		s.summary = replacePort(s.summary, from, to)
		out = append(out, s)
	}
	return out
}

// replacePort replaces the first port from in s.
func replacePort(s, from, to string) string {
	for i := 0; i+len(from) <= len(s); i++ {
		if s[i:i+len(from)] == from {
			return s[:i] + to + s[i+len(from):]
		}
	}
	return s
}

func TestTrackerMidStream(t *testing.T) {
	checkSteps(t, packet.NewTracker(), midStream())
}

func TestTrackerNewSYNStartsAfresh(t *testing.T) {
	conv := echoConversation()
	tr := packet.NewTracker()
	checkSteps(t, tr, conv)
	// A retransmitted SYN of a connection keeps its numbering.
	for _, s := range []step{conv[0], conv[2]} {
		if p := annotate(t, tr, s.pkt); withoutAnalysis(p.Summary) != s.summary {
			t.Errorf("again: %q, want %q", p.Summary, s.summary)
		}
	}
	// The same ports with a new ISN: a new connection, refused; the RST is
	// the server's first packet, so it counts as Seq=1.
	cli, srv := client+":49152", server+":7"
	checkSteps(t, tr, []step{
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 777, flags: fSYN, win: 1000}),
			"49152 → 7 [SYN] Seq=0 Win=1000 Len=0", 0, 0},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: 1, ack: 778, flags: fRST | fACK}),
			"7 → 49152 [RST, ACK] Seq=1 Ack=1 Win=0 Len=0", 1, 1},
	})
}

func TestTrackerWindowScaling(t *testing.T) {
	cli, srv := client+":49160", server+":7"
	for _, tc := range []struct {
		name           string
		cliWS, srvWS   []byte
		cliWin, srvWin string
	}{
		{"both offer", optWS(2), optWS(14), "Win=400", "Win=1638400"},
		{"shift above 14 counts as 14", optWS(2), optWS(15), "Win=400", "Win=1638400"},
		{"server declines", optWS(2), nil, "Win=100", "Win=100"},
		{"client does not offer", nil, optWS(3), "Win=100", "Win=100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := packet.NewTracker()
			annotate(t, tr, buildTCP(tcpSeg{src: cli, dst: srv, seq: 10, flags: fSYN, win: 100, opts: tc.cliWS}))
			annotate(t, tr, buildTCP(tcpSeg{src: srv, dst: cli, seq: 20, ack: 11, flags: fSYN | fACK, win: 100, opts: tc.srvWS}))
			c := annotate(t, tr, buildTCP(tcpSeg{src: cli, dst: srv, seq: 11, ack: 21, flags: fACK, win: 100}))
			s := annotate(t, tr, buildTCP(tcpSeg{src: srv, dst: cli, seq: 21, ack: 11, flags: fACK, win: 100}))
			want := fmt.Sprintf("49160 → 7 [ACK] Seq=1 Ack=1 %s Len=0|7 → 49160 [ACK] Seq=1 Ack=1 %s Len=0", tc.cliWin, tc.srvWin)
			if got := c.Summary + "|" + withoutAnalysis(s.Summary); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestTrackerSACK(t *testing.T) {
	checkSteps(t, packet.NewTracker(), sackExchange())
}

func TestTrackerForgetsLeastRecentlySeen(t *testing.T) {
	tr := packet.NewTracker()
	addr := func(port int) string { return fmt.Sprintf("%s:%d", client, port) }
	syn := func(port int) []byte {
		return buildTCP(tcpSeg{src: addr(port), dst: server + ":7", seq: 1000, flags: fSYN})
	}
	// relSeq annotates a packet 6 bytes into port's connection: Seq=6 if
	// the tracker remembers the SYN, Seq=1 if it counts the connection
	// afresh.
	relSeq := func(port int) uint32 {
		p := annotate(t, tr, buildTCP(tcpSeg{src: addr(port), dst: server + ":7", seq: 1006, ack: 1, flags: fACK}))
		return p.TCP.RelSeq
	}
	const first = 10000
	for i := range packet.MaxConnections {
		annotate(t, tr, syn(first+i))
	}
	if got := relSeq(first + 1); got != 6 { // now the most recently seen
		t.Errorf("connection 1: Seq=%d, want 6", got)
	}
	annotate(t, tr, syn(first+packet.MaxConnections)) // one too many: 0 goes
	if got := relSeq(first); got != 1 {               // and 2 goes for it
		t.Errorf("connection 0, least recently seen: Seq=%d, want 1", got)
	}
	// Looking up a forgotten connection adds it, pushing out another, so
	// the one forgotten comes last.
	for _, c := range []struct {
		port int
		want uint32
	}{{first + 1, 6}, {first + 3, 6}, {first + packet.MaxConnections, 6}, {first + 2, 1}} {
		if got := relSeq(c.port); got != c.want {
			t.Errorf("connection %d: Seq=%d, want %d", c.port-first, got, c.want)
		}
	}
}

func TestTrackerConcurrent(t *testing.T) {
	// Goroutines annotating their own connections through one tracker get
	// the same numbers as alone; -race checks the locking.
	tr := packet.NewTracker()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for round := range 20 {
				steps := retarget(echoConversation(), "49152", fmt.Sprint(50000+100*g+round))
				for i, s := range steps {
					p, err := packet.Decode(s.pkt)
					if err != nil {
						t.Error(err)
						return
					}
					tr.Annotate(&p, t0)
					if p.Summary != s.summary {
						t.Errorf("goroutine %d packet %d: %q, want %q", g, i+1, p.Summary, s.summary)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestTrackerWindowsAndSACK checks the calculated windows, their scaling
// factors and the SACK option's relative edges, as Wireshark has them.
func TestTrackerWindowsAndSACK(t *testing.T) {
	var tr packet.Tracker
	type want struct {
		win   uint32
		scale int
	}
	var got []want
	var sack string
	for _, s := range slices.Concat(echoConversation()[:3], midStream()[:1], sackExchange()) {
		p := annotate(t, &tr, s.pkt)
		got = append(got, want{p.TCP.CalcWindow, p.TCP.WindowScale})
		for _, o := range p.TCP.Options.List {
			if o.Kind == 5 {
				sack = o.Value
			}
		}
	}
	if w := []want{
		{64240, lab.WindowScaleUnknown}, {65160, lab.WindowScaleUnknown}, {502 << 7, 128}, // SYN, SYN-ACK, ACK
		{502, lab.WindowScaleUnknown}, // mid-stream
		{64240, lab.WindowScaleUnknown}, {65160, lab.WindowScaleUnknown}, {64240, lab.WindowScaleNone}, {64240, lab.WindowScaleNone}, {65160, lab.WindowScaleNone},
	}; !slices.Equal(got, w) {
		t.Errorf("windows and scales\n%v\nwant\n%v", got, w)
	}
	if sack != "1461-2921" {
		t.Errorf("SACK option's value %q, want the edges relative to the client's ISN, 1461-2921", sack)
	}
}
