package e2e

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/server/e2e/internal/browsertest"
)

// What every browser test uses, shared with the subpackages: browsertest's.
var (
	chromium  = browsertest.Chromium
	labServer = browsertest.LabServer
	labConfig = browsertest.LabConfig
	moduleDir = browsertest.ModuleDir
	jsString  = browsertest.JSString
	answer    = browsertest.Answer
	tcpEcho   = browsertest.TCPEcho
	execLines = browsertest.ExecLines
	waitCount = browsertest.WaitCount
	count     = browsertest.Count
	runAxe    = browsertest.RunAxe
)

// TestBrowserRunsTheLab loads lab.wasm in Chromium, runs the TCP echo
// through window.socketlab, and finds the packets of both sides in its
// trace, and its capture in tshark.
func TestBrowserRunsTheLab(t *testing.T) {
	addr := labServer(t)
	ctx := chromium(t)
	step, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	if err := chromedp.Do(step, chromedp.Navigate("http://"+addr+"/lab")); err != nil {
		t.Fatal(err)
	}
	ready, err := chromedp.Run(step, chromedp.Evaluate[struct{ Address string }](
		`(async () => { while (!window.socketlab) await new Promise(r => setTimeout(r, 10)); return await socketlab.ready; })()`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("socketlab.ready: %v", err)
	}
	if !strings.HasPrefix(ready.Address, "10.0.") {
		t.Fatalf("ready = %v", ready)
	}

	type result struct{ Output, Error string }
	for _, line := range tcpEcho(t) {
		r, err := chromedp.Run(step, chromedp.Evaluate[result](`socketlab.exec(`+jsString(line)+`)`, chromedp.EvalAwaitPromise))
		if err != nil || r.Error != "" {
			t.Fatalf("exec %s: %v %q", line, err, r.Error)
		}
		if line == `s.recv(1024)` && r.Output != "b'hello\\n'\n" {
			t.Errorf("recv printed %q", r.Output)
		}
	}

	// Names over the lab's DNS, from the browser's own resolver, and a
	// request to the lab's web server by name.
	for _, tc := range []struct{ line, prefix string }{
		{`gethostbyname("www.lab")`, "'10.0.0.1'\n"},
		{`w = socket(AF_INET, SOCK_STREAM); w.connect(("www.lab", 80))`, ""},
		{`w.sendall(b"GET /hello HTTP/1.1\r\nHost: www.lab\r\nConnection: close\r\n\r\n")`, ""},
		{`w.recv(4096)`, "b'HTTP/1.1 200 OK\\r\\n"},
		{`w.close()`, ""},
	} {
		r, err := chromedp.Run(step, chromedp.Evaluate[result](`socketlab.exec(`+jsString(tc.line)+`)`, chromedp.EvalAwaitPromise))
		if err != nil || r.Error != "" || !strings.HasPrefix(r.Output, tc.prefix) {
			t.Fatalf("exec %s: %v %q, printed %q, want it to begin %q", tc.line, err, r.Error, r.Output, tc.prefix)
		}
	}

	// Wait for the teardowns, then read the trace and the capture in one
	// turn of the page's event loop, so that they hold the same packets.
	type snapshot struct {
		Trace []lab.Event
		Pcap  string // base64
	}
	var evs []lab.Event
	var snap snapshot
	for deadline := time.Now().Add(10 * time.Second); ; {
		snap, err = chromedp.Run(step, chromedp.Evaluate[snapshot](
			`(() => { const trace = socketlab.trace(), b = socketlab.pcap(); let s = ""; for (const x of b) s += String.fromCharCode(x); return {Trace: trace, Pcap: btoa(s)}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		evs = snap.Trace
		if fins(evs) == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var flags []string
	for _, e := range evs {
		if e.Kind == lab.KindPacket && e.Packet.TCP != nil {
			s := e.Packet.Summary
			flags = append(flags, string(e.Packet.Dir)+" "+s[strings.Index(s, "["):strings.Index(s, "]")+1])
		}
	}
	joined := strings.Join(flags, ", ")
	for _, want := range []string{"out [SYN]", "in [SYN, ACK]", "out [ACK]", "out [PSH, ACK]", "in [PSH, ACK]", "out [FIN, ACK]", "in [FIN, ACK]"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s among the browser's packets: %s", want, joined)
		}
	}
	var serverCalls []string
	for _, e := range evs {
		if e.Kind == lab.KindCall && e.Host == "10.0.0.1" && e.Call.Proto == "tcp" && e.Call.Peer.IsValid() {
			serverCalls = append(serverCalls, e.Call.Name)
		}
	}
	if got := strings.Join(serverCalls, " "); !strings.HasPrefix(got, "accept recv sendall recv close") {
		t.Errorf("the lab server's calls in the browser's trace: %q", got)
	}

	// The capture, read by tshark.
	tshark := labtest.Need(t, "tshark", "tshark", "the browser's capture")
	pcap, err := base64.StdEncoding.DecodeString(snap.Pcap)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "browser.pcap")
	os.WriteFile(path, pcap, 0o644)
	out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "tcp.flags.str").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	rows := strings.Fields(strings.ReplaceAll(string(out), "\n", " "))
	if len(rows) != len(flags) {
		t.Errorf("tshark read %d TCP packets, the trace has %d:\n%s", len(rows), len(flags), out)
	}
	out, err = exec.Command(tshark, "-r", path, "-Y", "dns", "-T", "fields", "-e", "dns.flags.response", "-e", "dns.qry.name", "-e", "dns.a").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if got := strings.Join(strings.Fields(string(out)), " "); got != "0 www.lab 1 www.lab 10.0.0.1 0 www.lab 1 www.lab 10.0.0.1" {
		t.Errorf("tshark's reading of the DNS in the capture: %q, want two queries for www.lab and two answers 10.0.0.1", out)
	}
}

func fins(evs []lab.Event) int {
	n := 0
	for _, e := range evs {
		if e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.Flags.FIN {
			n++
		}
	}
	return n
}
