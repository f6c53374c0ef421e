package lab

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// reprBytesByHand is ReprBytes as first written, one byte at a time: the
// reference the faster one must match.
func reprBytesByHand(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteByte('b')
	sb.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == quote:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			const hex = "0123456789abcdef"
			sb.WriteString(`\x`)
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&0xf])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

func TestReprBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", "b''"},
		{"hello\n", `b'hello\n'`},
		{"it's", `b"it's"`},
		{`it's "x"`, `b'it\'s "x"'`},
		{"\x00\x7f\xff\\\t\r", `b'\x00\x7f\xff\\\t\r'`},
	} {
		if got := ReprBytes([]byte(tc.in)); got != tc.want {
			t.Errorf("ReprBytes(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
		if got, want := ReprBytes([]byte{byte(c)}), reprBytesByHand([]byte{byte(c)}); got != want {
			t.Errorf("ReprBytes(%#x) = %s, want %s", c, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = all[r.IntN(len(all))]
			if r.IntN(2) == 0 {
				b[i] = "ab'\"\\\n"[r.IntN(6)]
			}
		}
		if got, want := ReprBytes(b), reprBytesByHand(b); got != want {
			t.Fatalf("ReprBytes(%q) = %s, want %s", b, got, want)
		}
	}
}
