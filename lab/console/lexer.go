package console

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind says what a token is.
type tokenKind int

const (
	tokEOL   tokenKind = iota // end of line
	tokName                   // a name or keyword
	tokInt                    // an int literal; val holds it
	tokFloat                  // a float literal; fval holds it
	tokStr                    // a str literal; str holds its value
	tokBytes                  // a bytes literal; str holds its value
	tokOp                     // punctuation; text holds it
)

// token is one lexeme of a line.
type token struct {
	kind tokenKind
	text string // the source text
	col  int    // 1-based column, in characters, where it starts
	str  string // the value of a str or bytes literal
	ival int64
	fval float64
}

// describe names the token for an error message: "')'", "name 'x'",
// "end of line".
func (t token) describe() string {
	switch t.kind {
	case tokEOL:
		return "end of line"
	case tokName:
		if isKeyword(t.text) {
			return "keyword '" + t.text + "'"
		}
		return "name '" + t.text + "'"
	case tokInt, tokFloat:
		return "number " + t.text
	case tokStr, tokBytes:
		text := t.text
		if utf8.RuneCountInString(text) > 20 {
			text = string([]rune(text)[:17]) + "..."
		}
		return "string " + text
	}
	return "'" + t.text + "'"
}

// syntaxError is a line the console cannot parse.
type syntaxError struct {
	col int // 1-based column of the offending character; 0 for none
	msg string
}

func (e *syntaxError) Error() string {
	if e.col == 0 {
		return "line 1: " + e.msg
	}
	return fmt.Sprintf("line 1, column %d: %s", e.col, e.msg)
}

// keywords are Python's reserved words.
var keywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true,
	"assert": true, "async": true, "await": true, "break": true,
	"class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true,
	"from": true, "global": true, "if": true, "import": true, "in": true,
	"is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true,
	"while": true, "with": true, "yield": true,
}

func isKeyword(name string) bool { return keywords[name] }

// operators are the punctuation the language has, longest first.
var operators = []string{"==", "!=", "(", ")", "[", "]", ",", ".", "=", ";", ":", "+", "-", "*"}

// unsupported are Python operators the language lacks.
var unsupported = []string{"**=", "//=", ">>=", "<<=", "**", "//", "<<", ">>", "<=", ">=", "->", ":=",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "/", "%", "<", ">", "&", "|", "^", "~", "@"}

// lexer splits one line into tokens.
type lexer struct {
	src     []rune
	i       int
	toks    []token
	comment string // the text after '#', if the line has a comment
}

// lex splits line into tokens, ending with a tokEOL, and returns the text
// of the line's comment (after the '#'), if any.
func lex(line string) ([]token, string, *syntaxError) {
	if !utf8.ValidString(line) {
		for i := 0; i < len(line); {
			r, n := utf8.DecodeRuneInString(line[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, "", &syntaxError{utf8.RuneCountInString(line[:i]) + 1,
					fmt.Sprintf("invalid UTF-8 byte 0x%02x", line[i])}
			}
			i += n
		}
	}
	lx := &lexer{src: []rune(line)}
	for {
		if err := lx.next(); err != nil {
			return nil, "", err
		}
		if t := lx.toks[len(lx.toks)-1]; t.kind == tokEOL {
			return lx.toks, lx.comment, nil
		}
	}
}

func (lx *lexer) peek(k int) rune {
	if lx.i+k < len(lx.src) {
		return lx.src[lx.i+k]
	}
	return -1
}

func (lx *lexer) errorf(col int, format string, args ...any) *syntaxError {
	return &syntaxError{col: col, msg: fmt.Sprintf(format, args...)}
}

func (lx *lexer) emit(t token) { lx.toks = append(lx.toks, t) }

// next lexes one token.
func (lx *lexer) next() *syntaxError {
	for lx.i < len(lx.src) && (lx.src[lx.i] == ' ' || lx.src[lx.i] == '\t' || lx.src[lx.i] == '\f') {
		lx.i++
	}
	start := lx.i
	col := start + 1
	if lx.i >= len(lx.src) {
		lx.emit(token{kind: tokEOL, col: col})
		return nil
	}
	c := lx.src[lx.i]
	switch {
	case c == '#':
		lx.comment = string(lx.src[lx.i+1:])
		lx.i = len(lx.src)
		lx.emit(token{kind: tokEOL, col: col})
		return nil
	case c == '_' || unicode.IsLetter(c):
		for lx.i < len(lx.src) && (lx.src[lx.i] == '_' || unicode.IsLetter(lx.src[lx.i]) || unicode.IsDigit(lx.src[lx.i])) {
			lx.i++
		}
		name := string(lx.src[start:lx.i])
		if q := lx.peek(0); (q == '\'' || q == '"') && len(name) <= 2 {
			if prefix := strings.ToLower(name); isStringPrefix(prefix) {
				return lx.string(start, prefix)
			}
		}
		lx.emit(token{kind: tokName, text: name, col: col})
		return nil
	case c >= '0' && c <= '9' || c == '.' && lx.peek(1) >= '0' && lx.peek(1) <= '9':
		return lx.number()
	case c == '\'' || c == '"':
		return lx.string(start, "")
	case c == '\\':
		return lx.errorf(col, "unexpected character after line continuation character")
	}
	rest := string(lx.src[lx.i:min(lx.i+3, len(lx.src))])
	for _, op := range unsupported {
		if len(op) > 1 && strings.HasPrefix(rest, op) {
			return lx.errorf(col, "the lab console has no '%s' operator", op)
		}
	}
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			lx.i += len(op)
			lx.emit(token{kind: tokOp, text: op, col: col})
			return nil
		}
	}
	for _, op := range unsupported {
		if strings.HasPrefix(rest, op) {
			return lx.errorf(col, "the lab console has no '%s' operator", op)
		}
	}
	switch c {
	case '{', '}':
		return lx.errorf(col, "the lab console has no dicts or sets: use a tuple (...)")
	case '!':
		return lx.errorf(col, "invalid syntax: '!' is only used in '!='")
	case '$', '?', '`':
		return lx.errorf(col, "invalid syntax: unexpected '%c'", c)
	}
	if unicode.IsPrint(c) {
		return lx.errorf(col, "invalid character '%c' (U+%04X)", c, c)
	}
	return lx.errorf(col, "invalid non-printable character U+%04X", c)
}

// isStringPrefix reports whether p (lowercased) may prefix a string literal.
func isStringPrefix(p string) bool {
	switch p {
	case "b", "r", "u", "br", "rb", "f", "fr", "rf":
		return true
	}
	return false
}

// number lexes an int or float literal.
func (lx *lexer) number() *syntaxError {
	start := lx.i
	col := start + 1
	isFloat := false
	prefixed := lx.src[lx.i] == '0' && strings.ContainsRune("xXoObB", lx.peek(1))
	if prefixed {
		lx.i += 2
		for lx.i < len(lx.src) && (isAlnum(lx.src[lx.i]) || lx.src[lx.i] == '_') {
			lx.i++
		}
	} else {
		digits := func() {
			for lx.i < len(lx.src) && (lx.src[lx.i] >= '0' && lx.src[lx.i] <= '9' || lx.src[lx.i] == '_') {
				lx.i++
			}
		}
		digits()
		if lx.peek(0) == '.' {
			isFloat = true
			lx.i++
			digits()
		}
		if e := lx.peek(0); e == 'e' || e == 'E' {
			isFloat = true
			lx.i++
			if s := lx.peek(0); s == '+' || s == '-' {
				lx.i++
			}
			digits()
		}
		if j := lx.peek(0); j == 'j' || j == 'J' {
			return lx.errorf(col, "the lab console has no complex numbers")
		}
	}
	if lx.i < len(lx.src) && (unicode.IsLetter(lx.src[lx.i]) || unicode.IsDigit(lx.src[lx.i]) || lx.src[lx.i] == '_') {
		return lx.errorf(lx.i+1, "invalid literal")
	}
	text := string(lx.src[start:lx.i])
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return lx.errorf(col, "invalid decimal literal")
		}
		lx.emit(token{kind: tokFloat, text: text, col: col, fval: f})
		return nil
	}
	if !prefixed && text[0] == '0' && strings.Trim(text, "0_") != "" {
		return lx.errorf(col, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers")
	}
	n, err := strconv.ParseInt(text, 0, 64)
	if errors.Is(err, strconv.ErrRange) {
		return lx.errorf(col, "integer literal too large: the lab console's ints are 64-bit")
	}
	if err != nil {
		return lx.errorf(col, "invalid literal %s", text)
	}
	lx.emit(token{kind: tokInt, text: text, col: col, ival: n})
	return nil
}

func isAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// string lexes a string literal whose prefix (lowercased) starts at start;
// lx.i is at its opening quote.
func (lx *lexer) string(start int, prefix string) *syntaxError {
	col := start + 1
	if strings.Contains(prefix, "f") {
		return lx.errorf(col, "the lab console has no f-strings")
	}
	isBytes := strings.Contains(prefix, "b")
	raw := strings.Contains(prefix, "r")
	q := lx.src[lx.i]
	triple := lx.peek(1) == q && lx.peek(2) == q
	if triple {
		lx.i += 3
	} else {
		lx.i++
	}
	var sb strings.Builder
	for {
		if lx.i >= len(lx.src) {
			if triple {
				return lx.errorf(col, "unterminated triple-quoted string literal")
			}
			return lx.errorf(col, "unterminated string literal")
		}
		c := lx.src[lx.i]
		if c == q && (!triple || lx.peek(1) == q && lx.peek(2) == q) {
			if triple {
				lx.i += 3
			} else {
				lx.i++
			}
			break
		}
		if isBytes && c > 0x7f {
			return lx.errorf(lx.i+1, "bytes can only contain ASCII literal characters")
		}
		if c != '\\' {
			sb.WriteRune(c)
			lx.i++
			continue
		}
		if lx.i+1 >= len(lx.src) {
			lx.i++
			continue // a backslash at the end: unterminated
		}
		if raw {
			sb.WriteRune(c)
			sb.WriteRune(lx.src[lx.i+1])
			lx.i += 2
			continue
		}
		if err := lx.escape(&sb, isBytes); err != nil {
			return err
		}
	}
	kind := tokStr
	if isBytes {
		kind = tokBytes
	}
	lx.emit(token{kind: kind, text: string(lx.src[start:lx.i]), col: col, str: sb.String()})
	return nil
}

// escape decodes the escape sequence at lx.i (a backslash) into sb. In a
// bytes literal every escape stands for one byte, written as is into sb.
func (lx *lexer) escape(sb *strings.Builder, isBytes bool) *syntaxError {
	col := lx.i + 1
	e := lx.src[lx.i+1]
	lx.i += 2
	put := func(r rune) {
		if isBytes {
			sb.WriteByte(byte(r))
		} else {
			sb.WriteRune(r)
		}
	}
	switch e {
	case '\\', '\'', '"':
		put(e)
	case 'a':
		put('\a')
	case 'b':
		put('\b')
	case 'f':
		put('\f')
	case 'n':
		put('\n')
	case 'r':
		put('\r')
	case 't':
		put('\t')
	case 'v':
		put('\v')
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n := rune(e - '0')
		for k := 0; k < 2 && lx.peek(0) >= '0' && lx.peek(0) <= '7'; k++ {
			n = n*8 + lx.src[lx.i] - '0'
			lx.i++
		}
		if isBytes {
			n &= 0xff
		}
		put(n)
	case 'x', 'u', 'U':
		digits := map[rune]int{'x': 2, 'u': 4, 'U': 8}[e]
		if isBytes && e != 'x' {
			sb.WriteByte('\\')
			sb.WriteRune(e)
			return nil
		}
		if lx.i+digits > len(lx.src) {
			return lx.errorf(col, "truncated \\%c escape: it needs %d hex digits", e, digits)
		}
		n, err := strconv.ParseUint(string(lx.src[lx.i:lx.i+digits]), 16, 32)
		if err != nil {
			return lx.errorf(col, "truncated \\%c escape: it needs %d hex digits", e, digits)
		}
		if n > unicode.MaxRune {
			return lx.errorf(col, "illegal Unicode character in \\U escape")
		}
		lx.i += digits
		put(rune(n))
	case 'N':
		if isBytes {
			sb.WriteString(`\N`)
			return nil
		}
		return lx.errorf(col, "the lab console has no \\N{...} escapes: use \\u")
	default:
		sb.WriteByte('\\')
		if isBytes {
			sb.WriteByte(byte(e))
		} else {
			sb.WriteRune(e)
		}
	}
	return nil
}
