package console

import "strings"

// asciiSpace is what split() and strip() take for whitespace: Python's
// for bytes, and for str as far as ASCII goes.
const asciiSpace = " \t\n\r\x0b\x0c"

// textMethod makes a method of both str and bytes from f, which works on
// the characters or bytes as a string and makes values of the same type
// with mk.
func textMethod(f func(s string, a *args, arg func(value) (string, bool, *pyError), mk func(string) value) (value, *pyError)) (forStr func(*evaluator, strValue, *args) (value, *pyError), forBytes func(*evaluator, bytesValue, *args) (value, *pyError)) {
	strArg := func(v value) (string, bool, *pyError) {
		switch v := v.(type) {
		case nil, noneValue:
			return "", false, nil
		case strValue:
			return string(v), true, nil
		}
		return "", false, typeError("must be str or None, not %s", v.typeName())
	}
	bytesArg := func(v value) (string, bool, *pyError) {
		switch v := v.(type) {
		case nil, noneValue:
			return "", false, nil
		case bytesValue:
			return string(v), true, nil
		}
		return "", false, typeError("a bytes-like object is required, not '%s'", v.typeName())
	}
	forStr = func(_ *evaluator, s strValue, a *args) (value, *pyError) {
		return f(string(s), a, strArg, func(s string) value { return strValue(s) })
	}
	forBytes = func(_ *evaluator, b bytesValue, a *args) (value, *pyError) {
		return f(string(b), a, bytesArg, func(s string) value { return bytesValue(s) })
	}
	return forStr, forBytes
}

// upper, lower, strip and split are the methods of str and bytes a
// student parsing a reply needs first.
var (
	upperStr, upperBytes = textMethod(func(s string, a *args, _ func(value) (string, bool, *pyError), mk func(string) value) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		if _, ok := mk("").(bytesValue); ok {
			return mk(asciiCase(s, 'a', 'z', 'A'-'a')), nil
		}
		return mk(strings.ToUpper(s)), nil
	})
	lowerStr, lowerBytes = textMethod(func(s string, a *args, _ func(value) (string, bool, *pyError), mk func(string) value) (value, *pyError) {
		if err := a.want(0, 0); err != nil {
			return nil, err
		}
		if _, ok := mk("").(bytesValue); ok {
			return mk(asciiCase(s, 'A', 'Z', 'a'-'A')), nil
		}
		return mk(strings.ToLower(s)), nil
	})
	stripStr, stripBytes = textMethod(func(s string, a *args, arg func(value) (string, bool, *pyError), mk func(string) value) (value, *pyError) {
		if err := a.want(0, 1); err != nil {
			return nil, err
		}
		chars, ok, err := arg(a.arg(0))
		if _, isStr := mk("").(strValue); err != nil && isStr {
			return nil, typeError("strip arg must be None or str")
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			chars = asciiSpace
		}
		return mk(strings.Trim(s, chars)), nil
	})
	splitStr, splitBytes = textMethod(func(s string, a *args, arg func(value) (string, bool, *pyError), mk func(string) value) (value, *pyError) {
		vals, err := a.bind("sep", "maxsplit")
		if err != nil {
			return nil, err
		}
		sep, hasSep, err := arg(vals[0])
		if err != nil {
			return nil, err
		}
		limit := int64(-1)
		if vals[1] != nil {
			if limit, err = toInt(vals[1]); err != nil {
				return nil, err
			}
		}
		var parts []string
		switch {
		case hasSep && sep == "":
			return nil, valueError("empty separator")
		case hasSep && limit < 0:
			parts = strings.Split(s, sep)
		case hasSep:
			parts = strings.SplitN(s, sep, int(min(limit, int64(len(s))))+1)
		default:
			parts = splitSpace(s, limit)
		}
		items := make([]value, len(parts))
		for i, p := range parts {
			items[i] = mk(p)
		}
		list, err := newTuple(items)
		if err != nil {
			return nil, err
		}
		list.list = true
		return list, nil
	})
)

// arg is the i'th positional argument, or nil.
func (a *args) arg(i int) value {
	if i < len(a.pos) {
		return a.pos[i]
	}
	return nil
}

// asciiCase shifts the bytes from lo to hi by d: upper and lower of bytes.
func asciiCase(s string, lo, hi byte, d int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + d)
		}
	}
	return string(b)
}

// splitSpace is split() with no separator: the runs of characters between
// whitespace, at most limit+1 of them (any number if limit < 0).
func splitSpace(s string, limit int64) []string {
	var parts []string
	for {
		s = strings.TrimLeft(s, asciiSpace)
		if s == "" {
			return parts
		}
		if limit >= 0 && int64(len(parts)) == limit {
			return append(parts, s)
		}
		end := strings.IndexAny(s, asciiSpace)
		if end < 0 {
			return append(parts, s)
		}
		parts = append(parts, s[:end])
		s = s[end:]
	}
}
