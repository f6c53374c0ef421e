package server

import (
	"context"
	"errors"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/sock"
)

// The attack of issue 16: a client opens the connections it may hold to
// the lab server's echo, offering window scaling, then advertises a zero
// window and keeps sending, under the packet rate, so that the echo can
// neither send back nor keep reading. The server holds at most its
// session's memory budget for it, with a margin for what a session's
// connections cost beside their buffers, and a healthy session beside it
// keeps its round trips.
func TestMemoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("the attack takes a few seconds")
	}
	for _, tc := range []struct {
		name    string
		payload int
	}{
		{"full segments", 1460},
		{"one byte segments", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls := serve(t, Config{})
			healthy := dial(t, ls, nil)
			healthy.echoes(30000)
			base := liveHeap()

			a := dial(t, ls, nil)
			peak, closed := zeroWindowAttack(t, a, tc.payload, 10*time.Second)
			grew := peak - base
			t.Logf("payload %d: live heap %.1f MB at the start, grew by %.2f MB at most; attacker closed: %v",
				tc.payload, float64(base)/1e6, float64(grew)/1e6, closed)
			if grew > 4<<20 {
				t.Errorf("the server's live heap grew by %.2f MB for one attacking session, want at most 4 MB", float64(grew)/1e6)
			}
			if closed == nil || closed.Code != bridge.ClosePolicy || closed.Text != memoryReason {
				t.Errorf("the attacker was closed with %v, want %d %q", closed, bridge.ClosePolicy, memoryReason)
			}
			for i := range 3 {
				healthy.echoes(uint16(30001 + i))
			}
			st := ls.waitStats(t, "the attacker's session to end", func(st Stats) bool { return st.SessionsCurrent == 1 })
			if st.Closed[bridge.ClosePolicy] != 1 {
				t.Errorf("sessions closed with 1008: %d, want 1", st.Closed[bridge.ClosePolicy])
			}
		})
	}
}

// zeroWindowAttack runs the attack on c for d, or until the server closes c, and
// returns the largest live heap seen while it ran (every 100 ms, and at
// its end) and c's close frame, if it came.
func zeroWindowAttack(t *testing.T, c *client, payload int, d time.Duration) (peak uint64, closed *websocket.CloseError) {
	const conns = DefaultMaxConnections
	const rate = 1900 // packets a second, under DefaultPacketRate

	// The reader: SYN-ACKs' sequence numbers by port, everything else read
	// and dropped, as a client must to stay connected.
	isn := make(chan [2]uint32, conns)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for {
			c.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			typ, r, err := c.ws.NextReader()
			if err != nil {
				errors.As(err, &closed)
				return
			}
			if typ != websocket.BinaryMessage {
				// Not kept: the heap measured is the server's.
				io.Copy(io.Discard, r)
				continue
			}
			b, err := io.ReadAll(r)
			if err != nil {
				errors.As(err, &closed)
				return
			}
			ip := header.IPv4(b)
			if !ip.IsValid(len(b)) || ip.TransportProtocol() != header.TCPProtocolNumber {
				continue
			}
			tcp := header.TCP(ip.Payload())
			if tcp.Flags() == header.TCPFlagSyn|header.TCPFlagAck {
				isn <- [2]uint32{uint32(tcp.DestinationPort()), tcp.SequenceNumber()}
			}
		}
	}()
	defer wg.Wait()
	defer c.ws.Close()

	send := func(pkt []byte) bool {
		c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return c.ws.WriteMessage(websocket.BinaryMessage, pkt) == nil
	}
	const sport = 41000
	for i := range conns {
		syn := labtest.TCPWith(c.addr, labServerAddr, header.TCPFields{
			SrcPort: uint16(sport + i), DstPort: 7, SeqNum: 1000, Flags: header.TCPFlagSyn, WindowSize: 65535,
		}, func(opts []byte) int {
			n := header.EncodeMSSOption(1460, opts)
			n += header.EncodeNOP(opts[n:])
			return n + header.EncodeWSOption(14, opts[n:])
		}, nil)
		if !send(syn) {
			return 0, closed
		}
	}
	acks := make([]uint32, conns)
	for range conns {
		select {
		case p := <-isn:
			acks[p[0]-sport] = p[1] + 1
		case <-done:
			t.Fatalf("the session ended during the handshakes: %v", closed)
		case <-time.After(10 * time.Second):
			t.Fatal("no SYN-ACK within 10 s")
		}
	}
	data := make([]byte, payload)
	seqs := make([]uint32, conns)
	for i := range seqs {
		seqs[i] = 1001
	}
	end := time.Now().Add(d)
	next := time.Now()
	lastLook := time.Now()
	for i := 0; time.Now().Before(end); i++ {
		select {
		case <-done:
			return max(peak, liveHeap()), closed
		default:
		}
		k := i % conns
		seg := labtest.TCPWith(c.addr, labServerAddr, header.TCPFields{
			SrcPort: uint16(sport + k), DstPort: 7, SeqNum: seqs[k], AckNum: acks[k], Flags: header.TCPFlagAck | header.TCPFlagPsh, WindowSize: 0,
		}, nil, data)
		seqs[k] += uint32(payload)
		if !send(seg) {
			break
		}
		next = next.Add(time.Second / rate)
		if w := time.Until(next); w > 0 {
			time.Sleep(w)
		}
		if time.Since(lastLook) > 100*time.Millisecond {
			peak = max(peak, liveHeap())
			lastLook = time.Now()
		}
	}
	peak = max(peak, liveHeap())
	return peak, closed
}

// liveHeap is the bytes of live objects on the heap, after two
// collections: buffers let go to a sync.Pool (gVisor's, the server's
// packets') survive the first.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Honest students are not held to the attack's bounds: a real client
// (a gVisor host, traced, as in the browser) echoes 1 MiB through the
// lab server, once reading as it sends and once sending all before
// reading, with bytes whose repr is the longest, and its session stays.
func TestMemoryBudgetEchoMiB(t *testing.T) {
	ls := serve(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := bridge.Dial(ctx, ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 1<<20) // zeros: each byte's repr is 4 bytes, \x00
	for _, together := range []bool{true, false} {
		s, err := c.Sockets().Socket(sock.Stream)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx, echoTCP); err != nil {
			t.Fatal(err)
		}
		sent := make(chan error, 1)
		send := func() { sent <- s.SendAll(ctx, data) }
		if together {
			go send()
		} else {
			send()
		}
		got := 0
		for got < len(data) {
			b, err := s.Recv(ctx, 64<<10)
			if err != nil || len(b) == 0 {
				t.Fatalf("echo of 1 MiB (reading as it sends: %v): recv after %d bytes: %v; session: %v", together, got, err, c.Err())
			}
			got += len(b)
		}
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if st := ls.Stats(); st.Closed[bridge.ClosePolicy] != 0 {
		t.Errorf("sessions closed with 1008: %d, want none", st.Closed[bridge.ClosePolicy])
	}
}
