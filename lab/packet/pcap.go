package packet

import "time"

// The pcap file format (see https://www.tcpdump.org/manpages/pcap-savefile.5.html).
const (
	pcapMagicMicros = 0xa1b2c3d4 // timestamps in microseconds
	pcapMagicNanos  = 0xa1b23c4d // timestamps in nanoseconds
	pcapVersionMaj  = 2
	pcapVersionMin  = 4
	pcapHeaderLen   = 24
	pcapRecordLen   = 16
	linkTypeRaw     = 101 // LINKTYPE_RAW: packets start with the IP header
	linkTypeIPv4    = 228 // LINKTYPE_IPV4: the same, IPv4 only
	pcapSnapLen     = 65535
)

// MaxPcapRecord is the largest captured length ReadPcap accepts in a record,
// the limit libpcap itself applies.
const MaxPcapRecord = 262144

// PcapRecord is one packet read from a pcap file.
type PcapRecord struct {
	Time    time.Time // when the packet was captured, in UTC
	Data    []byte    // the captured bytes, from the IPv4 header on
	OrigLen int       // the packet's length on the wire, at least len(Data)
}
