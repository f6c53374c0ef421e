package packet_test

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// step is one packet of a scenario and what a Tracker should make of it.
type step struct {
	pkt            []byte
	summary        string
	relSeq, relAck uint32
}

// The lab's two hosts.
const (
	client = "10.0.0.2"
	server = "10.0.0.1"
)

// echoConversation is a TCP echo exchange as a Linux-like client and server
// have it: handshake with options, "hello\n" each way, and a teardown. The
// client's ISN is close to 2^32 so that its sequence numbers wrap.
func echoConversation() []step {
	var c0, s0 uint32 = 0xfffffffa, 0x00c0ffee
	cli, srv := client+":49152", server+":7"
	hello := []byte("hello\n")
	ts := func(val, ecr uint32) []byte { return cat(optNOP(), optNOP(), optTS(val, ecr)) }
	return []step{
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: c0, flags: fSYN, win: 64240,
			opts: cat(optMSS(1460), optSACKPerm(), optTS(1000, 0), optNOP(), optWS(7))}),
			"49152 → 7 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=1000 TSecr=0 WS=128", 0, 0},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: s0, ack: c0 + 1, flags: fSYN | fACK, win: 65160,
			opts: cat(optMSS(1460), optSACKPerm(), optTS(2000, 1000), optNOP(), optWS(7))}),
			"7 → 49152 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM TSval=2000 TSecr=1000 WS=128", 0, 1},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: c0 + 1, ack: s0 + 1, flags: fACK, win: 502, opts: ts(1001, 2000)}),
			"49152 → 7 [ACK] Seq=1 Ack=1 Win=64256 Len=0 TSval=1001 TSecr=2000", 1, 1},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: c0 + 1, ack: s0 + 1, flags: fPSH | fACK, win: 502, opts: ts(1002, 2000), payload: hello}),
			"49152 → 7 [PSH, ACK] Seq=1 Ack=1 Win=64256 Len=6 TSval=1002 TSecr=2000", 1, 1},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: s0 + 1, ack: c0 + 7, flags: fACK, win: 509, opts: ts(2001, 1002)}),
			"7 → 49152 [ACK] Seq=1 Ack=7 Win=65152 Len=0 TSval=2001 TSecr=1002", 1, 7},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: s0 + 1, ack: c0 + 7, flags: fPSH | fACK, win: 509, opts: ts(2002, 1002), payload: hello}),
			"7 → 49152 [PSH, ACK] Seq=1 Ack=7 Win=65152 Len=6 TSval=2002 TSecr=1002", 1, 7},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: c0 + 7, ack: s0 + 7, flags: fACK, win: 502, opts: ts(1003, 2002)}),
			"49152 → 7 [ACK] Seq=7 Ack=7 Win=64256 Len=0 TSval=1003 TSecr=2002", 7, 7},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: c0 + 7, ack: s0 + 7, flags: fFIN | fACK, win: 502, opts: ts(1004, 2002)}),
			"49152 → 7 [FIN, ACK] Seq=7 Ack=7 Win=64256 Len=0 TSval=1004 TSecr=2002", 7, 7},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: s0 + 7, ack: c0 + 8, flags: fFIN | fACK, win: 509, opts: ts(2003, 1004)}),
			"7 → 49152 [FIN, ACK] Seq=7 Ack=8 Win=65152 Len=0 TSval=2003 TSecr=1004", 7, 8},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: c0 + 8, ack: s0 + 8, flags: fACK, win: 502, opts: ts(1005, 2003)}),
			"49152 → 7 [ACK] Seq=8 Ack=8 Win=64256 Len=0 TSval=1005 TSecr=2003", 8, 8},
	}
}

// otherTraffic is the rest of a lab session: a refused connection, a UDP
// echo, a UDP datagram to a closed port and the ICMP error it draws, and a
// ping.
func otherTraffic() []step {
	toDiscard := buildUDP(client+":49154", server+":9", []byte("anyone?"))
	echoID := [4]byte{0, 1, 0, 1}
	return []step{
		{buildTCP(tcpSeg{src: client + ":49153", dst: server + ":9", seq: 12345, flags: fSYN, win: 64240, opts: optMSS(1460)}),
			"49153 → 9 [SYN] Seq=0 Win=64240 Len=0 MSS=1460", 0, 0},
		{buildTCP(tcpSeg{src: server + ":9", dst: client + ":49153", seq: 0, ack: 12346, flags: fRST | fACK}),
			"9 → 49153 [RST, ACK] Seq=1 Ack=1 Win=0 Len=0", 1, 1},
		{buildUDP(client+":49155", server+":7", []byte("ping!!")), "49155 → 7 Len=6", 0, 0},
		{buildUDP(server+":7", client+":49155", []byte("ping!!")), "7 → 49155 Len=6", 0, 0},
		{toDiscard, "49154 → 9 Len=7", 0, 0},
		{buildICMP(server, client, 3, 3, [4]byte{}, toDiscard), "Destination unreachable (Port unreachable)", 0, 0},
		{buildICMP(client, server, 8, 0, echoID, []byte("abcdefgh")), "Echo (ping) request  id=0x0001, seq=1/256, ttl=64", 0, 0},
		{buildICMP(server, client, 0, 0, echoID, []byte("abcdefgh")), "Echo (ping) reply    id=0x0001, seq=1/256, ttl=64", 0, 0},
	}
}

// midStream is a connection whose capture starts after the handshake. The
// first sequence number seen from each side counts as 1, as in Wireshark,
// and windows are not scaled, the scale being unknown. Its last segment
// repeats the previous one's ack and window: a duplicate ACK.
func midStream() []step {
	cli, srv := client+":40000", server+":7"
	return []step{
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 5000, ack: 9000, flags: fPSH | fACK, win: 502, payload: []byte("abc")}),
			"40000 → 7 [PSH, ACK] Seq=1 Ack=1 Win=502 Len=3", 1, 1},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: 9000, ack: 5003, flags: fACK, win: 509}),
			"7 → 40000 [ACK] Seq=1 Ack=4 Win=509 Len=0", 1, 4},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 5003, ack: 9000, flags: fPSH | fACK | fURG, urg: 1, win: 502, payload: []byte("!")}),
			"40000 → 7 [PSH, ACK, URG] Seq=4 Ack=1 Win=502 Urg=1 Len=1", 4, 1},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 5004, ack: 9000, win: 502}),
			"[TCP Dup ACK #1] 40000 → 7 [<None>] Seq=5 Win=502 Len=0", 5, 0},
	}
}

// sackExchange is an ECN-capable connection whose server acknowledges data
// with holes in it: SACK edges are the client's sequence numbers, shown
// relative to its ISN. The segment after the hole is one whose previous
// segment was not captured, and the server's SACK a duplicate ACK.
func sackExchange() []step {
	cli, srv := client+":49170", server+":7"
	return []step{
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 1000, flags: fSYN | fECE | fCWR, win: 64240, opts: cat(optMSS(1460), optSACKPerm())}),
			"49170 → 7 [SYN, ECE, CWR] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM", 0, 0},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: 5000, ack: 1001, flags: fSYN | fACK | fECE, win: 65160, opts: cat(optMSS(1460), optNOP(), optNOP(), optSACKPerm())}),
			"7 → 49170 [SYN, ACK, ECE] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM", 0, 1},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 1001, ack: 5001, flags: fACK, win: 64240}),
			"49170 → 7 [ACK] Seq=1 Ack=1 Win=64240 Len=0", 1, 1},
		{buildTCP(tcpSeg{src: cli, dst: srv, seq: 2461, ack: 5001, flags: fACK, win: 64240, payload: make([]byte, 1460)}),
			"[TCP Previous segment not captured] 49170 → 7 [ACK] Seq=1461 Ack=1 Win=64240 Len=1460", 1461, 1},
		{buildTCP(tcpSeg{src: srv, dst: cli, seq: 5001, ack: 1001, flags: fACK, win: 65160, opts: cat(optNOP(), optNOP(), optSACK(2461, 3921))}),
			"[TCP Dup ACK #1] 7 → 49170 [ACK] Seq=1 Ack=1 Win=65160 Len=0 SLE=1461 SRE=2921", 1, 1},
	}
}

// oddBits is a segment with the bits and options a lab's stacks do not
// send: Accurate ECN, a reserved bit, an option of unknown kind, and EOL
// with something after it; its window is 0.
func oddBits() []step {
	return []step{
		{buildTCP(tcpSeg{src: client + ":40001", dst: server + ":7", seq: 100, ack: 200, flags: fAE | fACK | 0x200, opts: []byte{99, 3, 0, 0, 1, 1}}),
			"[TCP ZeroWindow] 40001 → 7 [ACK, AE, Reserved] Seq=1 Ack=1 Win=0 Len=0", 1, 1},
	}
}

// labSession is every scenario packet, in order.
func labSession() []step {
	return slices.Concat(echoConversation(), otherTraffic(), midStream(), sackExchange(), oddBits(), tftpTransfer())
}

// tftpTransfer is a TFTP read, its DATA and ACKs on the server's transfer
// port (the Tracker saw it requested), and an error from port 69: named as
// Wireshark names them.
func tftpTransfer() []step {
	cli, req, xfer := client+":49160", server+":69", server+":50001"
	block := append([]byte{0, 3, 0, 1}, bytes.Repeat([]byte("x"), 512)...)
	return []step{
		{buildUDP(cli, req, []byte("\x00\x01tftp.txt\x00octet\x00")), "Read Request, File: tftp.txt, Transfer type: octet", 0, 0},
		{buildUDP(xfer, cli, block), "Data Packet, Block: 1", 0, 0},
		{buildUDP(cli, xfer, []byte{0, 4, 0, 1}), "Acknowledgement, Block: 1", 0, 0},
		{buildUDP(xfer, cli, append([]byte{0, 3, 0, 2}, "the end\n"...)), "Data Packet, Block: 2 (last)", 0, 0},
		{buildUDP(cli, xfer, []byte{0, 4, 0, 2}), "Acknowledgement, Block: 2", 0, 0},
		{buildUDP(req, client+":49161", []byte("\x00\x05\x00\x01File not found\x00")), "Error Code, Code: File not found, Message: File not found", 0, 0},
	}
}

// reframe returns a copy of the IPv4 packet pkt cut to n bytes, with its
// total length and header checksum fixed to match, so that the cut lands
// in the transport header rather than being caught by the IPv4 checks. pkt
// has a 20-byte IPv4 header and n is at least 20.
func reframe(pkt []byte, n int) []byte {
	b := append([]byte(nil), pkt[:n]...)
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	b[10], b[11] = 0, 0
	binary.BigEndian.PutUint16(b[10:], onesSum(b[:20]))
	return b
}
