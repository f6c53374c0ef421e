package console

import (
	"math"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab"
)

// reprValue formats v as Python's repr() does.
func reprValue(v value) string {
	var sb strings.Builder
	writeRepr(&sb, v)
	return sb.String()
}

func writeRepr(sb *strings.Builder, v value) {
	switch v := v.(type) {
	case noneValue:
		sb.WriteString("None")
	case boolValue:
		if v {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case intValue:
		sb.WriteString(strconv.FormatInt(int64(v), 10))
	case floatValue:
		sb.WriteString(formatFloat(float64(v)))
	case strValue:
		sb.WriteString(lab.ReprStr(string(v)))
	case bytesValue:
		sb.WriteString(lab.ReprBytes([]byte(v)))
	case *tupleValue:
		open, end := byte('('), byte(')')
		if v.list {
			open, end = '[', ']'
		}
		sb.WriteByte(open)
		for i, it := range v.items {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeRepr(sb, it)
		}
		if len(v.items) == 1 && !v.list {
			sb.WriteByte(',')
		}
		sb.WriteByte(end)
	case enumValue:
		sb.WriteString("<" + v.class + "." + v.name + ": " + strconv.FormatInt(v.n, 10) + ">")
	case shorthandValue:
		sb.WriteString("<lab shorthand " + v.name + ": " + shorthandCall(v) + ">")
	case moduleValue:
		sb.WriteString("<module 'socket'>")
	case *builtinValue:
		if v.repr != "" {
			sb.WriteString(v.repr)
		} else {
			sb.WriteString("<built-in function " + v.name + ">")
		}
	case *methodValue:
		if v.self == value(socketClass) {
			sb.WriteString("<method '" + v.name + "' of 'socket.socket' objects>")
		} else {
			sb.WriteString("<built-in method " + v.name + " of " + v.self.typeName() + " object>")
		}
	case *socketObj:
		sb.WriteString(v.repr())
	case wireValue:
		sb.WriteString(wireRepr(v.w))
	default:
		sb.WriteString("<" + v.typeName() + " object>")
	}
}

// shorthandCall is the Python a shorthand stands for.
func shorthandCall(v shorthandValue) string {
	if v.name == "UDP" {
		return "socket(AF_INET, SOCK_DGRAM)"
	}
	return "socket(AF_INET, SOCK_STREAM)"
}

// strOf formats v as Python's str() does.
func strOf(v value) string {
	switch v := v.(type) {
	case strValue:
		return string(v)
	case enumValue:
		return strconv.FormatInt(v.n, 10)
	}
	return reprValue(v)
}

// formatFloat formats f as Python's repr of a float: the shortest digits
// that read back as f, in fixed notation for exponents from -4 to 15 and
// with ".0" for whole numbers, else in scientific notation.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(sci[strings.IndexByte(sci, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return sci
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}
