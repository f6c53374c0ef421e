package room_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/room"
	"github.com/socketlab/socketlab/lab/sock"
)

var (
	echoTCP   = netip.MustParseAddrPort("10.0.0.1:7")
	closedTCP = netip.MustParseAddrPort("10.0.0.1:9")
)

// newLab starts a lab of its own for a test, closed when the test ends.
func newLab(t testing.TB, cfg room.Config) *room.Lab {
	t.Helper()
	l, err := room.NewLab(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func newHost(t *testing.T) (*room.Room, *room.Host) {
	t.Helper()
	l := newLab(t, room.Config{TimeWait: 300 * time.Millisecond})
	return l.Room, l.Host
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls the trace until ok holds for it.
func waitFor(t *testing.T, h *room.Host, what string, ok func([]lab.Event) bool) []lab.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := h.Trace().Events()
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; trace:\n%s", what, render(evs))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// render writes a trace one event a line, as the tests compare it.
func render(evs []lab.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(line(e) + "\n")
	}
	return b.String()
}

// line is an event as "HOST kind what": the summary of a packet, the call
// and its result, or the state change.
func line(e lab.Event) string {
	switch e.Kind {
	case lab.KindPacket:
		return e.Host + " packet " + string(e.Packet.Dir) + " " + e.Packet.Protocol + " " + e.Packet.Summary
	case lab.KindCall:
		r := e.Call.Result
		if e.Call.Failed() {
			r = e.Call.Error
		}
		return e.Host + " call " + e.Call.Name + "(" + strings.Join(e.Call.Args, ", ") + ") = " + r
	case lab.KindState:
		return e.Host + " state " + string(e.State.From) + " -> " + string(e.State.To)
	}
	return e.Host + " " + string(e.Kind)
}

// tcpFlags are the flags of each TCP packet in the trace, as Wireshark
// shows them ("[SYN, ACK]"), with the direction.
func tcpFlags(evs []lab.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind == lab.KindPacket && e.Packet.TCP != nil {
			s := e.Packet.Summary
			out = append(out, string(e.Packet.Dir)+" "+s[strings.Index(s, "["):strings.Index(s, "]")+1])
		}
	}
	return out
}

func indexOf(t *testing.T, evs []lab.Event, match func(lab.Event) bool, what string) int {
	t.Helper()
	i := slices.IndexFunc(evs, match)
	if i < 0 {
		t.Fatalf("no %s in trace:\n%s", what, render(evs))
	}
	return i
}

func serverCall(name string) func(lab.Event) bool {
	return func(e lab.Event) bool { return e.Kind == lab.KindCall && e.Host == "10.0.0.1" && e.Call.Name == name }
}

func TestTCPEchoFlow(t *testing.T) {
	_, h := newHost(t)
	ctx := testContext(t)
	st := h.Sockets()

	s, err := st.Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	if err := s.SendAll(ctx, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recv(ctx, 1024)
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("recv = %q, %v", got, err)
	}
	s.Close()

	waitFor(t, h, "the teardown", func(evs []lab.Event) bool {
		return slices.ContainsFunc(evs, serverCall("close")) &&
			slices.ContainsFunc(evs, func(e lab.Event) bool { return e.Kind == lab.KindState && e.State.To == lab.StateTimeWait })
	})
	evs := waitFor(t, h, "the last ACK", func(evs []lab.Event) bool { return len(tcpFlags(evs)) >= 10 })

	want := []string{
		"out [SYN]", "in [SYN, ACK]", "out [ACK]", // handshake
		"out [PSH, ACK]", "in [ACK]", "in [PSH, ACK]", "out [ACK]", // hello and its echo
		"out [FIN, ACK]", "in [ACK]", "in [FIN, ACK]", "out [ACK]", // teardown, we close first
	}
	// The ACKs of data may be delayed and merged by the stacks; the
	// handshake, the data and both FINs may not.
	flags := tcpFlags(evs)
	for _, must := range []string{"out [SYN]", "in [SYN, ACK]", "out [FIN, ACK]", "in [FIN, ACK]"} {
		if !slices.Contains(flags, must) {
			t.Errorf("no %s among %q", must, flags)
		}
	}
	if flags[0] != want[0] || flags[1] != want[1] || flags[2] != want[2] {
		t.Errorf("handshake = %q, want %q", flags[:3], want[:3])
	}
	if last := flags[len(flags)-1]; last != "out [ACK]" {
		t.Errorf("last packet %q, want our ACK of the server's FIN", last)
	}

	// The server's calls, interleaved with the packets in time order.
	accept := indexOf(t, evs, serverCall("accept"), "server accept")
	recv := indexOf(t, evs, serverCall("recv"), "server recv")
	send := indexOf(t, evs, serverCall("sendall"), "server sendall")
	synack := indexOf(t, evs, func(e lab.Event) bool {
		return e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.Flags.SYN && e.Packet.TCP.Flags.ACK
	}, "SYN-ACK")
	dataOut := indexOf(t, evs, func(e lab.Event) bool {
		return e.Kind == lab.KindPacket && e.Packet.Dir == lab.Out && e.Packet.TCP != nil && e.Packet.TCP.PayloadLen > 0
	}, "data out")
	dataIn := indexOf(t, evs, func(e lab.Event) bool {
		return e.Kind == lab.KindPacket && e.Packet.Dir == lab.In && e.Packet.TCP != nil && e.Packet.TCP.PayloadLen > 0
	}, "data in")
	// A call is recorded when it returns: the server's sendall may return
	// after its data arrives here, but it started before.
	if !(synack < accept && dataOut < recv && recv < send && evs[send].Call.Start.Before(evs[dataIn].Time)) {
		t.Errorf("order: synack %d accept %d dataOut %d recv %d send %d dataIn %d; trace:\n%s",
			synack, accept, dataOut, recv, send, dataIn, render(evs))
	}
	if c := evs[recv].Call; c.Result != `b'hello\n'` || c.Peer.String() != h.Addr().String()+":"+strings.Split(evs[dataOut].Packet.Src, ":")[1] {
		t.Errorf("server recv = %+v", c)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.Before(evs[i-1].Time) {
			t.Errorf("event %d (%s) is earlier than the one before it", i, line(evs[i]))
		}
	}

	// The relative sequence numbers read as Wireshark's.
	for _, e := range evs {
		if e.Kind == lab.KindPacket && e.Packet.TCP != nil && e.Packet.TCP.Flags.FIN && e.Packet.Dir == lab.Out {
			if !strings.Contains(e.Packet.Summary, "Seq=7 Ack=7") {
				t.Errorf("our FIN = %q, want Seq=7 Ack=7", e.Packet.Summary)
			}
		}
	}

	// Our states, in order.
	var states []lab.SocketState
	for _, e := range evs {
		if e.Kind == lab.KindState && e.Host == h.Addr().String() {
			states = append(states, e.State.To)
		}
	}
	wantStates := []lab.SocketState{lab.StateSynSent, lab.StateEstablished, lab.StateFinWait1, lab.StateFinWait2, lab.StateTimeWait}
	if !slices.Equal(states[:min(len(states), 5)], wantStates) {
		t.Errorf("client states = %v, want %v", states, wantStates)
	}
	var server []lab.SocketState
	for _, e := range evs {
		if e.Kind == lab.KindState && e.Host == "10.0.0.1" && e.State.Peer.IsValid() {
			server = append(server, e.State.To)
		}
	}
	wantServer := []lab.SocketState{lab.StateSynReceived, lab.StateEstablished, lab.StateCloseWait, lab.StateLastAck, lab.StateClosed}
	if !slices.Equal(server, wantServer) {
		t.Errorf("server states = %v, want %v", server, wantServer)
	}
}

func TestUDPEchoHasNoHandshake(t *testing.T) {
	_, h := newHost(t)
	ctx := testContext(t)
	s, _ := h.Sockets().Socket(sock.Datagram)
	if _, err := s.SendTo(ctx, []byte("one"), netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendTo(ctx, []byte("two"), netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two"} {
		b, from, err := s.RecvFrom(ctx, 1024)
		if err != nil || string(b) != want || from.String() != "10.0.0.1:7" {
			t.Fatalf("recvfrom = %q, %v, %v; want %q from 10.0.0.1:7", b, from, err, want)
		}
	}
	evs := h.Trace().Events()
	var packets []string
	for _, e := range evs {
		if e.Kind == lab.KindPacket {
			packets = append(packets, string(e.Packet.Dir)+" "+e.Packet.Protocol+" "+strings.SplitN(e.Packet.Summary, " ", 4)[3])
		}
	}
	slices.Sort(packets)
	want := []string{"in UDP Len=3", "in UDP Len=3", "out UDP Len=3", "out UDP Len=3"}
	if !slices.Equal(packets, want) {
		t.Errorf("packets = %q, want %q (two datagrams each way, no handshake)", packets, want)
	}
}

func TestClosedPorts(t *testing.T) {
	_, h := newHost(t)
	ctx := testContext(t)

	s, _ := h.Sockets().Socket(sock.Stream)
	err := s.Connect(ctx, closedTCP)
	var se *sock.Error
	if !errors.As(err, &se) || se.Python() != "ConnectionRefusedError: [Errno 111] Connection refused" {
		t.Fatalf("connect to a closed port: %v", err)
	}
	evs := h.Trace().Events()
	rst := indexOf(t, evs, func(e lab.Event) bool {
		return e.Kind == lab.KindPacket && e.Packet.Dir == lab.In && e.Packet.TCP != nil && e.Packet.TCP.Flags.RST
	}, "RST")
	call := indexOf(t, evs, func(e lab.Event) bool { return e.Kind == lab.KindCall && e.Call.Name == "connect" }, "connect call")
	if rst > call || evs[call].Call.Errno != lab.ECONNREFUSED {
		t.Errorf("RST at %d, connect at %d with errno %v", rst, call, evs[call].Call.Errno)
	}
	// As on Linux, the socket is not connected, and may try again.
	if _, err := s.Recv(ctx, 10); sock.Python(err) != "OSError: [Errno 107] Transport endpoint is not connected" {
		t.Errorf("recv after a refused connect: %v", sock.Python(err))
	}
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Errorf("connect again after a refusal: %v", sock.Python(err))
	}

	u, _ := h.Sockets().Socket(sock.Datagram)
	if _, err := u.SendTo(ctx, []byte("anyone?"), netip.MustParseAddrPort("10.0.0.1:9")); err != nil {
		t.Fatal(err)
	}
	evs = waitFor(t, h, "ICMP port unreachable", func(evs []lab.Event) bool {
		return slices.ContainsFunc(evs, func(e lab.Event) bool {
			return e.Kind == lab.KindPacket && e.Packet.ICMP != nil && e.Packet.ICMP.Type == 3 && e.Packet.ICMP.Code == 3
		})
	})
	i := slices.IndexFunc(evs, func(e lab.Event) bool { return e.Kind == lab.KindPacket && e.Packet.ICMP != nil })
	if p := evs[i].Packet; p.Dir != lab.In || !strings.Contains(p.Summary, "Port unreachable") || !strings.Contains(p.ICMP.Original, ":9") {
		t.Errorf("ICMP = %+v", p)
	}
}

func TestBindInUseAndRecvTimeout(t *testing.T) {
	_, h := newHost(t)
	ctx := testContext(t)
	st := h.Sockets()

	a, _ := st.Socket(sock.Stream)
	b, _ := st.Socket(sock.Stream)
	if err := a.Bind(netip.MustParseAddrPort("0.0.0.0:5000")); err != nil {
		t.Fatal(err)
	}
	err := b.Bind(netip.MustParseAddrPort("0.0.0.0:5000"))
	if sock.Python(err) != "OSError: [Errno 98] Address already in use" {
		t.Errorf("second bind: %v", sock.Python(err))
	}

	s, _ := st.Socket(sock.Stream)
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	s.SetTimeout(100 * time.Millisecond)
	_, err = s.Recv(ctx, 1024)
	if sock.Python(err) != "TimeoutError: timed out" {
		t.Errorf("recv with nothing to read: %v", sock.Python(err))
	}
	s.SetBlocking(false)
	_, err = s.Recv(ctx, 1024)
	if sock.Python(err) != "BlockingIOError: [Errno 11] Resource temporarily unavailable" {
		t.Errorf("non-blocking recv: %v", sock.Python(err))
	}

	s.SetBlocking(true)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = s.Recv(cctx, 1024)
	if sock.Python(err) != "KeyboardInterrupt" || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled recv: %v", err)
	}
	// The socket still works after an interrupted call.
	if err := s.SendAll(ctx, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recv(ctx, 100); string(got) != "still here" {
		t.Errorf("recv after interrupt = %q, %v", got, err)
	}
	s.Close()
	if _, err := s.Recv(ctx, 1); sock.Python(err) != "OSError: [Errno 9] Bad file descriptor" {
		t.Errorf("recv on a closed socket: %v", sock.Python(err))
	}
}

func TestSpoofedAndCrossStudentPacketsAreDropped(t *testing.T) {
	r, a := newHost(t)
	b, err := r.AddHost()
	if err != nil {
		t.Fatal(err)
	}
	if a.Addr() == b.Addr() {
		t.Fatalf("two hosts got %v", a.Addr())
	}
	ctx := testContext(t)

	// b listens; a cannot reach it.
	ln, _ := b.Sockets().Socket(sock.Stream)
	ln.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 6000))
	ln.Listen(1)
	s, _ := a.Sockets().Socket(sock.Stream)
	s.SetTimeout(300 * time.Millisecond)
	if err := s.Connect(ctx, netip.AddrPortFrom(b.Addr(), 6000)); sock.Python(err) != "TimeoutError: timed out" {
		t.Errorf("connect to another student: %v", sock.Python(err))
	}
	if r.Counters().Isolated == 0 {
		t.Error("no packet counted as isolated")
	}

	// A packet claiming to be from the lab server is dropped at a's port.
	forged := []byte{0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 1}
	a.Port().Send(forged)
	if a.Port().Spoofed() != 1 || r.Counters().Spoofed != 1 {
		t.Errorf("spoofed: port %d, room %d; want 1", a.Port().Spoofed(), r.Counters().Spoofed)
	}
	a.Port().Send([]byte{1, 2, 3})
	if r.Counters().Malformed != 1 {
		t.Errorf("malformed = %d, want 1", r.Counters().Malformed)
	}
}

// The switch never carries a packet of the loopback's network: one from
// 127.0.0.1 is a spoof, and nothing reaches the lab server.
func TestLoopbackPacketsAreSpoofs(t *testing.T) {
	r, a := newHost(t)
	syn := []byte{
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 127, 0, 0, 1, 10, 0, 0, 1,
		0x30, 0x39, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	}
	a.Port().Send(syn)
	if c := r.Counters(); a.Port().Spoofed() != 1 || c.Spoofed != 1 || c.Forwarded != 0 {
		t.Errorf("spoofed: port %d, room %+v; want 1 and nothing forwarded", a.Port().Spoofed(), c)
	}
	toLo := append([]byte(nil), syn...)
	copy(toLo[12:], a.Addr().AsSlice())
	copy(toLo[16:], []byte{127, 0, 0, 1})
	a.Port().Send(toLo)
	if c := r.Counters(); c.NoRoute != 1 || c.Forwarded != 0 {
		t.Errorf("a packet for 127.0.0.1: %+v; want it without a route", c)
	}
}

// TestTsharkReadsOurPcap checks our capture against Wireshark's own reading
// of it: the same packets, flags and relative numbers.
func TestTsharkReadsOurPcap(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the room's capture against Wireshark")
	_, h := newHost(t)
	ctx := testContext(t)
	s, _ := h.Sockets().Socket(sock.Stream)
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	s.SendAll(ctx, []byte("hello\n"))
	s.Recv(ctx, 1024)
	s.Close()
	evs := waitFor(t, h, "the teardown", func(evs []lab.Event) bool {
		return slices.ContainsFunc(evs, func(e lab.Event) bool { return e.Kind == lab.KindState && e.State.To == lab.StateTimeWait })
	})

	path := filepath.Join(t.TempDir(), "echo.pcap")
	var buf bytes.Buffer
	if err := packet.WriteTrace(&buf, evs); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, buf.Bytes(), 0o644)
	out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-E", "separator=;",
		"-e", "ip.src", "-e", "tcp.srcport", "-e", "tcp.flags.str", "-e", "tcp.seq", "-e", "tcp.ack", "-e", "tcp.len").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	var ours []string
	for _, e := range evs {
		if e.Kind != lab.KindPacket {
			continue
		}
		p := e.Packet
		ours = append(ours, strings.Join([]string{
			p.IPv4.Src, strconv.Itoa(int(p.TCP.SrcPort)), "", strconv.Itoa(int(p.TCP.RelSeq)), strconv.Itoa(int(p.TCP.RelAck)), strconv.Itoa(p.TCP.PayloadLen),
		}, ";"))
	}
	if len(rows) != len(ours) {
		t.Fatalf("tshark read %d packets, we wrote %d:\n%s", len(rows), len(ours), out)
	}
	for i, row := range rows {
		f := strings.Split(row, ";")
		f[2] = "" // tshark's flag string is checked below
		if got := strings.Join(f, ";"); got != ours[i] {
			t.Errorf("packet %d: tshark %q, ours %q", i+1, got, ours[i])
		}
	}
	if !strings.Contains(rows[0], "S") || !strings.Contains(string(out), "F") {
		t.Errorf("tshark saw no SYN or no FIN:\n%s", out)
	}
}

// TestTsharkReadsBothInterfaces captures a host's traffic on its link
// (an echo) and on its loopback (a refused connection), and checks that
// tshark reads each packet on the interface the trace says.
func TestTsharkReadsBothInterfaces(t *testing.T) {
	tshark := labtest.Need(t, "tshark", "tshark", "the room's capture against Wireshark")
	r, h := newHost(t)
	ctx := testContext(t)
	s, _ := h.Sockets().Socket(sock.Stream)
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	lo, _ := h.Sockets().Socket(sock.Stream)
	if err := lo.Connect(ctx, netip.MustParseAddrPort("127.0.0.1:7")); sock.Python(err) != "ConnectionRefusedError: [Errno 111] Connection refused" {
		t.Errorf("connect to 127.0.0.1:7: %v", sock.Python(err))
	}
	s.Close()
	if err := r.WaitQuiet(ctx); err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, e := range h.Trace().Events() {
		if e.Kind == lab.KindPacket {
			ours = append(ours, e.Packet.Interface+";"+e.Packet.IPv4.Dst)
		}
	}
	if !slices.Contains(ours, "lo;127.0.0.1") || !slices.Contains(ours, "eth0;10.0.0.1") {
		t.Fatalf("packets on %q, want some on each interface", ours)
	}
	path := filepath.Join(t.TempDir(), "both.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.WritePcap(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-E", "separator=;", "-e", "frame.interface_name", "-e", "ip.dst").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if rows := strings.Split(strings.TrimSpace(string(out)), "\n"); !slices.Equal(rows, ours) {
		t.Errorf("tshark reads\n%q\nthe trace says\n%q", rows, ours)
	}
}

func TestConnectAgainAndToYourself(t *testing.T) {
	_, h := newHost(t)
	ctx := testContext(t)
	st := h.Sockets()
	s, _ := st.Socket(sock.Stream)
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx, echoTCP); sock.Python(err) != "OSError: [Errno 106] Transport endpoint is already connected" {
		t.Errorf("second connect: %v", sock.Python(err))
	}
	if b, err := s.Recv(ctx, 0); err != nil || len(b) != 0 {
		t.Errorf("recv(0) = %q, %v", b, err)
	}

	// A host reaches its own address through its loopback, not its link.
	ln, _ := st.Socket(sock.Stream)
	ln.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 5000))
	ln.Listen(1)
	c, _ := st.Socket(sock.Stream)
	if err := c.Connect(ctx, netip.AddrPortFrom(h.Addr(), 5000)); err != nil {
		t.Fatalf("connect to yourself: %v", err)
	}
	conn, peer, err := ln.Accept(ctx)
	if err != nil || peer.Addr() != h.Addr() {
		t.Fatalf("accept = %v, %v", peer, err)
	}
	conn.SendAll(ctx, []byte("hi me"))
	if got, _ := c.Recv(ctx, 10); string(got) != "hi me" {
		t.Errorf("recv from yourself = %q", got)
	}
}

// WaitQuiet returns only once every packet sent has arrived: datagrams
// sent in a burst, without waiting for their echoes, have all been
// answered and every answer is on the host's link; and then, and while
// a TCP teardown is on its way, again.
func TestWaitQuiet(t *testing.T) {
	l := newLab(t, room.Config{TimeWait: 300 * time.Millisecond})
	ctx := testContext(t)
	s, _ := l.Host.Sockets().Socket(sock.Datagram)
	const burst = 50
	for i := range burst {
		if _, err := s.SendTo(ctx, []byte(strconv.Itoa(i)), netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Room.WaitQuiet(ctx); err != nil {
		t.Fatal(err)
	}
	udp := map[lab.Direction]int{}
	for _, e := range l.Host.Trace().Events() {
		if e.Kind == lab.KindPacket && e.Packet.Protocol == "UDP" {
			udp[e.Packet.Dir]++
		}
	}
	if udp[lab.Out] != burst || udp[lab.In] != burst {
		t.Errorf("quiet with %d datagrams out and %d echoes in, want %d each", udp[lab.Out], udp[lab.In], burst)
	}

	c, _ := l.Host.Sockets().Socket(sock.Stream)
	if err := c.Connect(ctx, echoTCP); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := l.Room.WaitQuiet(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tcpFlags(l.Host.Trace().Events()), " "); !strings.HasSuffix(got, "out [FIN, ACK] in [ACK] in [FIN, ACK] out [ACK]") {
		t.Errorf("quiet before the teardown was over: %s", got)
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Room.WaitQuiet(done); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitQuiet with its context done = %v, want context.Canceled", err)
	}
}

// TestPeersPolicyFlips turns students' reach of each other on and off
// while the room runs: every packet after the change follows it.
func TestPeersPolicyFlips(t *testing.T) {
	r, a := newHost(t)
	b, err := r.AddHost()
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	ln, _ := b.Sockets().Socket(sock.Stream)
	ln.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 6000))
	ln.Listen(4)
	connect := func() error {
		s, _ := a.Sockets().Socket(sock.Stream)
		defer s.Close()
		s.SetTimeout(300 * time.Millisecond)
		return s.Connect(ctx, netip.AddrPortFrom(b.Addr(), 6000))
	}
	if r.StudentsSeeEachOther() {
		t.Fatal("a room's students see each other by default")
	}
	r.SetStudentsSeeEachOther(true)
	if err := connect(); err != nil {
		t.Fatalf("connect with peers on: %v", sock.Python(err))
	}
	r.SetStudentsSeeEachOther(false)
	before := r.Counters().Isolated
	if err := connect(); sock.Python(err) != "TimeoutError: timed out" {
		t.Errorf("connect with peers off: %v", sock.Python(err))
	}
	if r.Counters().Isolated == before {
		t.Error("no packet counted as isolated after the policy changed")
	}
}

// TestAttachAt attaches hosts at addresses of their own: a free student
// address is given, one in use or outside the students' range is not.
func TestAttachAt(t *testing.T) {
	r, err := room.New(room.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	sink := func([]byte) {}
	at := netip.MustParseAddr("10.0.1.7")
	p, err := r.AttachAt(at, sink, nil)
	if err != nil || p.Addr() != at {
		t.Fatalf("AttachAt(%v) = %v, %v", at, p, err)
	}
	if _, err := r.AttachAt(at, sink, nil); !errors.Is(err, room.ErrInUse) {
		t.Errorf("AttachAt an address in use: %v, want ErrInUse", err)
	}
	for _, bad := range []string{"10.0.0.1", "10.0.0.9", "10.0.1.0", "10.0.1.255", "10.1.1.1", "::1"} {
		if _, err := r.AttachAt(netip.MustParseAddr(bad), sink, nil); err == nil {
			t.Errorf("AttachAt(%s) attached", bad)
		}
	}
	p.Detach()
	if p2, err := r.AttachAt(at, sink, nil); err != nil {
		t.Errorf("AttachAt after Detach: %v", err)
	} else {
		p2.Detach()
	}
	// Attach skips an address AttachAt holds.
	p, _ = r.AttachAt(netip.MustParseAddr("10.0.1.1"), sink, nil)
	if q, err := r.Attach(sink, nil); err != nil || q.Addr() == p.Addr() {
		t.Errorf("Attach = %v, %v beside AttachAt's %v", q.Addr(), err, p.Addr())
	}
}
