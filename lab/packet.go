package lab

// Packet is one IPv4 packet as seen on one of a host's interfaces: its
// headers decoded into fields, a one-line summary in the style of
// Wireshark's Info column, and the raw bytes. Exactly one of TCP, UDP and
// ICMP is set when the transport header could be decoded.
type Packet struct {
	// Interface is the name of the interface the packet was seen on: the
	// host's link ("eth0") or its loopback ("lo"), where a packet is seen
	// once, as it is sent.
	Interface string    `json:"iface"`
	Dir       Direction `json:"dir"`      // relative to the event's host
	Protocol  string    `json:"protocol"` // "TCP", "UDP", "ICMP" or "IPv4"
	Src       string    `json:"src"`      // source address:port (address alone for ICMP)
	Dst       string    `json:"dst"`
	Length    int       `json:"length"`  // bytes on the wire (the IPv4 total length)
	Summary   string    `json:"summary"` // Wireshark Info column style, relative seq/ack
	// Analysis labels a TCP segment as Wireshark's TCP analysis does
	// (tcp.analysis.*, without the prefix): "retransmission",
	// "fast_retransmission", "spurious_retransmission", "out_of_order",
	// "lost_segment", "ack_lost_segment", "window_update", "window_full", "keep_alive",
	// "keep_alive_ack", "duplicate_ack", "zero_window_probe",
	// "zero_window", "zero_window_probe_ack". The summary begins with the
	// same, as "[TCP Retransmission] ".
	Analysis []string `json:"analysis,omitempty"`
	IPv4     IPv4     `json:"ipv4"`
	TCP      *TCP     `json:"tcp,omitempty"`
	UDP      *UDP     `json:"udp,omitempty"`
	ICMP     *ICMP    `json:"icmp,omitempty"`
	Data     []byte   `json:"data"` // the whole packet, from the IPv4 header on
}

// IPv4 is a decoded IPv4 header.
type IPv4 struct {
	Version    uint8  `json:"version"`
	IHL        int    `json:"ihl"` // header length in bytes
	TOS        uint8  `json:"tos"`
	TotalLen   uint16 `json:"total_length"`
	ID         uint16 `json:"id"`
	Reserved   bool   `json:"rb"` // the reserved flag bit (RFC 3514's evil bit)
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
	SrcPort    uint16   `json:"src_port"`
	DstPort    uint16   `json:"dst_port"`
	Seq        uint32   `json:"seq"`
	Ack        uint32   `json:"ack"`
	RelSeq     uint32   `json:"rel_seq"`
	RelAck     uint32   `json:"rel_ack"`
	DataOffset int      `json:"data_offset"` // header length in bytes
	Flags      TCPFlags `json:"flags"`
	Window     uint16   `json:"window"` // as on the wire
	// CalcWindow is the window in bytes, scaled by the shift the sender's
	// SYN offered once both SYNs offered one (RFC 7323), as Wireshark's
	// [Calculated window size]; Window when the scale is unknown.
	CalcWindow uint32 `json:"calc_window"`
	// WindowScale is what Window is multiplied by, as Wireshark's
	// [Window size scaling factor]: 1 << shift once both SYNs offered
	// scaling; WindowScaleNone once either SYN went without;
	// WindowScaleUnknown when neither is known, and in a SYN.
	WindowScale int        `json:"window_scale_factor"`
	Checksum    uint16     `json:"checksum"`
	ChecksumOK  bool       `json:"checksum_ok"`
	Urgent      uint16     `json:"urgent"`
	Options     TCPOptions `json:"options"`
	PayloadLen  int        `json:"payload_length"`
	// DupAck numbers a duplicate ACK: 1 for the first repeat of an
	// acknowledgement, and so on (Wireshark's
	// tcp.analysis.duplicate_ack_num); 0 for any other segment.
	DupAck int `json:"dup_ack,omitempty"`
}

// The values of TCP.WindowScale that are not a factor, as Wireshark's.
const (
	WindowScaleUnknown = -1 // the connection's SYNs were not seen
	WindowScaleNone    = -2 // one of its SYNs offered no scaling
)

// TCPFlags are the 12 bits of a TCP header's flags field: the eight
// control bits, AE (Accurate ECN, RFC 9768) and the three reserved bits.
type TCPFlags struct {
	FIN      bool  `json:"fin"`
	SYN      bool  `json:"syn"`
	RST      bool  `json:"rst"`
	PSH      bool  `json:"psh"`
	ACK      bool  `json:"ack"`
	URG      bool  `json:"urg"`
	ECE      bool  `json:"ece"`
	CWR      bool  `json:"cwr"`
	AE       bool  `json:"ae"`
	Reserved uint8 `json:"reserved"` // the three reserved bits, 0 to 7
	// Bits is the whole field as a number (Wireshark's tcp.flags), the
	// reserved bits highest, FIN lowest. Decode sets it and the fields
	// above from the same bits; summaries and the lab page show it.
	Bits uint16 `json:"bits"`
}

// TCPFlagBit describes one bit (or, for Reserved, bits) of the TCP flags
// field, for showing it as Wireshark does.
type TCPFlagBit struct {
	Mask  uint16 `json:"mask"`  // its bits in TCPFlags.Bits
	Name  string `json:"name"`  // its name in a summary, "SYN"
	Label string `json:"label"` // Wireshark's name of the bit, "Syn", "Acknowledgment"
}

// TCPFlagBits are the bits of the TCP flags field, highest first, as
// Wireshark lists them in a packet's tree (a summary lists them lowest
// first).
var TCPFlagBits = []TCPFlagBit{
	{0xe00, "Reserved", "Reserved"},
	{0x100, "AE", "Accurate ECN"},
	{0x080, "CWR", "Congestion Window Reduced"},
	{0x040, "ECE", "ECN-Echo"},
	{0x020, "URG", "Urgent"},
	{0x010, "ACK", "Acknowledgment"},
	{0x008, "PSH", "Push"},
	{0x004, "RST", "Reset"},
	{0x002, "SYN", "Syn"},
	{0x001, "FIN", "Fin"},
}

// TCPOptions are the options of a TCP header: List holds every one in
// wire order, as Wireshark lists them; the other fields are those
// socketlab knows by name. Zero values mean absent, except where a Has
// field says otherwise.
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
	List          []TCPOption `json:"list,omitempty"`
}

// TCPOption is one option of a TCP header, NOP and EOL included (each
// zero byte of padding after an EOL is another EOL), as Wireshark shows
// it: "TCP Option - Name: Value" (for SACK, "TCP Option - SACK Value").
type TCPOption struct {
	Kind   uint8  `json:"kind"`
	Length int    `json:"length"`          // bytes, kind and length included (1 for NOP and EOL)
	Name   string `json:"name"`            // Wireshark's name, "Maximum segment size"
	Value  string `json:"value,omitempty"` // its value as Wireshark words it, "1460 bytes"; SACK edges relative when known
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
	TypeName   string `json:"type_name"`           // Wireshark's, "Destination unreachable"
	CodeName   string `json:"code_name,omitempty"` // Wireshark's, "Port unreachable"; "" for types it shows no code name for
	Checksum   uint16 `json:"checksum"`
	ChecksumOK bool   `json:"checksum_ok"`
	ID         uint16 `json:"id,omitempty"`  // echo, timestamp, information and address mask messages
	Seq        uint16 `json:"seq,omitempty"` // those too
	Original   string `json:"original,omitempty"`
}

// Payload is the bytes a TCP segment or UDP datagram carries, read from
// the packet's own bytes (p.Data): nil for any other packet, or one whose
// headers do not fit its bytes.
func (p *Packet) Payload() []byte {
	var off, n int
	switch {
	case p.TCP != nil:
		off, n = p.IPv4.IHL+p.TCP.DataOffset, p.TCP.PayloadLen
	case p.UDP != nil:
		off, n = p.IPv4.IHL+8, p.UDP.PayloadLen
	default:
		return nil
	}
	if off <= 0 || n < 0 || off+n > len(p.Data) {
		return nil
	}
	return p.Data[off : off+n]
}
