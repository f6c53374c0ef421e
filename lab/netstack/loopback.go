package netstack

import (
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// loopbackLink is a host's loopback interface, lo: what it sends comes
// back into the same stack, as gVisor's own loopback endpoint does, but
// through the host's inbound queue rather than from inside the sending
// path, so that a packet on lo is bounded, observed and watched as one on
// the link is. Its MTU is the link's, so that a packet on lo fits the
// host's pooled buffers, and packets carry real checksums (no offload),
// so that the capture shows them right.
type loopbackLink struct {
	link
}

var _ stack.LinkEndpoint = (*loopbackLink)(nil)

// WritePackets reads the socket states, shows each packet to the observer
// and queues it to come back in.
func (l *loopbackLink) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	h := l.host
	for _, pkt := range pkts.AsSlice() {
		h.enqueue(queued{h.sending(LoopbackName, pkt, true), true})
	}
	return pkts.Len(), nil
}

// Capabilities marks the interface as a loopback, so that gVisor routes
// the host's own addresses through it.
func (*loopbackLink) Capabilities() stack.LinkEndpointCapabilities {
	return stack.CapabilityLoopback
}

func (*loopbackLink) ARPHardwareType() header.ARPHardwareType {
	return header.ARPHardwareLoopback
}

// fillChecksum computes the TCP or UDP checksum of b, an IPv4 packet
// whose transport header is whole.
func fillChecksum(b []byte) {
	ip := header.IPv4(b)
	if !ip.IsValid(len(b)) || ip.More() || ip.FragmentOffset() != 0 {
		return
	}
	payload := ip.Payload()
	xsum := header.PseudoHeaderChecksum(ip.TransportProtocol(), ip.SourceAddress(), ip.DestinationAddress(), uint16(len(payload)))
	switch ip.TransportProtocol() {
	case header.TCPProtocolNumber:
		if len(payload) >= header.TCPMinimumSize {
			t := header.TCP(payload)
			t.SetChecksum(0)
			t.SetChecksum(^checksum.Checksum(payload, xsum))
		}
	case header.UDPProtocolNumber:
		if len(payload) >= header.UDPMinimumSize {
			u := header.UDP(payload)
			u.SetChecksum(0)
			sum := ^checksum.Checksum(payload, xsum)
			if sum == 0 {
				sum = 0xffff // 0 would mean none (RFC 768)
			}
			u.SetChecksum(sum)
		}
	}
}
