package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestServeHealthAndHostServices(t *testing.T) {
	// A free port for the server; the host's services listen on fixed
	// ports (echo 7007, HTTP 7080), so on a loopback address of their own.
	httpAddr := freePort(t)
	hostAddr := fmt.Sprintf("127.%d.%d.1", 100+rand.IntN(100), rand.IntN(250))
	echoAddr, webAddr := hostAddr+":7007", hostAddr+":7080"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", httpAddr, "--host-services", hostAddr}, nil, &errs, &errs)
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/healthz = %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, errs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, network := range []string{"tcp", "udp"} {
		c, err := net.Dial(network, echoAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("over the host's " + network + "\n"))
		buf := make([]byte, 100)
		n, err := c.Read(buf)
		if got := string(buf[:n]); got != "over the host's "+network+"\n" {
			t.Errorf("%s echo = %q, %v", network, got, err)
		}
		c.Close()
	}
	resp, err := http.Get("http://" + webAddr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello, world\n" {
		t.Errorf("GET /hello on the host's network = %q", body)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d:\n%s", code, errs.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop within 5s of its context ending")
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestExercisesCheck(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"exercises", "check", "exercises"}, nil, &out, &errs); code != 0 {
		t.Fatalf("exercises check exercises: exit %d\n%s%s", code, out.String(), errs.String())
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.md"), []byte("---\nid: broken\ntitle: [oops\n---\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "unknown.md"), []byte("---\nid: unknown\ntitle: T\nsummary: S\norder: 1\n---\n## A step\n```check\nexpect:\n  - teleport: now\n```\n## Solution\n```solution\ns = socket()\n```\n"), 0o644)
	out.Reset()
	if code := run(context.Background(), []string{"exercises", "check", dir}, nil, &out, &errs); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{dir + "/broken.md:2: front matter:", dir + `/unknown.md:10: check: unknown key "teleport"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
