package packet_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/room"
)

// analysisLabels are the tcp.analysis fields a Tracker labels, in the
// order TestTsharkAnalysis asks tshark for them.
var analysisLabels = []string{
	packet.Retransmission, packet.FastRetransmission, packet.SpuriousRetransmission,
	packet.OutOfOrder, packet.LostSegment, packet.AckLostSegment, packet.WindowUpdate,
	packet.WindowFull, packet.KeepAlive, packet.KeepAliveAck, packet.DuplicateAck,
	packet.ZeroWindowProbe, packet.ZeroWindow, packet.ZeroWindowProbeAck,
}

// echoMany sends 30,000 bytes to the echo service; runLab reads them back.
const echoMany = `s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 7))
s.sendall(b"0123456789" * 3000)
s.settimeout(2)
`

// TestTsharkAnalysis runs lab sessions over a misbehaving wire (loss,
// reordering, duplication; a receiver that does not read, for a zero
// window), writes each one's capture, and checks that tshark's TCP
// analysis (-Y tcp.analysis.flags, and each tcp.analysis field) labels
// the same packets as the Tracker did, packet by packet, with the same
// Info column. Deliberate difference: a duplicate ACK's summary says
// "[TCP Dup ACK #2]" where tshark says "[TCP Dup ACK 17#2]", frame 17
// being the ACK repeated (comparableInfo).
func TestTsharkAnalysis(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the TCP analysis against Wireshark's")
	for _, tc := range []struct {
		name, script string
		want         []string // labels the session always shows, so that it tests them
	}{
		{"loss", "wire.seed(1)\nwire.loss(0.3)\n" + strings.Replace(echoMany, "3000", "300", 1),
			[]string{packet.Retransmission, packet.DuplicateAck}},
		{"reorder", "wire.seed(3)\nwire.reorder(0.3)\n" + echoMany,
			[]string{packet.OutOfOrder, packet.DuplicateAck, packet.LostSegment}},
		{"duplicate", "wire.seed(2)\nwire.duplicate(0.3)\n" + echoMany,
			[]string{packet.Retransmission, packet.DuplicateAck}},
		{"zero window", `s = socket(AF_INET, SOCK_STREAM)
s.connect(("10.0.0.1", 7))
s.settimeout(1)
data = b"0123456789" * 100000
` + strings.Repeat("s.sendall(data)\n", 6), []string{packet.ZeroWindow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours, path := runLab(t, tc.script)
			args := []string{"-T", "fields", "-E", "separator=/t", "-e", "frame.number", "-e", "tcp.analysis.flags",
				"-e", "tcp.analysis.duplicate_ack_num", "-e", "_ws.col.Info"}
			for _, l := range analysisLabels {
				args = append(args, "-e", "tcp.analysis."+l)
			}
			lines := strings.Split(strings.TrimSuffix(runTshark(t, tshark, path, args...), "\n"), "\n")
			if len(lines) != len(ours) {
				t.Fatalf("tshark lists %d packets, the trace has %d", len(lines), len(ours))
			}
			flagged := map[string]bool{}
			for _, line := range strings.Split(runTshark(t, tshark, path, "-Y", "tcp.analysis.flags", "-T", "fields", "-e", "frame.number"), "\n") {
				flagged[line] = line != ""
			}
			seen := map[string]bool{}
			for i, line := range lines {
				f := strings.Split(line, "\t")
				p := &ours[i]
				var theirs []string
				for j, l := range analysisLabels {
					if f[4+j] != "" {
						theirs = append(theirs, l)
					}
				}
				// Wireshark's expert info marks a fast or spurious
				// retransmission a retransmission too.
				if slices.Contains(theirs, packet.FastRetransmission) || slices.Contains(theirs, packet.SpuriousRetransmission) {
					theirs = slices.DeleteFunc(theirs, func(l string) bool { return l == packet.Retransmission })
				}
				for _, l := range p.Analysis {
					seen[l] = true
				}
				if !slices.Equal(p.Analysis, theirs) || flagged[f[0]] != (len(p.Analysis) > 0) {
					t.Errorf("packet %s: we say %q, tshark %q (flagged %v)\n ours:   %s\n tshark: %s", f[0], p.Analysis, theirs, flagged[f[0]], p.Summary, f[3])
					continue
				}
				if dup := strconv.Itoa(p.TCP.DupAck); f[2] != dup && (f[2] != "" || p.TCP.DupAck != 0) {
					t.Errorf("packet %s: duplicate ACK #%d, tshark #%s", f[0], p.TCP.DupAck, f[2])
				}
				if want := comparableInfo(f[3]); p.Summary != want {
					t.Errorf("packet %s: summary\n%s\ntshark\n%s", f[0], p.Summary, want)
				}
			}
			for _, l := range tc.want {
				if !seen[l] {
					t.Errorf("no packet labelled %s: the session no longer shows it (it shows %v)", l, seen)
				}
			}
		})
	}
}

// runLab runs script's lines in a lab of its own, as socketlab run does,
// then reads from s until a read times out, and returns the packets of
// the student's trace and the path of its capture. A line that times out
// ends the script: a receiver that does not read stops a sender.
func runLab(t *testing.T, script string) ([]lab.Packet, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	l, err := room.NewLab(room.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	lines := strings.Split(strings.TrimSpace(script), "\n")
	for i := 0; i < 1000; i++ {
		line := "s.recv(65536)"
		if i < len(lines) {
			line = lines[i]
		}
		res := l.Console.Exec(ctx, line)
		if res.Exception == "TimeoutError" {
			break
		}
		if res.Exception != "" {
			t.Fatalf("%s: %s", line, res.Error)
		}
	}
	l.Console.Close()
	if err := l.Room.WaitQuiet(ctx); err != nil {
		t.Fatal(err)
	}
	events := l.Host.Trace().Events()
	path := filepath.Join(t.TempDir(), "lab.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := packet.WriteTrace(f, events); err != nil {
		t.Fatal(err)
	}
	var ours []lab.Packet
	for _, e := range events {
		if e.Kind == lab.KindPacket {
			ours = append(ours, *e.Packet)
		}
	}
	return ours, path
}
