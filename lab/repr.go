package lab

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
)

// ReprBytes formats b as Python's repr of a bytes object: b'hello\n'.
func ReprBytes(b []byte) string {
	quote, table := byte('\''), &reprSingle
	if bytes.IndexByte(b, '\'') >= 0 && bytes.IndexByte(b, '"') < 0 {
		quote, table = '"', &reprDouble
	}
	// Every traced send and recv records its data this way: the repr is
	// built on the stack when it fits, so that the string is the one
	// allocation.
	n := len("b''")
	for _, c := range b {
		n += len(table[c])
	}
	var stack [512]byte
	out := stack[:0]
	if n > len(stack) {
		out = make([]byte, 0, n)
	}
	out = append(out, 'b', quote)
	for _, c := range b {
		out = append(out, table[c]...)
	}
	out = append(out, quote)
	return string(out)
}

// reprSingle and reprDouble are how ReprBytes writes each byte between
// single and between double quotes.
var reprSingle, reprDouble = reprTable('\''), reprTable('"')

func reprTable(quote byte) (t [256]string) {
	const hex = "0123456789abcdef"
	for i := range t {
		c := byte(i)
		switch {
		case c == '\\':
			t[i] = `\\`
		case c == quote:
			t[i] = `\` + string(c)
		case c == '\n':
			t[i] = `\n`
		case c == '\r':
			t[i] = `\r`
		case c == '\t':
			t[i] = `\t`
		case c < 0x20 || c >= 0x7f:
			t[i] = `\x` + string(hex[c>>4]) + string(hex[c&0xf])
		default:
			t[i] = string(c)
		}
	}
	return t
}

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
