package console

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// text returns the characters of a str or the bytes of a bytes.
func text(v value) string {
	switch v := v.(type) {
	case strValue:
		return string(v)
	case bytesValue:
		return string(v)
	}
	return ""
}

// strMethods are the methods of str the language has.
var strMethods = map[string]func(ev *evaluator, s strValue, a *args) (value, *pyError){
	"encode": func(ev *evaluator, s strValue, a *args) (value, *pyError) {
		vals, err := a.bind("encoding", "errors")
		if err != nil {
			return nil, err
		}
		return encode(s, vals[0], vals[1])
	},
}

func init() {
	strMethods["upper"], bytesMethods["upper"] = upperStr, upperBytes
	strMethods["lower"], bytesMethods["lower"] = lowerStr, lowerBytes
	strMethods["strip"], bytesMethods["strip"] = stripStr, stripBytes
	strMethods["split"], bytesMethods["split"] = splitStr, splitBytes
}

// bytesMethods are the methods of bytes the language has.
var bytesMethods = map[string]func(ev *evaluator, b bytesValue, a *args) (value, *pyError){
	"decode": func(ev *evaluator, b bytesValue, a *args) (value, *pyError) {
		vals, err := a.bind("encoding", "errors")
		if err != nil {
			return nil, err
		}
		return decode(b, vals[0], vals[1])
	},
	"hex": func(ev *evaluator, b bytesValue, a *args) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		if err := fits(2 * len(b)); err != nil {
			return nil, err
		}
		return strValue(hex.EncodeToString([]byte(b))), nil
	},
}

// codec returns the canonical name of an encoding and how it handles
// errors, from the optional arguments of encode and decode.
func codec(method string, encoding, errors value) (name, handler string, err *pyError) {
	name, handler = "utf-8", "strict"
	if encoding != nil {
		s, ok := encoding.(strValue)
		if !ok {
			return "", "", typeError("%s() argument 'encoding' must be str, not %s", method, encoding.typeName())
		}
		switch strings.ReplaceAll(strings.ToLower(string(s)), "_", "-") {
		case "utf-8", "utf8", "u8":
			name = "utf-8"
		case "ascii", "us-ascii":
			name = "ascii"
		case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
			name = "latin-1"
		default:
			return "", "", raise("LookupError", "unknown encoding: %s", s)
		}
	}
	if errors != nil {
		s, ok := errors.(strValue)
		if !ok {
			return "", "", typeError("%s() argument 'errors' must be str, not %s", method, errors.typeName())
		}
		switch s {
		case "strict", "ignore", "replace":
			handler = string(s)
		default:
			return "", "", raise("LookupError", "unknown error handler name '%s'", s)
		}
	}
	return name, handler, nil
}

// encode is str.encode.
func encode(s strValue, encoding, errors value) (value, *pyError) {
	name, handler, err := codec("encode", encoding, errors)
	if err != nil {
		return nil, err
	}
	if name == "utf-8" {
		return bytesValue(s), nil
	}
	limit := rune(0x7f)
	if name == "latin-1" {
		limit = 0xff
	}
	var b strings.Builder
	i := 0
	for _, r := range string(s) {
		switch {
		case r <= limit:
			b.WriteByte(byte(r))
		case handler == "replace":
			b.WriteByte('?')
		case handler == "strict":
			return nil, raise("UnicodeEncodeError", "'%s' codec can't encode character %s in position %d: ordinal not in range(%d)",
				name, escapeRune(r), i, limit+1)
		}
		i++
	}
	return bytesValue(b.String()), nil
}

// escapeRune quotes a character as Python's codec errors do: '\xe9'.
func escapeRune(r rune) string {
	switch {
	case r < 0x100:
		return fmt.Sprintf(`'\x%02x'`, r)
	case r < 0x10000:
		return fmt.Sprintf(`'\u%04x'`, r)
	}
	return fmt.Sprintf(`'\U%08x'`, r)
}

// decode is bytes.decode.
func decode(b bytesValue, encoding, errors value) (value, *pyError) {
	name, handler, err := codec("decode", encoding, errors)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	switch name {
	case "latin-1":
		for i := 0; i < len(b); i++ {
			sb.WriteRune(rune(b[i]))
		}
	case "ascii":
		for i := 0; i < len(b); i++ {
			switch {
			case b[i] < 0x80:
				sb.WriteByte(b[i])
			case handler == "replace":
				sb.WriteRune(utf8.RuneError)
			case handler == "strict":
				return nil, raise("UnicodeDecodeError", "'ascii' codec can't decode byte 0x%02x in position %d: ordinal not in range(128)", b[i], i)
			}
		}
	default:
		if utf8.ValidString(string(b)) {
			return strValue(b), nil
		}
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRuneInString(string(b[i:]))
			if r != utf8.RuneError || n > 1 {
				sb.WriteRune(r)
				i += n
				continue
			}
			switch handler {
			case "replace":
				sb.WriteRune(utf8.RuneError)
			case "strict":
				return nil, utf8Error(string(b), i)
			}
			i++
		}
	}
	if err := fits(sb.Len()); err != nil {
		return nil, err
	}
	return strValue(sb.String()), nil
}

// utf8Error is the UnicodeDecodeError for the invalid UTF-8 at b[i].
func utf8Error(b string, i int) *pyError {
	c := b[i]
	need, lo, hi := 0, byte(0x80), byte(0xbf)
	switch {
	case c >= 0xc2 && c <= 0xdf:
		need = 2
	case c >= 0xe0 && c <= 0xef:
		need = 3
		if c == 0xe0 {
			lo = 0xa0
		} else if c == 0xed {
			hi = 0x9f
		}
	case c >= 0xf0 && c <= 0xf4:
		need = 4
		if c == 0xf0 {
			lo = 0x90
		} else if c == 0xf4 {
			hi = 0x8f
		}
	default:
		return raise("UnicodeDecodeError", "'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte", c, i)
	}
	for k := 1; k < need; k++ {
		if i+k >= len(b) {
			if k == 1 {
				return raise("UnicodeDecodeError", "'utf-8' codec can't decode byte 0x%02x in position %d: unexpected end of data", c, i)
			}
			return raise("UnicodeDecodeError", "'utf-8' codec can't decode bytes in position %d-%d: unexpected end of data", i, i+k-1)
		}
		if d := b[i+k]; d < lo || d > hi {
			if k == 1 {
				return raise("UnicodeDecodeError", "'utf-8' codec can't decode byte 0x%02x in position %d: invalid continuation byte", c, i)
			}
			return raise("UnicodeDecodeError", "'utf-8' codec can't decode bytes in position %d-%d: invalid continuation byte", i, i+k-1)
		}
		lo, hi = 0x80, 0xbf
	}
	return raise("UnicodeDecodeError", "'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte", c, i)
}
