package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/lab"
)

// On the page's one timeline, every call of the lab server sits after the
// packets it took and before the packets it sent (accept after the
// handshake's last ACK, recv after the data, sendall before the echo, close
// before its FIN), over twenty echoes, an HTTP request and a call-back to
// the student's own server; and so again with 40 ms added each way on the
// bridge, where the server's events arrive well after its packets.
func TestOneTimeline(t *testing.T) {
	addr := labServer(t)
	for _, tc := range []struct {
		name  string
		delay time.Duration
	}{{"direct", 0}, {"40ms each way", 40 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			target := addr
			if tc.delay > 0 {
				target = delayProxy(t, addr, tc.delay)
			}
			ctx, cancel := context.WithTimeout(chromium(t), 180*time.Second)
			defer cancel()
			loadExercise(t, ctx, "http://"+target+"/lab")
			var lines []string
			for range 20 {
				lines = append(lines, `s = socket(AF_INET, SOCK_STREAM)`, `s.connect(("10.0.0.1", 7))`,
					`s.sendall(b"hello\n")`, `s.recv(1024)`, `s.close()`)
			}
			lines = append(lines,
				`w = socket(AF_INET, SOCK_STREAM)`, `w.connect(("10.0.0.1", 80))`,
				`w.sendall(b"GET /hello HTTP/1.1\r\nHost: www.lab\r\nConnection: close\r\n\r\n")`,
				`w.recv(4096)`, `w.close()`,
				`l = socket(AF_INET, SOCK_STREAM)`, `l.bind(("0.0.0.0", 5000))`, `l.listen(5)`,
				`c = socket(AF_INET, SOCK_STREAM)`, `c.connect(("10.0.0.1", 2000))`, `c.send(b"5000\n")`,
				`conn, addr = l.accept()`, `conn.recv(1024)`, `conn.close()`, `c.close()`, `l.close()`)
			execLines(t, ctx, lines...)
			// The last FINs and their ACKs, and the server's last events,
			// may still be on their way.
			time.Sleep(time.Second + 2*tc.delay)
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(socketlab.trace())`))
			if err != nil {
				t.Fatal(err)
			}
			var trace []lab.Event
			if err := json.Unmarshal([]byte(raw), &trace); err != nil {
				t.Fatal(err)
			}
			calls, pairs, inversions := inversionsIn(trace)
			if calls < 20*4 || pairs < 20*4 {
				t.Fatalf("%d server calls and %d call–packet pairs with an order in the trace: the lab server's side is missing", calls, pairs)
			}
			if len(inversions) > 0 {
				t.Errorf("%d of %d call–packet pairs out of order:\n%s", len(inversions), pairs, strings.Join(inversions, "\n"))
			}
			t.Logf("%d server calls, %d ordered pairs, %d inversions", calls, pairs, len(inversions))
		})
	}
}

// inversionsIn checks each call of the lab server on a connection
// against the packet that call is about: accept after the handshake's last
// ACK, recv after the segment with the first byte it took (or, returning
// b”, the FIN), send and sendall before the segment with the first byte
// they sent, close before the server's FIN.
func inversionsIn(trace []lab.Event) (calls, pairs int, inversions []string) {
	student := ""
	for _, e := range trace {
		if e.Kind == lab.KindPacket {
			student = e.Host
			break
		}
	}
	// first is the index of the first packet after from that matches.
	first := func(from int, match func(p *lab.Packet) bool) int {
		for j := from; j < len(trace); j++ {
			if p := trace[j].Packet; p != nil && p.TCP != nil && match(p) {
				return j
			}
		}
		return -1
	}
	// start is where the connection begins: the student's SYN or the
	// server's, whichever the call's connection has.
	start := func(c *lab.Call) int {
		return first(0, func(p *lab.Packet) bool {
			return p.TCP.Flags.SYN && !p.TCP.Flags.ACK && (p.Src == c.Peer.String() || p.Dst == c.Peer.String())
		})
	}
	// offset is where each server call's bytes begin in its connection's
	// stream, each way: the server's calls of one connection come in the
	// order it made them (seq).
	offset := map[uint64]int{}
	streams := map[string]int{}
	for _, e := range slices.SortedFunc(slices.Values(trace), func(a, b lab.Event) int { return cmp.Compare(a.Seq, b.Seq) }) {
		if c := e.Call; c != nil && e.Host != student && c.Bytes > 0 {
			stream := fmt.Sprint(c.Local.Port(), c.Peer, strings.HasPrefix(c.Name, "recv"))
			offset[e.Seq] = streams[stream]
			streams[stream] += c.Bytes
		}
	}
	for i, e := range trace {
		c := e.Call
		if c == nil || e.Host == student || !c.Peer.IsValid() || c.Failed() {
			continue
		}
		calls++
		// carries says whether p's data holds the call's first byte.
		carries := func(p *lab.Packet) bool {
			first := uint32(offset[e.Seq]) + 1 // the SYN takes relative sequence number 0
			return p.TCP.PayloadLen > 0 && p.TCP.RelSeq <= first && first < p.TCP.RelSeq+uint32(p.TCP.PayloadLen)
		}
		peer, port := c.Peer.String(), c.Local.Port()
		fromStudent := func(p *lab.Packet) bool { return p.Src == peer && p.TCP.DstPort == port }
		fromServer := func(p *lab.Packet) bool { return p.Dst == peer && p.TCP.SrcPort == port }
		s := start(c)
		if s < 0 {
			continue
		}
		want, j := 0, -1
		switch c.Name {
		case "accept":
			want, j = 1, first(s, func(p *lab.Packet) bool {
				return fromStudent(p) && p.TCP.Flags.ACK && !p.TCP.Flags.SYN && p.TCP.PayloadLen == 0
			})
		case "recv":
			if c.Bytes > 0 {
				want, j = 1, first(s, func(p *lab.Packet) bool { return fromStudent(p) && carries(p) })
			} else {
				want, j = 1, first(s, func(p *lab.Packet) bool { return fromStudent(p) && p.TCP.Flags.FIN })
			}
		case "send", "sendall":
			want, j = -1, first(s, func(p *lab.Packet) bool { return fromServer(p) && carries(p) })
		case "close":
			want, j = -1, first(s, func(p *lab.Packet) bool { return fromServer(p) && p.TCP.Flags.FIN })
		}
		if want == 0 || j < 0 {
			continue
		}
		pairs++
		if (want < 0) != (i < j) {
			inversions = append(inversions, fmt.Sprintf("  %s(%s) on %s at %d, packet %q at %d", c.Name, strings.Join(c.Args, ", "),
				peer, i, trace[j].Packet.Summary, j))
		}
	}
	return calls, pairs, inversions
}

// delayProxy serves a TCP proxy to addr that holds every chunk of bytes
// for delay, each way, in order, until the test ends.
func delayProxy(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); delayCopy(out, in, delay) }()
			go func() { defer wg.Done(); delayCopy(in, out, delay) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// delayCopy copies from src to dst, each chunk delay after it was read.
func delayCopy(dst io.WriteCloser, src io.Reader, delay time.Duration) {
	type chunk struct {
		at time.Time
		b  []byte
	}
	ch := make(chan chunk, 1024)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				ch <- chunk{time.Now().Add(delay), b[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	dst.Close()
	for range ch { // let the reader finish
	}
}
