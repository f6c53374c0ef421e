package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
)

// runWire runs an example script with a capture and a trace, and returns
// its transcript, the capture's path and the trace.
func runWire(t *testing.T, script string) (string, string, []lab.Event) {
	t.Helper()
	dir := t.TempDir()
	pcap, trace := filepath.Join(dir, "run.pcap"), filepath.Join(dir, "run.jsonl")
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"run", script, "--pcap", pcap, "--trace", trace}, nil, &out, &errs); code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
	}
	f, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []lab.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e lab.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	return out.String(), pcap, events
}

// wireCount counts the trace's wire events of an action.
func wireCount(events []lab.Event, action lab.WireAction) int {
	n := 0
	for _, e := range events {
		if e.Kind == lab.KindWire && e.Wire.Action == action {
			n++
		}
	}
	return n
}

// A TCP echo of 20 lines over a wire losing 30% of packets (seed 1) gets
// all 20 back; the capture shows TCP's retransmissions, as tshark sees
// them.
func TestRunLossyEcho(t *testing.T) {
	t.Parallel()
	out, pcap, events := runWire(t, "examples/lossy-echo.lab")
	for i := 1; i <= 20; i++ {
		if want := fmt.Sprintf(">>> s.recv(1024)\nb'line %d\\n'\n", i); !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if n := wireCount(events, lab.WireDropped); n == 0 {
		t.Error("the trace has no wire event for a lost packet")
	}
	tshark := labtest.Need(t, "tshark", "tshark", "the lossy echo's retransmissions")
	listing, err := exec.Command(tshark, "-r", pcap, "-Y", "tcp.analysis.retransmission").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(listing)) == "" {
		t.Error("tshark finds no retransmission in the capture")
	}
	t.Logf("%d packets lost; tshark's retransmissions:\n%s", wireCount(events, lab.WireDropped), listing)
}

// UDP over the same wire loses datagrams for good: recvfrom under
// settimeout raises TimeoutError, on the same lines every run.
func TestRunLossyUDP(t *testing.T) {
	t.Parallel()
	out, _, events := runWire(t, "examples/lossy-udp.lab")
	if n := strings.Count(out, "TimeoutError: timed out"); n == 0 || n != wireCount(events, lab.WireDropped) {
		t.Errorf("%d timeouts, %d datagrams lost:\n%s", n, wireCount(events, lab.WireDropped), out)
	}
}

// wire.delay(0.3) delays each packet 0.3 s each way: every round trip in
// the trace, from a segment the host sends to the first one that
// acknowledges it, takes at least 0.6 s.
func TestRunSlowEcho(t *testing.T) {
	t.Parallel()
	_, _, events := runWire(t, "examples/slow-echo.lab")
	trips := 0
	for i, e := range events {
		p := e.Packet
		if e.Kind != lab.KindPacket || p.Dir != lab.Out || p.TCP == nil {
			continue
		}
		n := uint32(p.TCP.PayloadLen)
		if p.TCP.Flags.SYN || p.TCP.Flags.FIN {
			n++
		}
		if n == 0 {
			continue
		}
		for _, r := range events[i+1:] {
			q := r.Packet
			if r.Kind == lab.KindPacket && q.Dir == lab.In && q.TCP != nil && q.TCP.Flags.ACK && int32(q.TCP.Ack-(p.TCP.Seq+n)) >= 0 {
				trips++
				if d := r.Time.Sub(e.Time); d < 600*time.Millisecond {
					t.Errorf("%s\nacknowledged after %v: %s", p.Summary, d, q.Summary)
				}
				break
			}
		}
	}
	if trips < 5 {
		t.Errorf("%d round trips in the trace, want the handshake's, 3 lines' and the FIN's", trips)
	}
}
