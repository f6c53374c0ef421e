package packet

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/socketlab/socketlab/lab"
)

// Decode decodes one raw IPv4 packet, starting at its IPv4 header, into a
// lab.Packet. It verifies the IPv4, TCP, UDP and ICMP checksums (a UDP
// checksum of zero, meaning none was sent, counts as OK) and decodes the
// transport header unless the packet is a fragment. Bytes after the IPv4
// total length are ignored; Data is a copy of the packet, so b may be reused.
//
// Decode leaves Dir and Summary empty: set Dir, then use a Tracker's Annotate
// (or Summarize) for the summary and the relative TCP sequence numbers.
//
// Bytes that do not hold a well-formed packet give an error wrapping
// ErrTruncated or ErrMalformed, such as
// "decode tcp: header truncated: 12 of 20 bytes", and the zero Packet.
func Decode(b []byte) (lab.Packet, error) {
	h, err := decodeIPv4(b)
	if err != nil {
		return lab.Packet{}, fmt.Errorf("decode ipv4: %w", err)
	}
	data := bytes.Clone(b[:h.fields.TotalLen])
	p := lab.Packet{Protocol: "IPv4", Length: len(data), IPv4: h.fields, Data: data}
	payload := data[h.fields.IHL:]
	var sport, dport uint16
	switch {
	case h.fragment():
	case h.fields.Protocol == protoTCP:
		if p.TCP, err = decodeTCP(payload, &h); err != nil {
			return lab.Packet{}, fmt.Errorf("decode tcp: %w", err)
		}
		p.Protocol, sport, dport = "TCP", p.TCP.SrcPort, p.TCP.DstPort
	case h.fields.Protocol == protoUDP:
		if p.UDP, err = decodeUDP(payload, &h); err != nil {
			return lab.Packet{}, fmt.Errorf("decode udp: %w", err)
		}
		p.Protocol, sport, dport = "UDP", p.UDP.SrcPort, p.UDP.DstPort
	case h.fields.Protocol == protoICMP:
		if p.ICMP, err = decodeICMP(payload); err != nil {
			return lab.Packet{}, fmt.Errorf("decode icmp: %w", err)
		}
		p.Protocol = "ICMP"
	}
	if p.TCP != nil || p.UDP != nil {
		p.Src, p.IPv4.Src, p.Dst, p.IPv4.Dst = formatEndpoints(h.src, sport, h.dst, dport)
	} else {
		p.IPv4.Src = netip.AddrFrom4(h.src).String()
		p.IPv4.Dst = netip.AddrFrom4(h.dst).String()
		p.Src, p.Dst = p.IPv4.Src, p.IPv4.Dst
	}
	return p, nil
}

// formatEndpoints formats src:sport and dst:dport, and returns the
// addresses alone too, all sharing one allocation.
func formatEndpoints(src [4]byte, sport uint16, dst [4]byte, dport uint16) (srcPort, srcAddr, dstPort, dstAddr string) {
	var buf [2 * len("255.255.255.255:65535")]byte
	b := netip.AddrFrom4(src).AppendTo(buf[:0])
	n1 := len(b)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(sport), 10)
	n2 := len(b)
	b = netip.AddrFrom4(dst).AppendTo(b)
	n3 := len(b)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(dport), 10)
	s := string(b)
	return s[:n2], s[:n1], s[n2:], s[n2:n3]
}
