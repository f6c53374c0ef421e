package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/labtest"
)

// The hostile-client suite: what a student's client, or anyone who can
// reach the server, may send to break it, each attack against a real
// server with a healthy session beside it that must keep its echo round
// trips. Each asserts the bound that holds, and the counter that records
// it (Stats, which /metrics reports).
//
// The attacks tested elsewhere, and where (docs/ARCHITECTURE.md's
// "Hostile clients" table lists them all, with their figures):
//
//	random binary and text messages, 4000   TestAbuse
//	spoofed source, same session            TestSpoofedSource
//	oversized binary and text (1009)        TestTooBig
//	malformed text, huge unknown type       TestText, TestRequests
//	a frame that breaks RFC 6455 (1002)     TestCloseCodesCounted
//	a client slow to take events (1008)     TestEventsOverflow
//	staying over the packet rate (1008)     TestPacketRate
//	cross-origin upgrade (403)              TestOrigin
//	DNS-rebinding Host (421)                TestHostsAndMetricsAddr
//	sessions over MaxSessions (1013)        TestMaxSessions
//	sessions per address (1013)             TestSessionsPerAddress
//	connections per session (64)            TestMaxConnections
//	slow and idle HTTP, huge headers        TestHTTPTimeouts
//	host services under a file limit        TestHostServicesUnderFileLimit (root package)
//	workshop reports and hands              TestReportBounds, TestWorkshopMisbehavingStudent (e2e)
func TestHostile(t *testing.T) {
	for _, a := range hostileAttacks(t) {
		t.Run(a.name, func(t *testing.T) {
			ls := serve(t, a.cfg)
			if a.workshop {
				ls = workshopServer(t, a.cfg)
			}
			healthy := dial(t, ls, nil)
			healthy.echoes(30000)
			a.run(t, ls, healthy)
			healthy.echoes(30001)
			if st := ls.Stats(); st.Errors != 0 {
				t.Errorf("server errors: %d, want 0: the attack is the client's doing", st.Errors)
			}
		})
	}
}

// attack is one entry of the suite.
type attack struct {
	name     string
	cfg      Config
	workshop bool // a server with a store and the exercises
	// run attacks ls while healthy, a session of its own, looks on; it
	// asserts the bound and its counter.
	run func(t *testing.T, ls *labServer, healthy *client)
}

func hostileAttacks(t *testing.T) []attack {
	floodSize := 10_000
	if testing.Short() {
		floodSize = 3000
	}
	build := t.TempDir()
	floodCfg, logs := floodLog()
	return []attack{
		{name: "malformed packets", run: malformedPackets},
		{name: "spoofed sources in a workshop", workshop: true, run: spoofedInWorkshop},
		{name: "IP fragments", run: fragments},
		{name: "SYN flood", run: func(t *testing.T, ls *labServer, healthy *client) {
			flood(t, ls, healthy, floodSize, func(src netip.Addr, i int) []byte {
				return labtest.TCP(netip.AddrPortFrom(src, uint16(1024+i)), echoTCP, uint32(i), 0, header.TCPFlagSyn)
			})
		}},
		{name: "UDP flood", run: func(t *testing.T, ls *labServer, healthy *client) {
			flood(t, ls, healthy, floodSize, func(src netip.Addr, i int) []byte {
				to := echoUDP
				if i%2 == 1 {
					to = netip.AddrPortFrom(labServerAddr, 5) // closed: ICMP port unreachable, rate-limited by gVisor
				}
				return labtest.UDP(netip.AddrPortFrom(src, uint16(1024+i)), to, []byte("flood"))
			})
		}},
		{name: "ICMP flood", run: func(t *testing.T, ls *labServer, healthy *client) {
			flood(t, ls, healthy, floodSize, func(src netip.Addr, i int) []byte {
				return labtest.Ping(src, labServerAddr, uint16(i))
			})
		}},
		{name: "client that never reads, packets only", cfg: Config{WriteTimeout: 2 * time.Second}, run: func(t *testing.T, ls *labServer, _ *client) {
			neverReads(t, ls, func(src netip.Addr, i int) []byte { return bigPing(src, labServerAddr, uint16(i)) })
		}},
		{name: "client that never reads, with events", cfg: Config{WriteTimeout: 2 * time.Second}, run: func(t *testing.T, ls *labServer, _ *client) {
			neverReads(t, ls, func(src netip.Addr, i int) []byte {
				return labtest.UDP(netip.AddrPortFrom(src, uint16(1024+i%1000)), echoUDP, make([]byte, 1400))
			})
		}},
		{name: "path traversal", cfg: Config{Client: os.DirFS(build)}, run: func(t *testing.T, ls *labServer, _ *client) {
			traversal(t, ls, build)
		}},
		{name: "request smuggling", run: smuggling},
		{name: "mirrored events of empty objects", workshop: true, run: mirroredEmptyObjects},
		{name: "trace streams", workshop: true, cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, run: lookinStreams},
		{name: "deleting the watched", workshop: true, run: deleteWatched},
		{name: "log flood", cfg: floodCfg, run: logFlood(logs)},
		{name: "existence oracle", workshop: true, run: existenceOracle},
		{name: "hand flood", workshop: true, cfg: Config{PacketRate: -1}, run: handFlood},
		{name: "shared address", workshop: true, cfg: Config{InstructorKey: "sesame-key"}, run: sharedAddress},
		{name: "workshop seats", workshop: true, cfg: Config{MaxSessions: 100, MaxStudents: 30}, run: workshopSeats},
	}
}

// Packets whose lengths do not fit are dropped by the bridge and counted
// as malformed; packets with a bad checksum or a transport header that
// does not fit its packet reach the lab server, whose stack drops them
// unanswered, as a kernel would. The session stays open.
func malformedPackets(t *testing.T, ls *labServer, _ *client) {
	bad := dial(t, ls, nil)
	src := netip.AddrPortFrom(bad.addr, 40000)
	udp := func() []byte { return labtest.UDP(src, echoUDP, []byte("malformed")) }
	with := func(b []byte, f func(b []byte)) []byte { f(b); return b }
	badLength := map[string][]byte{
		"empty":                       {},
		"19 bytes":                    udp()[:19],
		"IPv6":                        with(make([]byte, 40), func(b []byte) { b[0] = 0x60 }),
		"IHL 4":                       with(udp(), func(b []byte) { b[0] = 0x44 }),
		"IHL 15 beyond the packet":    with(udp(), func(b []byte) { b[0] = 0x4f; b[2], b[3] = 0, 40 }),
		"total length beyond":         with(udp(), func(b []byte) { b[2], b[3] = 0x07, 0xd0 }),
		"total length under the IHL":  with(udp(), func(b []byte) { b[2], b[3] = 0, 19 }),
		"truncated in the UDP header": udp()[:24],
	}
	unanswered := map[string][]byte{
		"bad IP checksum":  with(udp(), func(b []byte) { b[10] ^= 0xff }),
		"bad UDP checksum": with(udp(), func(b []byte) { b[27] ^= 0xff }),
		"bad TCP checksum": with(labtest.TCP(src, echoTCP, 1, 0, header.TCPFlagSyn), func(b []byte) { b[37] ^= 0xff }),
		"UDP length beyond its packet": with(udp(), func(b []byte) {
			header.UDP(b[20:]).SetLength(200)
		}),
		"TCP data offset beyond its packet": with(labtest.TCP(src, echoTCP, 1, 0, header.TCPFlagSyn), func(b []byte) {
			b[32] = 0xf0
		}),
	}
	// An option of length 0: the lab server answers with ICMP's parameter
	// problem, as Linux does.
	badOption := udp()
	badOption = slices.Concat(badOption[:20], []byte{0x99, 0x02, 0xff, 0x00}, badOption[20:])
	badOption[0], badOption[2], badOption[3] = 0x46, 0, byte(len(badOption))
	header.IPv4(badOption).SetChecksum(0)
	header.IPv4(badOption).SetChecksum(^header.IPv4(badOption).CalculateChecksum())
	bad.send(badOption)
	if ip, _ := bad.packet("the parameter problem", func(ip header.IPv4) bool {
		return ip.TransportProtocol() == header.ICMPv4ProtocolNumber
	}); header.ICMPv4(ip.Payload()).Type() != header.ICMPv4ParamProblem {
		t.Errorf("answer to a bad IP option: ICMP type %d, want parameter problem", header.ICMPv4(ip.Payload()).Type())
	}
	for _, set := range []map[string][]byte{badLength, unanswered} {
		for _, pkt := range set {
			bad.send(pkt)
		}
	}
	// The reader handles messages in order: once the echo is back, the
	// lab server has had every packet before it.
	if skipped := bad.echoes(40001); len(skipped) != 0 {
		t.Errorf("answers to malformed packets: %s", describe(skipped))
	}
	st := ls.Stats()
	if st.Drops.Malformed != uint64(len(badLength)) || st.SessionsCurrent != 2 {
		t.Errorf("malformed drops %d, sessions %d; want %d and 2", st.Drops.Malformed, st.SessionsCurrent, len(badLength))
	}
	t.Logf("%d packets of bad lengths dropped as malformed; %d with bad checksums or headers unanswered", len(badLength), len(unanswered))
}

// In a workshop, a student who sends from another student's address, the
// lab server's, loopback, broadcast or 0.0.0.0 has every packet dropped
// and counted; the student whose address it was sees none of them.
func spoofedInWorkshop(t *testing.T, ls *labServer, _ *client) {
	w := ls.create(t, map[string]any{"title": "Spoofing"})
	wls := *ls
	wls.url += "?workshop=" + w.Code
	victim := dial(t, &wls, ls.joinStudent(t, w.Code, "Victim"))
	bad := dial(t, &wls, ls.joinStudent(t, w.Code, "Mallory"))
	sources := []netip.Addr{victim.addr, labServerAddr, netip.MustParseAddr("127.0.0.1"),
		netip.MustParseAddr("10.0.255.255"), netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("10.0.1.200")}
	for i, a := range sources {
		from := netip.AddrPortFrom(a, uint16(41000+i))
		bad.send(labtest.UDP(from, echoUDP, []byte("spoofed")))
		bad.send(labtest.TCP(from, echoTCP, 1, 0, header.TCPFlagSyn))
		bad.send(labtest.Ping(a, labServerAddr, uint16(i)))
	}
	if skipped := bad.echoes(40001); len(skipped) != 0 {
		t.Errorf("the spoofer got: %s", describe(skipped))
	}
	if skipped := victim.echoes(40002); len(skipped) != 0 {
		t.Errorf("the student whose address was taken got: %s", describe(skipped))
	}
	if st := ls.Stats(); st.Drops.Spoofed != uint64(3*len(sources)) {
		t.Errorf("spoofed drops %d, want %d", st.Drops.Spoofed, 3*len(sources))
	}
}

// A datagram in two fragments reaches the echo service whole; a thousand
// first fragments that are never completed, and overlapping ones, are
// held by the lab server's stack within gVisor's reassembly bound (4 MiB
// a stack, 30 s) and leave the session working. The bridge counts them as
// packets in; what the stack does with them, only it counts.
func fragments(t *testing.T, ls *labServer, _ *client) {
	bad := dial(t, ls, nil)
	src := netip.AddrPortFrom(bad.addr, 40000)
	whole := labtest.UDP(src, echoUDP, []byte("a datagram that crosses the switch in two fragments, and comes back whole"))
	first, second := fragment(whole, 0x100, 24)
	bad.send(first)
	bad.send(second)
	echo, _ := bad.packet("the reassembled datagram's echo", func(ip header.IPv4) bool {
		return ip.TransportProtocol() == header.UDPProtocolNumber && header.UDP(ip.Payload()).DestinationPort() == 40000
	})
	if got, want := string(header.UDP(echo.Payload()).Payload()), string(header.UDP(whole[20:]).Payload()); got != want {
		t.Errorf("echo of a fragmented datagram: %q, want %q", got, want)
	}
	n := 1000
	if testing.Short() {
		n = 300
	}
	big := labtest.UDP(src, echoUDP, make([]byte, 1400))
	for i := range n {
		head, _ := fragment(big, uint16(i), 1376)
		bad.send(head)
		if i%100 == 0 {
			// Overlapping: the same first fragment again, and a second
			// fragment over the first's bytes.
			bad.send(head)
			_, tail := fragment(big, uint16(i), 8)
			bad.send(tail)
		}
	}
	if skipped := bad.echoes(40001); len(skipped) != 0 {
		t.Errorf("answers to incomplete fragments: %s", describe(skipped))
	}
	st := ls.Stats()
	if st.SessionsCurrent != 2 || st.Drops.Malformed != 0 {
		t.Errorf("sessions %d, malformed drops %d; want 2 and 0", st.SessionsCurrent, st.Drops.Malformed)
	}
	t.Logf("%d incomplete fragments of 1396 bytes held by one lab server", n)
}

// fragment splits an IPv4 packet with a 20-byte header into two fragments
// with identification id, the first carrying at bytes of its payload (a
// multiple of 8).
func fragment(pkt []byte, id uint16, at int) (first, second []byte) {
	payload := pkt[20:]
	mk := func(part []byte, offset int, more bool) []byte {
		b := make([]byte, 20+len(part))
		copy(b, pkt[:20])
		copy(b[20:], part)
		ip := header.IPv4(b)
		var flags uint8
		if more {
			flags = header.IPv4FlagMoreFragments
		}
		ip.Encode(&header.IPv4Fields{
			TotalLength: uint16(len(b)), ID: id, Flags: flags, FragmentOffset: uint16(offset),
			TTL: 64, Protocol: pkt[9], SrcAddr: ip.SourceAddress(), DstAddr: ip.DestinationAddress(),
		})
		ip.SetChecksum(^ip.CalculateChecksum())
		return b
	}
	return mk(payload[:at], 0, true), mk(payload[at:], at, false)
}

// flood sends n packets that mk makes, as fast as a client can, from a
// session that reads everything it is sent, while healthy makes echo
// round trips. The server admits at most the rate's burst and its rate
// for the time it took, drops the rest as rate, and does not close the
// flooder (it rested before its drops reached RateDropLimit).
func flood(t *testing.T, ls *labServer, healthy *client, n int, mk func(src netip.Addr, i int) []byte) {
	bad := dial(t, ls, nil)
	bad.ws.SetReadDeadline(time.Time{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			if _, _, err := bad.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	pkts := make([][]byte, n)
	for i := range pkts {
		pkts[i] = mk(bad.addr, i)
	}
	before := ls.Stats()
	start := time.Now()
	sent := make(chan time.Duration, 1)
	go func() {
		for _, p := range pkts {
			bad.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if bad.ws.WriteMessage(websocket.BinaryMessage, p) != nil {
				break // closed: see below
			}
		}
		sent <- time.Since(start)
	}()
	var rtts []time.Duration
	var took time.Duration
	for done := false; !done; {
		select {
		case took = <-sent:
			done = true
		default:
		}
		t0 := time.Now()
		healthy.echoes(uint16(31000 + len(rtts)))
		rtts = append(rtts, time.Since(t0))
	}
	// Every packet is in, or the flooder was closed.
	want := before.PacketsIn + uint64(n+len(rtts))
	st := ls.waitStats(t, "every flood packet in", func(st Stats) bool { return st.PacketsIn >= want || st.SessionsCurrent == 1 })
	elapsed := time.Since(start)
	in := st.PacketsIn - before.PacketsIn - uint64(len(rtts))
	rateDrops := st.Drops.Rate - before.Drops.Rate
	admitted := in - rateDrops
	bound := float64(DefaultPacketBurst) + DefaultPacketRate*elapsed.Seconds()
	if float64(admitted) > bound {
		t.Errorf("%d of %d admitted in %v, over the burst and rate's %.0f", admitted, in, elapsed, bound)
	}
	// The flooder rests before its drops reach RateDropLimit, so it is
	// not closed for its rate; it may be for the events its packets
	// cause (a SYN's SYN-RECEIVED), faster than it can read them.
	if st.SessionsCurrent != 2 && (st.Closed[bridge.ClosePolicy] != 1 || st.Drops.QueueFull == 0) {
		t.Errorf("%d sessions after the flood, closed %v; want the flooder open, or closed with 1008 after its queue filled", st.SessionsCurrent, st.Closed)
	}
	bad.ws.Close()
	<-drained
	slices.Sort(rtts)
	t.Logf("%d packets sent in %v, %d read: %d admitted (bound %.0f in %v), %d dropped as rate; healthy echo over %d round trips: p50 %v, p99 %v",
		n, took.Round(time.Millisecond), in, admitted, bound, elapsed.Round(time.Millisecond), rateDrops,
		len(rtts), rtts[len(rtts)/2].Round(time.Microsecond), rtts[len(rtts)*99/100].Round(time.Microsecond))
}

// bigPing is an ICMP echo request with 1400 bytes of data.
func bigPing(src, dst netip.Addr, seq uint16) []byte {
	msg := make([]byte, header.ICMPv4MinimumSize+1400)
	icmp := header.ICMPv4(msg)
	icmp.SetType(header.ICMPv4Echo)
	icmp.SetIdent(2)
	icmp.SetSequence(seq)
	icmp.SetChecksum(header.ICMPv4Checksum(icmp[:header.ICMPv4MinimumSize], checksum.Checksum(icmp.Payload(), 0)))
	return labtest.IPv4(src, dst, header.ICMPv4ProtocolNumber, msg)
}

// neverReads sends packets that mk makes, under the packet rate, from a
// client with a small receive buffer that never reads: the server's send
// queue fills, by count (the packets past it are dropped and counted) or
// by the session's memory budget, whichever comes first, and the session
// is ended with 1008, and its connection cut, within the write timeout
// and the close's grace.
func neverReads(t *testing.T, ls *labServer, mk func(src netip.Addr, i int) []byte) {
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}}
	ws, _, err := d.Dial(ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// The hello says the address; after it, nothing is read.
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hello bridge.Hello
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr(hello.Host.Address)
	start := time.Now()
	sent := 0
	for ; time.Since(start) < 30*time.Second; sent++ {
		ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if ws.WriteMessage(websocket.BinaryMessage, mk(src, sent)) != nil {
			break // the server cut the connection
		}
		if sent%10 == 9 {
			time.Sleep(10 * time.Millisecond) // about 1000 a second, under the rate
		}
	}
	st := ls.waitStats(t, "the session to end", func(st Stats) bool { return st.SessionsCurrent == 1 })
	if st.Drops.Rate != 0 || st.Closed[bridge.ClosePolicy] != 1 {
		t.Errorf("rate drops %d, closed %v; want none, and 1008 once", st.Drops.Rate, st.Closed)
	}
	t.Logf("cut off after %v and %d packets sent: %d dropped for a full queue; closed %v", time.Since(start).Round(time.Millisecond), sent, st.Drops.QueueFull, st.Closed)
}

// Requests for paths outside the static files, the browser client's
// build and the exercises, however spelled, get nothing outside them.
func traversal(t *testing.T, ls *labServer, build string) {
	secret := "socketlab-secret-" + filepath.Base(build)
	if err := os.WriteFile(filepath.Join(filepath.Dir(build), "secret.txt"), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "lab.wasm"), []byte("\x00asm"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/static/build/../secret.txt", "/static/build/..%2fsecret.txt", "/static/build/%2e%2e/secret.txt",
		"/static/build/..%5csecret.txt", "/static/build/....//secret.txt", "/static/../../../../etc/passwd",
		"/static/%2e%2e/%2e%2e/etc/passwd", "/static/build/%2fetc%2fpasswd", "/static/build//etc/passwd",
		"/static/build/lab.wasm%00.js", "/static/build/.stamp", "/lab/..%2f..%2fetc%2fpasswd",
		"/lab/%2e%2e", "/lab/../../etc/passwd", "/static/..\\..\\etc\\passwd",
	} {
		status, body, where := rawGet(t, ls.addr, path)
		if status == http.StatusTemporaryRedirect {
			// net/http's mux sends a path with dots to the clean one,
			// which must hold nothing outside either.
			status, body, _ = rawGet(t, ls.addr, where)
		}
		if strings.Contains(body, secret) || strings.Contains(body, "root:") {
			t.Errorf("GET %s: %d, serving a file outside the lab's: %.100q", path, status, body)
		}
		switch status {
		case http.StatusMovedPermanently, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Errorf("GET %s (after one redirect): %d, want 301, 400 or 404", path, status)
		}
	}
	if status, body, _ := rawGet(t, ls.addr, "/static/build/lab.wasm"); status != http.StatusOK || body != "\x00asm" {
		t.Errorf("GET /static/build/lab.wasm: %d %q, want the build's file", status, body)
	}
}

// rawGet sends path as written, which an http.Client would clean, and
// returns the status, the body and the Location.
func rawGet(t *testing.T, addr, path string) (status int, body, location string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// A request whose length is given twice, in ways that disagree, is
// refused and its connection closed, so that nothing smuggled after it is
// served: net/http refuses two Content-Lengths (400) and Transfer-Encodings
// it does not know (501); the server refuses a chunked body (411), which
// net/http would take over a Content-Length beside it.
func smuggling(t *testing.T, ls *labServer, _ *client) {
	for _, tc := range []struct {
		name, head string
		status     int
	}{
		{"Content-Length and Transfer-Encoding", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", http.StatusLengthRequired},
		{"Transfer-Encoding and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", http.StatusLengthRequired},
		{"two Content-Lengths", "Content-Length: 4\r\nContent-Length: 40\r\n", http.StatusBadRequest},
		{"a Content-Length not a number", "Content-Length: 4, 4\r\n", http.StatusBadRequest},
		{"Transfer-Encoding twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", http.StatusNotImplemented},
		{"Transfer-Encoding not chunked", "Transfer-Encoding: gzip, chunked\r\n", http.StatusNotImplemented},
		{"a space before the colon", "Transfer-Encoding : chunked\r\nContent-Length: 4\r\n", http.StatusBadRequest},
	} {
		c, err := net.Dial("tcp", ls.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "POST /join HTTP/1.1\r\nHost: %s\r\n%s\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", ls.addr, tc.head, ls.addr)
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			c.Close()
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		if rest, _ := io.ReadAll(r); len(rest) != 0 {
			t.Errorf("%s: after the refusal came %.200q, want the connection closed", tc.name, rest)
		}
		c.Close()
	}
}
