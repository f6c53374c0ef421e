package lab

import (
	"crypto/rand"
	"strings"
)

// CodeAlphabet is what join codes are made of: digits and capital
// letters without the ones that look alike on a projector (0 and O, 1, I
// and L) and without U (so fewer codes spell words).
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLen is the length of a join code: 30^8 codes, 39 bits, so that a
// code cannot be guessed at the rate the join page allows.
const CodeLen = 8

// NewCode returns a random join code (crypto/rand). The store checks it
// is not taken.
func NewCode() string {
	var code [CodeLen]byte
	var buf [2 * CodeLen]byte
	for n := 0; n < CodeLen; {
		rand.Read(buf[:])
		for _, b := range buf {
			// 240 is the largest multiple of 30 that fits in a byte: the
			// bytes above it are dropped, so every character is as likely.
			if b < 240 && n < CodeLen {
				code[n] = CodeAlphabet[b%byte(len(CodeAlphabet))]
				n++
			}
		}
	}
	return string(code[:])
}

// FormatCode shows a join code in two groups of four: "ABCD-EFGH".
func FormatCode(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:CodeLen/2] + "-" + code[CodeLen/2:]
}

// ParseCode reads a join code as a person types it: in either case, with
// or without the dash and spaces between its groups. It returns the code
// as the store keeps it, or an ErrInvalid error.
func ParseCode(s string) (string, error) {
	if len(s) > 4*CodeLen {
		return "", invalidf("a join code has %d characters", CodeLen)
	}
	code := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
	if len(code) != CodeLen {
		return "", invalidf("a join code has %d characters", CodeLen)
	}
	for i := range len(code) {
		if strings.IndexByte(CodeAlphabet, code[i]) < 0 {
			return "", invalidf("a join code has no %q", code[i])
		}
	}
	return code, nil
}
