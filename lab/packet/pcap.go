package packet

import "time"

// The classic pcap file format, which ReadPcap reads (see
// https://www.tcpdump.org/manpages/pcap-savefile.5.html).
const (
	pcapMagicMicros = 0xa1b2c3d4 // timestamps in microseconds
	pcapMagicNanos  = 0xa1b23c4d // timestamps in nanoseconds
	pcapVersionMaj  = 2
	pcapHeaderLen   = 24
	pcapRecordLen   = 16
	linkTypeRaw     = 101 // LINKTYPE_RAW: packets start with the IP header
	linkTypeIPv4    = 228 // LINKTYPE_IPV4: the same, IPv4 only
	pcapSnapLen     = 65535
)

// The pcapng file format, which PcapngWriter writes and ReadPcap reads
// (see https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html):
// blocks, each a type, a length, a body and the length again.
const (
	blockSection   = 0x0a0d0d0a // Section Header Block; also the file's magic
	blockInterface = 1          // Interface Description Block
	blockEnhanced  = 6          // Enhanced Packet Block
	byteOrderMagic = 0x1a2b3c4d
	pcapngMajor    = 1
	optEnd         = 0 // opt_endofopt
	optIfName      = 2 // if_name: the interface's name
	optIfTSResol   = 9 // if_tsresol: the timestamps' units
	tsresolNanos   = 9 // 10^-9 s
	// maxBlock bounds a block ReadPcap reads: a largest record with room
	// for its options.
	maxBlock = MaxPcapRecord + 1<<16
)

// MaxPcapRecord is the largest captured length ReadPcap accepts in a record,
// the limit libpcap itself applies.
const MaxPcapRecord = 262144

// PcapRecord is one packet read from a capture.
type PcapRecord struct {
	Time      time.Time // when the packet was captured, in UTC
	Data      []byte    // the captured bytes, from the IPv4 header on
	OrigLen   int       // the packet's length on the wire, at least len(Data)
	Interface string    // the name of the interface it was captured on; "" if the capture does not say (classic pcap)
}
