package packet

import "fmt"

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

// optionIter walks the options of a TCP header in wire order. NOP and EOL
// are consumed silently; the walk ends at EOL or at the end of the options.
type optionIter struct {
	opts []byte
	off  int
}

// next returns the next option's kind and the bytes after its length byte.
// ok is false at the end of the options, err is set when an option's length
// is impossible or runs past the header.
func (it *optionIter) next() (kind uint8, body []byte, ok bool, err error) {
	for it.off < len(it.opts) {
		start := it.off
		kind = it.opts[start]
		switch kind {
		case optEOL:
			it.off = len(it.opts)
			return 0, nil, false, nil
		case optNOP:
			it.off++
			continue
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
	return 0, nil, false, nil
}

// optionName names a TCP option kind for error messages.
func optionName(kind uint8) string {
	switch kind {
	case optMSS:
		return "mss"
	case optWScale:
		return "window scale"
	case optSACKPerm:
		return "sack permitted"
	case optSACK:
		return "sack"
	case optTimestamp:
		return "timestamps"
	}
	return fmt.Sprintf("kind %d", kind)
}
