package lab

import (
	"net/netip"
	"strconv"
	"strings"
)

// ReprBytes formats b as Python's repr of a bytes object: b'hello\n'.
func ReprBytes(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	// Every call records its data this way, so it is sized first and
	// written in runs: one allocation.
	n := len("b''")
	for _, c := range b {
		n += len(reprByte(c, quote))
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteByte('b')
	sb.WriteByte(quote)
	start := 0
	for i, c := range b {
		if e := reprByte(c, quote); len(e) != 1 {
			sb.Write(b[start:i])
			sb.WriteString(e)
			start = i + 1
		}
	}
	sb.Write(b[start:])
	sb.WriteByte(quote)
	return sb.String()
}

// reprByte is how ReprBytes writes c between quote characters: an escape,
// or a string of one byte (not necessarily c) for c itself.
func reprByte(c, quote byte) string {
	switch {
	case c == '\\':
		return `\\`
	case c == quote:
		if c == '"' {
			return `\"`
		}
		return `\'`
	case c == '\n':
		return `\n`
	case c == '\r':
		return `\r`
	case c == '\t':
		return `\t`
	case c < 0x20 || c >= 0x7f:
		return hexEscapes[c]
	default:
		return "."
	}
}

// hexEscapes are the \xhh escapes of the bytes ReprBytes writes so.
var hexEscapes = func() (e [256]string) {
	const hex = "0123456789abcdef"
	for c := range e {
		e[c] = `\x` + string(hex[c>>4]) + string(hex[c&0xf])
	}
	return e
}()

// ReprStr formats s as Python's repr of a str: 'hello'.
func ReprStr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			sb.WriteString(`\\`)
		case r == rune(quote):
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			sb.WriteString(`\x`)
			s := strconv.FormatInt(int64(r), 16)
			if len(s) < 2 {
				sb.WriteByte('0')
			}
			sb.WriteString(s)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

// ReprAddr formats an IPv4 socket address as Python prints it:
// ('10.0.0.1', 7).
func ReprAddr(a netip.AddrPort) string {
	return "(" + ReprStr(a.Addr().String()) + ", " + strconv.Itoa(int(a.Port())) + ")"
}
