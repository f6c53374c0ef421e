package packet_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/packet"
)

// tsharkFields are the fields TestTshark asks tshark for, in order.
var tsharkFields = []string{
	"frame.number", "ip.src", "ip.dst",
	"tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.flags.str", "tcp.seq", "tcp.ack",
	"tcp.window_size", "tcp.window_size_scalefactor", "tcp.option_kind", "tcp.option_len",
	"udp.srcport", "udp.dstport", "udp.length",
	"icmp.type", "icmp.code", "_ws.col.Info",
}

// TestTshark writes the lab session to a pcap file, has tshark (Wireshark)
// read it, and checks that tshark sees the packets, flags, relative
// sequence numbers and Info column that Decode and a Tracker produce.
func TestTshark(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the decoder against Wireshark")

	path, ours := writeCapture(t, labSession())
	args := []string{"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, field := range tsharkFields {
		args = append(args, "-e", field)
	}
	out := runTshark(t, tshark, path, args...)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(ours) {
		t.Fatalf("tshark lists %d packets, we wrote %d:\n%s", len(lines), len(ours), out)
	}
	for i, line := range lines {
		values := strings.Split(line, "\t")
		if len(values) != len(tsharkFields) {
			t.Fatalf("tshark line %q: %d fields, want %d", line, len(values), len(tsharkFields))
		}
		// Each field lists its occurrences: an ICMP error holds a second
		// IPv4 header and a transport header, those of the quoted datagram.
		got := map[string][]string{}
		for j, field := range tsharkFields {
			switch field {
			case "_ws.col.Info":
				got[field] = []string{comparableInfo(values[j])}
			case "tcp.option_kind", "tcp.option_len":
				got[field] = []string{values[j]} // every occurrence: the options in order
			default:
				got[field] = strings.Split(values[j], ",")
			}
		}
		p := &ours[i]
		for field, want := range tsharkView(i+1, p) {
			if g := got[field][0]; g != want {
				t.Errorf("packet %d %s: tshark says %q, we say %q", i+1, field, g, want)
			}
		}
		if p.ICMP != nil && p.ICMP.Original != "" {
			if want := quoted(got); p.ICMP.Original != want {
				t.Errorf("packet %d: original %q, tshark sees %q", i+1, p.ICMP.Original, want)
			}
		}
	}
}

// TestTsharkNames compares the names and values of TCP options and the
// names of ICMP messages with the lines tshark -V prints for them.
func TestTsharkNames(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the decoder's names against Wireshark's")
	steps := labSession()
	// ICMP messages of the types socketlab names, and of one it does not.
	for _, m := range [][2]uint8{{4, 0}, {5, 1}, {10, 0}, {11, 1}, {12, 1}, {13, 0}, {15, 0}, {17, 0}, {18, 0}, {3, 13}, {3, 99}, {99, 0}} {
		steps = append(steps, step{pkt: buildICMP(server, client, m[0], m[1], [4]byte{}, make([]byte, 12))})
	}
	// Type 9 is left out: tshark 4.0 shows even a plain router
	// advertisement (RFC 1256) as "Mobile IP Advertisement".
	path, ours := writeCapture(t, steps)
	frames := strings.Split(runTshark(t, tshark, path, "-V"), "\nFrame ")
	if len(frames) != len(ours) {
		t.Fatalf("tshark -V shows %d frames, we wrote %d", len(frames), len(ours))
	}
	for i, frame := range frames {
		var got, want []string
		p := &ours[i]
		for _, line := range strings.Split(frame, "\n") {
			// The top level's ICMP lines (a quoted datagram's are deeper;
			// TFTP's transfer type is a "Type:" too).
			icmp := p.ICMP != nil && (strings.HasPrefix(line, "    Type: ") || strings.HasPrefix(line, "    Code: "))
			if strings.HasPrefix(line, "        TCP Option - ") || icmp {
				got = append(got, strings.TrimSpace(line))
			}
		}
		if p.TCP != nil {
			for _, o := range p.TCP.Options.List {
				line := "TCP Option - " + o.Name
				switch {
				case o.Value == "":
				case o.Kind == 5:
					line += " " + o.Value
				default:
					line += ": " + o.Value
				}
				want = append(want, line)
			}
		}
		if m := p.ICMP; m != nil {
			want = append(want, fmt.Sprintf("Type: %d (%s)", m.Type, m.TypeName), fmt.Sprintf("Code: %d", m.Code))
			if m.CodeName != "" {
				want[len(want)-1] += " (" + m.CodeName + ")"
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("frame %d: tshark -V shows\n%s\nwe say\n%s", i+1, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// writeCapture writes the packets of steps to a pcapng file, a millisecond
// apart, and returns its path and the packets as a Tracker annotates them.
func writeCapture(t *testing.T, steps []step) (string, []lab.Packet) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "session.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := packet.NewPcapngWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Interface("eth0"); err != nil {
		t.Fatal(err)
	}
	var ours []lab.Packet
	tr := packet.NewTracker()
	for i, s := range steps {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		if err := w.WritePacket(0, at, s.pkt); err != nil {
			t.Fatal(err)
		}
		p := mustDecode(t, s.pkt)
		tr.Annotate(&p, at)
		ours = append(ours, p)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ours
}

// runTshark has tshark read the capture at path, with relative sequence
// numbers and args, and returns what it prints.
func runTshark(t *testing.T, tshark, path string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	args = append([]string{"-n", "-r", path,
		// Port 7's echo dissector would replace TCP's Info column.
		"--disable-protocol", "echo",
		"-o", "tcp.relative_sequence_numbers:TRUE",
		"-o", "tcp.analyze_sequence_numbers:TRUE"}, args...)
	cmd := exec.CommandContext(ctx, tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // as root tshark warns there; only shown on failure
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.Bytes())
	}
	return string(out)
}

// tsharkView is what tshark should print for p, frame n, by field: the
// first occurrence of each, absent ones as "". For an ICMP error the
// transport fields are the quoted datagram's, left out here.
func tsharkView(n int, p *lab.Packet) map[string]string {
	v := map[string]string{
		"frame.number": strconv.Itoa(n),
		"ip.src":       p.IPv4.Src,
		"ip.dst":       p.IPv4.Dst,
		"_ws.col.Info": p.Summary,
	}
	for _, f := range tsharkFields {
		if _, ok := v[f]; !ok && (p.ICMP == nil || strings.HasPrefix(f, "icmp.")) {
			v[f] = ""
		}
	}
	if t := p.TCP; t != nil {
		v["tcp.srcport"], v["tcp.dstport"] = itoa(t.SrcPort), itoa(t.DstPort)
		v["tcp.flags"] = fmt.Sprintf("0x%04x", t.Flags.Bits)
		v["tcp.flags.str"] = flagString(t.Flags)
		v["tcp.window_size"] = itoa(t.CalcWindow)
		// Wireshark has no scaling factor for a SYN.
		if !t.Flags.SYN {
			v["tcp.window_size_scalefactor"] = strconv.Itoa(t.WindowScale)
		}
		var kinds, lens []string
		for _, o := range t.Options.List {
			kinds = append(kinds, itoa(o.Kind))
			if o.Length > 1 {
				lens = append(lens, strconv.Itoa(o.Length))
			}
		}
		v["tcp.option_kind"], v["tcp.option_len"] = strings.Join(kinds, ","), strings.Join(lens, ",")
		v["tcp.seq"] = itoa(t.RelSeq)
		// Without the ACK flag tshark shows the raw number, which means
		// nothing; RelAck is then 0.
		v["tcp.ack"] = itoa(t.Ack)
		if t.Flags.ACK {
			v["tcp.ack"] = itoa(t.RelAck)
		}
	}
	if u := p.UDP; u != nil {
		v["udp.srcport"], v["udp.dstport"], v["udp.length"] = itoa(u.SrcPort), itoa(u.DstPort), itoa(u.Length)
	}
	if m := p.ICMP; m != nil {
		v["icmp.type"], v["icmp.code"] = itoa(m.Type), itoa(m.Code)
	}
	return v
}

// quoted is how ICMP.Original should summarise the datagram quoted in an
// ICMP error, from what tshark decoded of it.
func quoted(got map[string][]string) string {
	src, dst := got["ip.src"][1], got["ip.dst"][1]
	for _, proto := range []string{"tcp", "udp"} {
		if sport := got[proto+".srcport"][0]; sport != "" {
			return src + ":" + sport + " → " + dst + ":" + got[proto+".dstport"][0] + " " + strings.ToUpper(proto)
		}
	}
	return src + " → " + dst
}

// itoa formats an unsigned number in decimal.
func itoa[T uint8 | uint16 | uint32](n T) string { return strconv.FormatUint(uint64(n), 10) }

// flagString is tcp.flags.str: twelve characters, from the reserved bits to
// FIN, each a letter if set and a middle dot if not.
func flagString(f lab.TCPFlags) string {
	s := []rune("RRRACEUAPRSF")
	for i := range s {
		if f.Bits&(0x800>>i) == 0 {
			s[i] = '·'
		}
	}
	return string(s)
}

// conversation matches what Wireshark adds to the Info column from the
// conversation as a whole, which a packet's summary cannot know: " (reply
// in 16)" after.
var conversation = regexp.MustCompile(` \((request|reply) in \d+\)$| \(no response found!\)$`)

// dupAckFrame matches the frame number in Wireshark's "[TCP Dup ACK 5#1]":
// the frame of the ACK repeated. A summary is written when its packet is
// seen, before any capture numbers frames, and says "[TCP Dup ACK #1]".
var dupAckFrame = regexp.MustCompile(`\[TCP Dup ACK \d+#`)

// comparableInfo is an Info column from tshark without what a summary
// cannot know.
func comparableInfo(info string) string {
	return dupAckFrame.ReplaceAllString(conversation.ReplaceAllString(info, ""), "[TCP Dup ACK #")
}

// TestTsharkInterfaces writes a trace whose packets were seen on a host's
// link and on its loopback, and checks that tshark reads each packet on
// the interface the trace says, as ReadPcap does.
func TestTsharkInterfaces(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the capture's interfaces against Wireshark")
	var events []lab.Event
	var want []string
	for i, s := range labSession()[:8] {
		iface := []string{"lo", "eth0", "lo"}[i%3] // lo first: ids follow first appearance
		p := mustDecode(t, s.pkt)
		p.Interface = iface
		events = append(events, lab.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Kind: lab.KindPacket, Packet: &p})
		want = append(want, iface)
	}
	var buf bytes.Buffer
	if err := packet.WriteTrace(&buf, events); err != nil {
		t.Fatal(err)
	}
	recs, err := packet.ReadPcap(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	for _, r := range recs {
		read = append(read, r.Interface)
	}
	if !slices.Equal(read, want) {
		t.Errorf("ReadPcap reads interfaces %q, want %q", read, want)
	}
	path := filepath.Join(t.TempDir(), "two.pcapng")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runTshark(t, tshark, path, "-T", "fields", "-e", "frame.interface_name", "-e", "frame.interface_id", "-e", "frame.time_epoch")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("tshark lists %d packets, we wrote %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		f := strings.Split(line, "\t")
		id := map[string]string{"lo": "0", "eth0": "1"}[want[i]]
		at := events[i].Time
		epoch := fmt.Sprintf("%d.%09d", at.Unix(), at.Nanosecond())
		if len(f) != 3 || f[0] != want[i] || f[1] != id || f[2] != epoch {
			t.Errorf("packet %d: tshark says %q, want %s (id %s) at %s", i+1, f, want[i], id, epoch)
		}
	}
}
