package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/servertest"
)

// The console over the bridge keeps the one timeline: in the trace it
// writes, the lab server's echo recv comes after the data segment it read
// and its sendall before the echoed segment, on every round trip.
func TestConsoleTraceOneTimeline(t *testing.T) {
	addr := servertest.Start(t, server.Config{})
	var script strings.Builder
	for range 3 {
		script.WriteString("s = socket(AF_INET, SOCK_STREAM)\ns.connect((\"10.0.0.1\", 7))\ns.sendall(b\"hello\\n\")\ns.recv(1024)\ns.close()\n")
	}
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errs bytes.Buffer
	if err := consoleCommand(ctx, []string{"--trace", path, "ws://" + addr}, strings.NewReader(script.String()), &out, &errs); err != nil {
		t.Fatalf("console: %v\n%s%s", err, out.String(), errs.String())
	}
	if got := strings.Count(out.String(), "b'hello\\n'"); got != 3 {
		t.Fatalf("%d echoes in the transcript, want 3:\n%s", got, out.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var trace []lab.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e lab.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		trace = append(trace, e)
	}
	// Each server call's connection's data segment: the student's (recv)
	// or the server's (sendall); the echo sends one each way.
	checked := 0
	for i, e := range trace {
		c := e.Call
		if c == nil || e.Host != "10.0.0.1" || (c.Name != "recv" && c.Name != "sendall") || c.Bytes == 0 {
			continue
		}
		fromServer := c.Name == "sendall"
		j := -1
		for k, p := range trace {
			pk := p.Packet
			if pk == nil || pk.TCP == nil || pk.TCP.PayloadLen == 0 {
				continue
			}
			if (fromServer && pk.Dst == c.Peer.String() && pk.TCP.SrcPort == c.Local.Port()) ||
				(!fromServer && pk.Src == c.Peer.String() && pk.TCP.DstPort == c.Local.Port()) {
				j = k
				break
			}
		}
		if j < 0 {
			t.Errorf("%s on %v: no data segment in the trace", c.Name, c.Peer)
			continue
		}
		checked++
		if fromServer != (i < j) {
			t.Errorf("%s on %v at %d, its data segment %q at %d", c.Name, c.Peer, i, trace[j].Packet.Summary, j)
		}
	}
	if checked != 6 {
		t.Errorf("%d of the server's recv and sendall calls checked, want 6 (3 echoes)", checked)
	}
	t.Logf("%d events, %d server calls checked against their segments", len(trace), checked)
}
