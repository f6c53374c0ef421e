package netstack

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/socketlab/socketlab/lab"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// Sockets lists every TCP and UDP endpoint the stack holds, as ss -tanu
// does: listeners, connections (also those still in an accept queue or in
// TIME-WAIT after their socket closed) and UDP sockets, each with the id
// of the open socket that owns it (0 for none: a connection still in an
// accept queue, or one whose socket closed).
func (h *Host) Sockets() []lab.SocketInfo {
	return h.sockets(func(netip.Addr) bool { return true })
}

// SocketsWith lists the endpoints Sockets lists that concern the host at
// peer: those with no peer (listeners, unconnected UDP sockets) and those
// whose peer is at peer.
func (h *Host) SocketsWith(peer netip.Addr) []lab.SocketInfo {
	return h.sockets(func(a netip.Addr) bool { return a == peer })
}

// sockets lists the endpoints with no peer, and those whose peer's
// address keep accepts.
func (h *Host) sockets(keep func(netip.Addr) bool) []lab.SocketInfo {
	var rows []lab.SocketInfo
	for _, te := range h.stack.RegisteredEndpoints() {
		ep, ok := te.(tcpip.Endpoint)
		if !ok {
			continue
		}
		info, ok := ep.Info().(*stack.TransportEndpointInfo)
		if !ok {
			continue
		}
		row := lab.SocketInfo{
			Socket: h.owner(ep),
			Local:  netip.AddrPortFrom(ipOf(info.ID.LocalAddress), info.ID.LocalPort).String(),
		}
		if info.ID.RemotePort != 0 {
			peer := ipOf(info.ID.RemoteAddress)
			if !keep(peer) {
				continue
			}
			row.Peer = netip.AddrPortFrom(peer, info.ID.RemotePort).String()
		}
		switch info.TransProto {
		case tcp.ProtocolNumber:
			row.Proto = "tcp"
			row.State = tcpState(ep.State())
		case udp.ProtocolNumber:
			row.Proto = "udp"
			row.State = udpState(ep.State())
		default:
			continue
		}
		if row.State == lab.StateNone {
			continue
		}
		// A closed connection (TIME-WAIT) has no queues to ask about.
		if n, err := ep.GetSockOptInt(tcpip.ReceiveQueueSizeOption); err == nil {
			row.RecvQ = max(n, 0)
		}
		if n, err := ep.GetSockOptInt(tcpip.SendQueueSizeOption); err == nil {
			row.SendQ = max(n, 0)
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b lab.SocketInfo) int {
		return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Local, b.Local), cmp.Compare(a.Peer, b.Peer))
	})
	return rows
}

func ipOf(a tcpip.Address) netip.Addr {
	if a.Len() != 4 {
		return netip.IPv4Unspecified()
	}
	return netip.AddrFrom4(a.As4())
}

// udpState names a UDP endpoint's state as ss does.
func udpState(s uint32) lab.SocketState {
	switch transport.DatagramEndpointState(s) {
	case transport.DatagramEndpointStateConnected:
		return lab.StateEstablished
	case transport.DatagramEndpointStateBound:
		return lab.StateUnconnected
	case transport.DatagramEndpointStateClosed:
		return lab.StateClosed
	default:
		return lab.StateNone
	}
}
