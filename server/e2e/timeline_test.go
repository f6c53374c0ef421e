package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
)

// On the page's one timeline, every call of both hosts sits after the
// packets it took and before the packets it sent (accept after the
// handshake's last ACK, recv after the data, sendall before its data,
// close before its FIN; connect starts before its SYN and returns after
// the SYN-ACK: labtest.Inversions), over twenty echoes, an HTTP request and a call-back to
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
			calls, pairs, inversions := labtest.Inversions(trace)
			// Each echo: the student's connect, sendall, recv and close,
			// the server's accept, recv, sendall, recv and close.
			if calls < 20*9 || pairs < 20*10 {
				t.Fatalf("%d calls and %d call–packet pairs with an order in the trace: a host's side is missing", calls, pairs)
			}
			if len(inversions) > 0 {
				t.Errorf("%d of %d call–packet pairs out of order:\n%s", len(inversions), pairs, strings.Join(inversions, "\n"))
			}
			t.Logf("%d calls of both hosts, %d ordered pairs, %d inversions", calls, pairs, len(inversions))
		})
	}
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
