package netstack

import (
	"sync"

	"github.com/socketlab/socketlab/lab"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// link is a host's network interface: a point-to-point IPv4 link with no
// link-layer header. Outbound packets are copied once out of the stack's
// buffers into a pooled slice, shown to the observer, and handed to the
// host's output, all on the sending path.
type link struct {
	host *Host
	mtu  uint32

	mu   sync.RWMutex
	disp stack.NetworkDispatcher
}

var _ stack.LinkEndpoint = (*link)(nil)

func (l *link) dispatcher() stack.NetworkDispatcher {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.disp
}

// WritePackets sends each packet out of the host.
func (l *link) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	h := l.host
	for _, pkt := range pkts.AsSlice() {
		bp := h.sending(LinkName, pkt, false)
		h.cfg.Output(*bp)
		*bp = (*bp)[:cap(*bp)]
		h.pool.Put(bp)
	}
	return pkts.Len(), nil
}

// sending is what every interface does with a packet the stack writes to
// it: a copy in a pooled buffer (the checksum filled in where the stack
// left it out, on the loopback), the socket states read before it leaves,
// and the packet shown to the observer as sent on iface.
func (h *Host) sending(iface string, pkt *stack.PacketBuffer, checksum bool) *[]byte {
	bp := h.pool.Get().(*[]byte)
	b := (*bp)[:0]
	for _, s := range pkt.AsSlices() {
		b = append(b, s...)
	}
	*bp = b
	if checksum {
		fillChecksum(b)
	}
	now := h.now()
	h.watcher.outbound(now, b)
	if h.cfg.Observe != nil {
		h.cfg.Observe(iface, lab.Out, now, b)
	}
	return bp
}

func (l *link) Attach(d stack.NetworkDispatcher) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.disp = d
}

func (l *link) IsAttached() bool { return l.dispatcher() != nil }

func (l *link) MTU() uint32                                { return l.mtu }
func (l *link) SetMTU(uint32)                              {}
func (*link) MaxHeaderLength() uint16                      { return 0 }
func (*link) LinkAddress() tcpip.LinkAddress               { return "" }
func (*link) SetLinkAddress(tcpip.LinkAddress)             {}
func (*link) Capabilities() stack.LinkEndpointCapabilities { return 0 }
func (*link) Wait()                                        {}
func (*link) ARPHardwareType() header.ARPHardwareType      { return header.ARPHardwareNone }
func (*link) AddHeader(*stack.PacketBuffer)                {}
func (*link) ParseHeader(*stack.PacketBuffer) bool         { return true }
func (*link) Close()                                       {}
func (*link) SetOnCloseAction(func())                      {}
