package lab

// Packet is one IPv4 packet as seen on a host's link: its headers decoded
// into fields, a one-line summary in the style of Wireshark's Info column,
// and the raw bytes. Exactly one of TCP, UDP and ICMP is set when the
// transport header could be decoded.
type Packet struct {
	Dir      Direction `json:"dir"`      // relative to the event's host
	Protocol string    `json:"protocol"` // "TCP", "UDP", "ICMP" or "IPv4"
	Src      string    `json:"src"`      // source address:port (address alone for ICMP)
	Dst      string    `json:"dst"`
	Length   int       `json:"length"`  // bytes on the wire (the IPv4 total length)
	Summary  string    `json:"summary"` // Wireshark Info column style, relative seq/ack
	IPv4     IPv4      `json:"ipv4"`
	TCP      *TCP      `json:"tcp,omitempty"`
	UDP      *UDP      `json:"udp,omitempty"`
	ICMP     *ICMP     `json:"icmp,omitempty"`
	Data     []byte    `json:"data"` // the whole packet, from the IPv4 header on
}

// IPv4 is a decoded IPv4 header.
type IPv4 struct {
	Version    uint8  `json:"version"`
	IHL        int    `json:"ihl"` // header length in bytes
	TOS        uint8  `json:"tos"`
	TotalLen   uint16 `json:"total_length"`
	ID         uint16 `json:"id"`
	DontFrag   bool   `json:"df"`
	MoreFrags  bool   `json:"mf"`
	FragOffset uint16 `json:"frag_offset"` // in bytes
	TTL        uint8  `json:"ttl"`
	Protocol   uint8  `json:"protocol"`
	Checksum   uint16 `json:"checksum"`
	ChecksumOK bool   `json:"checksum_ok"`
	Src        string `json:"src"`
	Dst        string `json:"dst"`
}

// TCP is a decoded TCP header. Seq and Ack are the raw numbers on the wire;
// RelSeq and RelAck are relative to each side's initial sequence number, as
// Wireshark shows them.
type TCP struct {
	SrcPort    uint16     `json:"src_port"`
	DstPort    uint16     `json:"dst_port"`
	Seq        uint32     `json:"seq"`
	Ack        uint32     `json:"ack"`
	RelSeq     uint32     `json:"rel_seq"`
	RelAck     uint32     `json:"rel_ack"`
	DataOffset int        `json:"data_offset"` // header length in bytes
	Flags      TCPFlags   `json:"flags"`
	Window     uint16     `json:"window"`
	Checksum   uint16     `json:"checksum"`
	ChecksumOK bool       `json:"checksum_ok"`
	Urgent     uint16     `json:"urgent"`
	Options    TCPOptions `json:"options"`
	PayloadLen int        `json:"payload_length"`
}

// TCPFlags are the control bits of a TCP header.
type TCPFlags struct {
	FIN bool `json:"fin"`
	SYN bool `json:"syn"`
	RST bool `json:"rst"`
	PSH bool `json:"psh"`
	ACK bool `json:"ack"`
	URG bool `json:"urg"`
	ECE bool `json:"ece"`
	CWR bool `json:"cwr"`
}

// TCPOptions are the options of a TCP header that socketlab knows by name.
// Zero values mean absent, except where a Has field says otherwise.
type TCPOptions struct {
	MSS           uint16      `json:"mss,omitempty"`
	HasWScale     bool        `json:"has_wscale,omitempty"`
	WScale        uint8       `json:"wscale,omitempty"`
	SACKPermitted bool        `json:"sack_permitted,omitempty"`
	SACK          []SACKBlock `json:"sack,omitempty"`
	HasTimestamp  bool        `json:"has_timestamp,omitempty"`
	TSVal         uint32      `json:"tsval,omitempty"`
	TSEcr         uint32      `json:"tsecr,omitempty"`
	Unknown       []uint8     `json:"unknown,omitempty"` // kinds of options not decoded
}

// SACKBlock is one selective acknowledgement block, raw sequence numbers.
type SACKBlock struct {
	Left  uint32 `json:"left"`
	Right uint32 `json:"right"`
}

// UDP is a decoded UDP header.
type UDP struct {
	SrcPort    uint16 `json:"src_port"`
	DstPort    uint16 `json:"dst_port"`
	Length     uint16 `json:"length"`
	Checksum   uint16 `json:"checksum"`
	ChecksumOK bool   `json:"checksum_ok"`
	PayloadLen int    `json:"payload_length"`
}

// ICMP is a decoded ICMPv4 message. For errors (such as port unreachable)
// Original holds the summary of the packet that caused it.
type ICMP struct {
	Type       uint8  `json:"type"`
	Code       uint8  `json:"code"`
	Checksum   uint16 `json:"checksum"`
	ChecksumOK bool   `json:"checksum_ok"`
	ID         uint16 `json:"id,omitempty"`  // echo request/reply
	Seq        uint16 `json:"seq,omitempty"` // echo request/reply
	Original   string `json:"original,omitempty"`
}
