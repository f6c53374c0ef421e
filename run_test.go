package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
)

func TestRunExamples(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		script string
		shows  []string // in the transcript
	}{
		{"examples/tcp-echo.lab", []string{">>> s.recv(1024)\nb'hello\\n'\n"}},
		{"examples/udp-echo.lab", []string{">>> data\nb'one'\n", ">>> addr\n('10.0.0.1', 7)\n", "(b'two', ('10.0.0.1', 7))"}},
		{"examples/closed-port.lab", []string{"ConnectionRefusedError: [Errno 111] Connection refused"}},
	} {
		t.Run(filepath.Base(tc.script), func(t *testing.T) {
			pcap := filepath.Join(dir, filepath.Base(tc.script)+".pcap")
			trace := filepath.Join(dir, filepath.Base(tc.script)+".jsonl")
			var out, errs bytes.Buffer
			code := run(context.Background(), []string{"run", tc.script, "--pcap", pcap, "--trace", trace}, nil, &out, &errs)
			if code != 0 {
				t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
			}
			for _, s := range tc.shows {
				if !strings.Contains(out.String(), s) {
					t.Errorf("transcript lacks %q:\n%s", s, out.String())
				}
			}
			f, err := os.Open(trace)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			kinds := map[lab.Kind]int{}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var e lab.Event
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("trace line %q: %v", sc.Text(), err)
				}
				kinds[e.Kind]++
			}
			if kinds[lab.KindCall] == 0 || kinds[lab.KindPacket] == 0 {
				t.Errorf("trace has %v", kinds)
			}
			if st, err := os.Stat(pcap); err != nil || st.Size() <= 24 {
				t.Errorf("pcap: %v, %v", st, err)
			}
		})
	}
}

// TestRunEchoPcapInTshark is the README's demo: tshark lists the handshake,
// the data and the teardown of examples/tcp-echo.lab.
func TestRunEchoPcapInTshark(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the README's demo capture")
	pcap := filepath.Join(t.TempDir(), "echo.pcap")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"run", "--pcap", pcap, "examples/tcp-echo.lab"}, nil, &out, &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	listing, err := exec.Command(tshark, "-r", pcap).Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(listing)
	// Wireshark knows port 7: the data shows as the Echo protocol.
	for _, want := range []string{"[SYN]", "[SYN, ACK]", "ECHO 58 Request", "ECHO 58 Response", "[FIN, ACK]"} {
		if !strings.Contains(text, want) {
			t.Errorf("tshark's listing lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "[FIN, ACK]"); n != 2 {
		t.Errorf("%d FINs, want one from each side:\n%s", n, text)
	}
}

// TestRunEchoTimeline reads the trace of examples/tcp-echo.lab as
// socketlab run writes it: every call of both hosts in its place among
// the packets (the client's connect, sendall and close start before the
// packets they caused, every accept, connect and recv returns after the
// packet it took), and the times read in the trace's order.
func TestRunEchoTimeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.jsonl")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"run", "--trace", path, "examples/tcp-echo.lab"}, nil, &out, &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var trace []lab.Event
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var e lab.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		trace = append(trace, e)
	}
	calls, pairs, inversions := labtest.Inversions(trace)
	// The client's connect, sendall, recv, close; the server's accept,
	// recv, sendall, recv, close: connect has two packets, the rest one.
	if calls < 9 || pairs < 10 {
		t.Fatalf("%d calls of a connection and %d call–packet pairs: want 9 and 10", calls, pairs)
	}
	if len(inversions) > 0 {
		t.Errorf("%d of %d call–packet pairs out of order:\n%s", len(inversions), pairs, strings.Join(inversions, "\n"))
	}
	for i := 1; i < len(trace); i++ {
		if trace[i].Time.Before(trace[i-1].Time) {
			t.Errorf("event %d (seq %d) at %v is before the one above it, at %v", i, trace[i].Seq, trace[i].Time, trace[i-1].Time)
		}
	}
	t.Logf("%d calls, %d ordered pairs, %d inversions", calls, pairs, len(inversions))
}

func TestRunFailsOnAnUnexpectedError(t *testing.T) {
	script := filepath.Join(t.TempDir(), "bad.lab")
	os.WriteFile(script, []byte("s = socket(TCP)\ns.connect((\"10.0.0.1\", 9))\n"), 0o644)
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"run", script}, nil, &out, &errs); code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", code, errs.String())
	}
	if !strings.Contains(out.String()+errs.String(), "ConnectionRefusedError") {
		t.Errorf("output does not name the error:\n%s\n%s", out.String(), errs.String())
	}
	if code := run(context.Background(), []string{"run"}, nil, &out, &errs); code != 2 {
		t.Errorf("run with no script: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"frobnicate"}, nil, &out, &errs); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}
