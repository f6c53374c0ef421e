package e2e

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	gorilla "github.com/gorilla/websocket"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/netstack"
	"github.com/socketlab/socketlab/lab/services"
	"github.com/socketlab/socketlab/lab/sock"
	"github.com/socketlab/socketlab/server"
	"github.com/socketlab/socketlab/server/servertest"
)

// The benchmarks of this file and websockify_test.go compare the lab's
// path with what bounds it and with what a user would pick instead, in one
// run:
//
//	go test -run '^$' -bench EchoRoundTrip -benchmem ./server/e2e
//
// Each echo round trip benchmark reports, beside the mean (ns/op), the
// median and the 99th percentile of its round trips, and its median as a
// multiple of the kernel loopback echo's, measured once in the same process
// (x-kernel-p50); BenchmarkBareStacksEchoRoundTrip is the floor of any
// path through two gVisor stacks. The others: BenchmarkServerPacket (the
// server's CPU per packet), BenchmarkIdleSession (the server's memory per
// idle session), BenchmarkLabPageReady in pageready_test.go (the lab
// page's time to ready in Chromium).

// echoSize is the size of every round trip's message.
const echoSize = 64

// BenchmarkKernelEchoRoundTrip is the floor: the same echo service and a
// 64-byte round trip over the kernel's TCP loopback.
func BenchmarkKernelEchoRoundTrip(b *testing.B) {
	c := kernelEcho(b)
	msg, buf := make([]byte, echoSize), make([]byte, echoSize)
	roundTrips(b, func() error {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		_, err := io.ReadFull(c, buf)
		return err
	})
}

// BenchmarkBridgeEchoRoundTrip is a 64-byte round trip through the full
// lab path: the client's stack, the WebSocket, the server's switch, the lab
// server's stack, the traced echo service, and back.
func BenchmarkBridgeEchoRoundTrip(b *testing.B) {
	addr := servertest.Start(b, server.Config{PacketRate: -1})
	c := dialBridge(b, addr)
	ctx := context.Background()
	s, _ := c.Sockets().Socket(sock.Stream)
	if err := s.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, echoSize)
	roundTrips(b, func() error {
		return echoOnce(msg, func(p []byte) error { return s.SendAll(ctx, p) },
			func(n int) ([]byte, error) { return s.Recv(ctx, n) })
	})
}

// BenchmarkBareStacksEchoRoundTrip is what bounds the lab's path from
// below: two gVisor stacks joined by a function call, a plain echo loop on
// the host's own sockets, and nothing else (no WebSocket, switch, tracing
// or decoding). The full path's median over this one's is the lab's own
// cost.
func BenchmarkBareStacksEchoRoundTrip(b *testing.B) {
	var client, srv *netstack.Host
	host := func(addr string, peer **netstack.Host) *netstack.Host {
		h, err := netstack.New(netstack.Config{
			Addr:   netip.MustParsePrefix(addr),
			Output: func(pkt []byte) { (*peer).Deliver(pkt) },
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(h.Close)
		return h
	}
	client = host("10.0.1.1/16", &srv)
	srv = host("10.0.0.1/16", &client)
	ctx, cancel := context.WithCancel(context.Background())

	ln, err := srv.NewEndpoint(netstack.TCP, 3)
	if err == nil {
		err = ln.Bind(netip.MustParseAddrPort("0.0.0.0:7"))
	}
	if err == nil {
		err = ln.Listen(1)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ln.Close)
	echoed := make(chan struct{})
	b.Cleanup(func() { cancel(); <-echoed })
	go func() {
		defer close(echoed)
		c, _, err := ln.Accept(ctx, 4)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			p, err := c.Read(ctx, 1024)
			if err != nil || len(p) == 0 {
				return
			}
			if _, err := c.Write(ctx, p); err != nil {
				return
			}
		}
	}()
	c, err := client.NewEndpoint(netstack.TCP, 3)
	if err == nil {
		err = c.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7"))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	msg := make([]byte, echoSize)
	roundTrips(b, func() error {
		return echoOnce(msg, func(p []byte) error { _, err := c.Write(ctx, p); return err },
			func(n int) ([]byte, error) { return c.Read(ctx, n) })
	})
}

// BenchmarkWebSocketEchoRoundTrip is the WebSocket alone, the transport
// of the lab's path: the 64-byte round trips of
// BenchmarkWebsockifyEchoRoundTrip, with the same client, against a
// server that echoes each message with the WebSocket library of the
// lab's server, and no TCP service behind it.
func BenchmarkWebSocketEchoRoundTrip(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var up gorilla.Upgrader
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, p) != nil {
				return
			}
		}
	})}
	go hs.Serve(ln)
	defer hs.Close()
	conn := dialWebSocket(b, "ws://"+ln.Addr().String()+"/", nil)
	defer conn.Close(websocket.StatusNormalClosure, "")
	roundTrips(b, webSocketRoundTrip(conn))
}

// webSocketRoundTrip is one round trip of the WebSocket echo benchmarks:
// 64 bytes out as a binary message, read until 64 bytes are back.
func webSocketRoundTrip(conn *websocket.Conn) func() error {
	ctx := context.Background()
	msg, buf := make([]byte, echoSize), make([]byte, echoSize)
	return func() error {
		if err := conn.Write(ctx, websocket.MessageBinary, msg); err != nil {
			return err
		}
		// A relay sends what each read of its TCP connection gave: the
		// 64 bytes may come in more than one message.
		for got := 0; got < len(buf); {
			_, r, err := conn.Reader(ctx)
			if err != nil {
				return err
			}
			for {
				n, err := r.Read(buf[got:])
				got += n
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
				if got == len(buf) {
					if _, err := io.Copy(io.Discard, r); err != nil {
						return err
					}
					break
				}
			}
		}
		return nil
	}
}

// dialWebSocket dials url, trying again for up to 10 s while nothing
// answers there yet; then it fails with what log, if set, returns.
func dialWebSocket(b *testing.B, url string, log func() string) *websocket.Conn {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, _, err := websocket.Dial(ctx, url, nil)
		cancel()
		if err == nil {
			return conn
		}
		if time.Now().After(deadline) {
			if log != nil {
				b.Fatalf("dial %s: %v\n%s", url, err, log())
			}
			b.Fatalf("dial %s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kernelEchoAddr starts the echo service on the kernel's loopback, until
// the benchmark ends, and returns its address.
func kernelEchoAddr(b *testing.B) string {
	srv := services.NewServer(nil)
	b.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv.ServeTCP(ln, services.Echo)
	return ln.Addr().String()
}

// kernelEcho connects to an echo service on the kernel's loopback.
func kernelEcho(b *testing.B) net.Conn {
	c, err := net.Dial("tcp", kernelEchoAddr(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// roundTrips runs b's loop, one round trip each time, and reports the
// median and 99th percentile round trip, and the median as a multiple of
// the kernel loopback's.
func roundTrips(b *testing.B, roundTrip func() error) {
	floor := kernelFloor(b)
	var h histogram
	b.ReportAllocs()
	prev := time.Now()
	for b.Loop() {
		if err := roundTrip(); err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		h.add(now.Sub(prev))
		prev = now
	}
	b.StopTimer()
	p50 := h.quantile(0.50)
	b.ReportMetric(float64(p50), "p50-ns")
	b.ReportMetric(float64(h.quantile(0.99)), "p99-ns")
	b.ReportMetric(float64(p50)/float64(floor), "x-kernel-p50")
}

// echoOnce writes msg and reads until as many bytes have come back: one
// round trip through an echo, over any socket's write and read.
func echoOnce(msg []byte, write func([]byte) error, read func(n int) ([]byte, error)) error {
	if err := write(msg); err != nil {
		return err
	}
	for got := 0; got < len(msg); {
		p, err := read(len(msg) - got)
		if err != nil {
			return err
		}
		if len(p) == 0 {
			return io.ErrUnexpectedEOF
		}
		got += len(p)
	}
	return nil
}

var floor struct {
	once sync.Once
	p50  time.Duration
	err  error
}

// kernelFloor is the median 64-byte round trip over the kernel's loopback,
// measured once per process, so that every benchmark of a run compares
// itself with the same floor.
func kernelFloor(b *testing.B) time.Duration {
	floor.once.Do(func() {
		srv := services.NewServer(nil)
		defer srv.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			floor.err = err
			return
		}
		srv.ServeTCP(ln, services.Echo)
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			floor.err = err
			return
		}
		defer c.Close()
		msg, buf := make([]byte, echoSize), make([]byte, echoSize)
		var h histogram
		for i := range 30_000 {
			start := time.Now()
			if _, err := c.Write(msg); err != nil {
				floor.err = err
				return
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				floor.err = err
				return
			}
			if i >= 5_000 { // warmed up
				h.add(time.Since(start))
			}
		}
		floor.p50 = h.quantile(0.5)
	})
	if floor.err != nil {
		b.Fatalf("kernel loopback floor: %v", floor.err)
	}
	return floor.p50
}

// histogram counts durations in buckets about 3% wide, without allocating.
type histogram struct {
	n       uint64
	buckets [64 * 32]uint64
}

// bucket is d's bucket: its power of two and the next 5 bits below it.
func bucket(d time.Duration) int {
	ns := uint64(max(d, 1))
	e := bits.Len64(ns) - 1
	if e < 5 {
		return int(ns)
	}
	return e*32 + int(ns>>(e-5)&31)
}

// lower is the smallest duration in bucket i.
func lower(i int) time.Duration {
	e, m := i/32, uint64(i%32)
	if e < 5 {
		return time.Duration(i)
	}
	return time.Duration((32 | m) << (e - 5))
}

func (h *histogram) add(d time.Duration) {
	h.n++
	h.buckets[bucket(d)]++
}

// quantile is the duration under which a fraction q of those added fall,
// to within a bucket.
func (h *histogram) quantile(q float64) time.Duration {
	want := uint64(q * float64(h.n))
	var seen uint64
	for i, c := range h.buckets {
		seen += c
		if seen > want {
			return lower(i)
		}
	}
	return 0
}

// BenchmarkServerPacket is the server's side of the bridge pumping
// packets: a bare WebSocket client (no stack) sends packets for the lab
// server, keeping 32 in flight, and reads the answers. Each op is one
// packet in and its answer out. "ping": ICMP echo, the session's reader,
// the switch, the lab server's stack, which answers at once, the switch
// again and the session's writer. "udp-echo": the same with the traced
// UDP echo service in the middle (its recvfrom and sendto go to the client
// as events). cpu-ns/op is the whole process's CPU time (the bare client's
// share, WebSocket frames of about a hundred bytes, included).
func BenchmarkServerPacket(b *testing.B) {
	b.Run("ping", func(b *testing.B) {
		pumpPackets(b, func(src, dst netip.Addr) []byte { return labtest.Ping(src, dst, 1) })
	})
	b.Run("udp-echo", func(b *testing.B) {
		pumpPackets(b, func(src, dst netip.Addr) []byte {
			return labtest.UDP(netip.AddrPortFrom(src, 40000), netip.AddrPortFrom(dst, 7), make([]byte, echoSize))
		})
	})
}

// pumpPackets sends the packet build makes, from the session's address to
// the lab server's, once an op, and counts as its answer each binary
// message of the same length.
func pumpPackets(b *testing.B, build func(src, dst netip.Addr) []byte) {
	addr := servertest.Start(b, server.Config{PacketRate: -1})
	ctx := context.Background()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/bridge", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(bridge.MaxText)
	_, msg, err := conn.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var hello bridge.Hello
	if err := json.Unmarshal(msg, &hello); err != nil {
		b.Fatal(err)
	}
	pkt := build(netip.MustParseAddr(hello.Host.Address), netip.MustParseAddr(hello.Host.Gateway))

	const window = 32
	credit := make(chan struct{}, window)
	for range window {
		credit <- struct{}{}
	}
	failed := make(chan error, 1)
	var answers sync.WaitGroup
	go func() {
		buf := make([]byte, 64<<10)
		for {
			typ, r, err := conn.Reader(ctx)
			if err != nil {
				failed <- err
				return
			}
			n, _ := io.ReadFull(r, buf)
			if typ == websocket.MessageBinary && n == len(pkt) {
				answers.Done()
				credit <- struct{}{}
			}
		}
	}()
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		<-credit
		answers.Add(1)
		if err := conn.Write(ctx, websocket.MessageBinary, pkt); err != nil {
			b.Fatal(err)
		}
	}
	answers.Wait()
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	select {
	case err := <-failed:
		b.Fatal(err)
	default:
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// idleSessions is how many sessions BenchmarkIdleSession opens at once.
const idleSessions = 200

// BenchmarkIdleSession is the server's memory per idle session: each op
// opens 200 sessions on an in-process server (ns/op) and closes them; on
// the first, once the sessions' writers have stopped (server.WriterLinger),
// it measures the growth of the server's heap in use and goroutine stacks,
// divided by the sessions (heap-B/session, stack-B/session, B/session),
// and the goroutines each session runs. Each session is a bare TCP
// connection that did the WebSocket handshake and read the hello
// ("hello"), and then, for "echo-connection", opened a TCP connection to
// the lab server's echo service by hand (SYN, SYN-ACK, ACK), as socketlab
// bench's idle sessions do; then it goes quiet. The bare clients' share is
// a TCP connection each, a few hundred bytes.
func BenchmarkIdleSession(b *testing.B) {
	b.Run("hello", func(b *testing.B) { idleSessionMemory(b, false) })
	b.Run("echo-connection", func(b *testing.B) { idleSessionMemory(b, true) })
}

func idleSessionMemory(b *testing.B, connect bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(server.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	addr := ln.Addr().String()

	// The memory is measured once, on the first sessions, once their
	// writers have stopped; every op opens and closes the sessions.
	var heap, stack, goroutines float64
	measured := false
	for b.Loop() {
		b.StopTimer()
		waitSessions(b, srv, 0)
		var h0, s0 int64
		var g0 int
		if !measured {
			h0, s0, g0 = memInUse()
		}
		b.StartTimer()
		conns := make([]net.Conn, idleSessions)
		for i := range conns {
			conns[i] = idleClient(b, addr, connect)
		}
		b.StopTimer()
		waitSessions(b, srv, idleSessions)
		if !measured {
			time.Sleep(server.WriterLinger + 500*time.Millisecond)
			h1, s1, g1 := memInUse()
			heap = float64(h1-h0) / idleSessions
			stack = float64(s1-s0) / idleSessions
			goroutines = float64(g1-g0) / idleSessions
			measured = true
		}
		for _, c := range conns {
			c.Close()
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(heap, "heap-B/session")
	b.ReportMetric(stack, "stack-B/session")
	b.ReportMetric(heap+stack, "B/session")
	b.ReportMetric(goroutines, "goroutines/session")
}

// memInUse is the heap and goroutine stacks in use, after collecting
// garbage, and the number of goroutines.
func memInUse() (heap, stack int64, goroutines int) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse), int64(ms.StackInuse), runtime.NumGoroutine()
}

// waitSessions waits until the server has n sessions open.
func waitSessions(b *testing.B, srv *server.Server, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for srv.Stats().SessionsCurrent != n {
		if time.Now().After(deadline) {
			b.Fatalf("sessions open: %d, want %d", srv.Stats().SessionsCurrent, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// idleClient opens a session with as little as a client can hold: a TCP
// connection, the WebSocket handshake by hand and the hello read; with
// connect, a TCP connection to the lab server's echo service too, made by
// hand, and the server's accept seen.
func idleClient(b *testing.B, addr string, connect bool) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(c, "GET /bridge HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	r := bufio.NewReaderSize(c, 512)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, " 101 ") {
		b.Fatalf("upgrade: %q %v", status, err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	_, msg := readFrame(b, r)
	if !connect {
		return c
	}
	var hello bridge.Hello
	if err := json.Unmarshal(msg, &hello); err != nil {
		b.Fatal(err)
	}
	src := netip.AddrPortFrom(netip.MustParseAddr(hello.Host.Address), 40000)
	dst := netip.AddrPortFrom(netip.MustParseAddr(hello.Host.Gateway), 7)
	writeFrame(b, c, labtest.TCP(src, dst, 1000, 0, 0x02)) // SYN
	for {
		op, p := readFrame(b, r)
		if op == 2 && len(p) >= 40 && p[33] == 0x12 { // SYN, ACK
			writeFrame(b, c, labtest.TCP(src, dst, 1001, binary.BigEndian.Uint32(p[24:])+1, 0x10))
		}
		if op == 1 && strings.Contains(string(p), `"name":"accept"`) {
			return c
		}
	}
}

// readFrame reads one unmasked WebSocket frame of less than 64 KiB and
// returns its opcode and payload.
func readFrame(b *testing.B, r io.Reader) (op byte, payload []byte) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:2]); err != nil {
		b.Fatal(err)
	}
	n := int(hdr[1] & 0x7f)
	if n == 126 {
		if _, err := io.ReadFull(r, hdr[2:4]); err != nil {
			b.Fatal(err)
		}
		n = int(binary.BigEndian.Uint16(hdr[2:4]))
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		b.Fatal(err)
	}
	return hdr[0] & 0x0f, payload
}

// writeFrame writes p as one binary frame, masked (as a client's must be)
// with the key 0, which leaves it as it is.
func writeFrame(b *testing.B, w io.Writer, p []byte) {
	f := append([]byte{0x82, 0x80 | byte(len(p)), 0, 0, 0, 0}, p...)
	if _, err := w.Write(f); err != nil {
		b.Fatal(err)
	}
}
