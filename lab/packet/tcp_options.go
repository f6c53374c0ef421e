package packet

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/socketlab/socketlab/lab"
)

// The TCP option kinds socketlab knows by name.
const (
	optEOL       = 0
	optNOP       = 1
	optMSS       = 2
	optWScale    = 3
	optSACKPerm  = 4
	optSACK      = 5
	optTimestamp = 8
)

// optionNames name the option kinds socketlab knows: short, for error
// messages, and as Wireshark lists them.
var optionNames = map[uint8]struct{ short, wireshark string }{
	optEOL:       {"eol", "End of Option List (EOL)"},
	optNOP:       {"nop", "No-Operation (NOP)"},
	optMSS:       {"mss", "Maximum segment size"},
	optWScale:    {"window scale", "Window scale"},
	optSACKPerm:  {"sack permitted", "SACK permitted"},
	optSACK:      {"sack", "SACK"},
	optTimestamp: {"timestamps", "Timestamps"},
}

// optionIter walks the options of a TCP header in wire order. After an
// EOL the rest is padding: each zero byte of it counts as another EOL, as
// Wireshark lists them, and the walk ends at the first other byte.
type optionIter struct {
	opts  []byte
	off   int
	ended bool // an EOL was seen
}

// next returns the next option's kind and the bytes after its length byte
// (none for NOP and EOL). ok is false at the end of the options, err is set
// when an option's length is impossible or runs past the header.
func (it *optionIter) next() (kind uint8, body []byte, ok bool, err error) {
	if it.off >= len(it.opts) {
		return 0, nil, false, nil
	}
	start := it.off
	kind = it.opts[start]
	switch {
	case kind == optEOL:
		it.off++
		it.ended = true
		return kind, nil, true, nil
	case it.ended:
		return 0, nil, false, nil
	case kind == optNOP:
		it.off++
		return kind, nil, true, nil
	}
	if start+2 > len(it.opts) {
		return 0, nil, false, malformed("option %s at option byte %d has no length", optionName(kind), start)
	}
	n := int(it.opts[start+1])
	if n < 2 {
		return 0, nil, false, malformed("option %s at option byte %d has length %d, below the minimum 2", optionName(kind), start, n)
	}
	if start+n > len(it.opts) {
		return 0, nil, false, malformed("option %s at option byte %d has length %d, past the %d bytes of options", optionName(kind), start, n, len(it.opts))
	}
	it.off = start + n
	return kind, it.opts[start+2 : start+n], true, nil
}

// optionName names a TCP option kind for error messages.
func optionName(kind uint8) string {
	if n, ok := optionNames[kind]; ok {
		return n.short
	}
	return fmt.Sprintf("kind %d", kind)
}

// decodeTCPOptions decodes the options area opts into o: every option into
// o.List, in wire order, and those socketlab knows by name into their
// fields. Options of a kind socketlab does not know are recorded by kind;
// a known option of the wrong length is an error, as Wireshark marks it
// malformed.
func decodeTCPOptions(o *lab.TCPOptions, opts []byte) error {
	it := optionIter{opts: opts}
	for {
		kind, body, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		n := len(body)
		switch kind {
		case optMSS:
			if err := wantLen(kind, body, 2); err != nil {
				return err
			}
			o.MSS = binary.BigEndian.Uint16(body)
		case optWScale:
			if err := wantLen(kind, body, 1); err != nil {
				return err
			}
			o.HasWScale, o.WScale = true, body[0]
		case optSACKPerm:
			if err := wantLen(kind, body, 0); err != nil {
				return err
			}
			o.SACKPermitted = true
		case optTimestamp:
			if err := wantLen(kind, body, 8); err != nil {
				return err
			}
			o.HasTimestamp = true
			o.TSVal = binary.BigEndian.Uint32(body)
			o.TSEcr = binary.BigEndian.Uint32(body[4:])
		case optSACK:
			if len(body) == 0 || len(body)%8 != 0 {
				return malformed("option sack has length %d, want 2 plus a multiple of 8", len(body)+2)
			}
			o.SACK = make([]lab.SACKBlock, 0, len(body)/8)
			for ; len(body) > 0; body = body[8:] {
				o.SACK = append(o.SACK, lab.SACKBlock{
					Left:  binary.BigEndian.Uint32(body),
					Right: binary.BigEndian.Uint32(body[4:]),
				})
			}
		case optEOL, optNOP:
		default:
			o.Unknown = append(o.Unknown, kind)
		}
		o.List = append(o.List, option(o, kind, n))
	}
}

// option describes, as Wireshark does, the option of kind whose body of n
// bytes decodeTCPOptions has just decoded into o. SACK edges are raw
// until a Tracker makes them relative (relativeSACK).
func option(o *lab.TCPOptions, kind uint8, n int) lab.TCPOption {
	opt := lab.TCPOption{Kind: kind, Length: n + 2, Name: "Unknown"}
	if kind == optEOL || kind == optNOP {
		opt.Length = 1
	}
	if names, ok := optionNames[kind]; ok {
		opt.Name = names.wireshark
	}
	var b []byte
	switch kind {
	case optMSS:
		b = append(strconv.AppendUint(b, uint64(o.MSS), 10), " bytes"...)
	case optWScale:
		b = strconv.AppendUint(b, uint64(o.WScale), 10)
		b = appendField(b, " (multiply by ", 1<<min(o.WScale, maxWScale))
		b = append(b, ')')
	case optTimestamp:
		b = appendField(b, "TSval ", uint64(o.TSVal))
		b = appendField(b, ", TSecr ", uint64(o.TSEcr))
	case optSACK:
		b = appendSACK(b, o.SACK, 0)
	}
	opt.Value = string(b)
	return opt
}

// appendSACK appends SACK blocks as Wireshark shows them, "1001-2001
// 3001-4001", less base (the peer's ISN, or zero for raw numbers).
func appendSACK(b []byte, blocks []lab.SACKBlock, base uint32) []byte {
	for i, s := range blocks {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(s.Left-base), 10)
		b = appendField(b, "-", uint64(s.Right-base))
	}
	return b
}

// wantLen checks that the option kind has a body of n bytes.
func wantLen(kind uint8, body []byte, n int) error {
	if len(body) != n {
		return malformed("option %s has length %d, want %d", optionName(kind), len(body)+2, n+2)
	}
	return nil
}
