package console

import (
	"math"
	"strconv"
	"strings"

	"github.com/socketlab/socketlab/lab/sock"
)

// The socket module's constants.
var (
	afInet     = enumValue{"AddressFamily", "AF_INET", 2}
	sockStream = enumValue{"SocketKind", "SOCK_STREAM", 1}
	sockDgram  = enumValue{"SocketKind", "SOCK_DGRAM", 2}
	sockRaw    = enumValue{"SocketKind", "SOCK_RAW", 3} // only in getaddrinfo's answers
)

// socketClass is socket.socket, which makes sockets.
var socketClass = &builtinValue{name: "socket", repr: "<class 'socket.socket'>", call: newSocket}

// timeoutClass is TimeoutError, which socket.timeout names too since
// Python 3.10. The console has no try/except, so it is only a name: it
// prints as Python's does, and calling it raises.
var timeoutClass = &builtinValue{name: "TimeoutError", repr: "<class 'TimeoutError'>", call: func(*evaluator, *args) (value, *pyError) {
	return nil, typeError("the lab console cannot make exceptions: TimeoutError is what a call that times out raises")
}}

// helpBuiltin is help, which prints as Python's does.
var helpBuiltin = &builtinValue{
	name: "help",
	repr: "Type help() for interactive help, or help(object) for help about object.",
}

// moduleMembers are the socket module's names, which are also builtins,
// as after "from socket import *".
var moduleMembers = map[string]value{
	"socket":       socketClass,
	"AF_INET":      afInet,
	"SOCK_STREAM":  sockStream,
	"SOCK_DGRAM":   sockDgram,
	"SHUT_RD":      intValue(sock.ShutRD),
	"SHUT_WR":      intValue(sock.ShutWR),
	"SHUT_RDWR":    intValue(sock.ShutRDWR),
	"SOL_SOCKET":   intValue(sock.SolSocket),
	"SO_REUSEADDR": intValue(sock.SoReuseAddr),
	"timeout":      timeoutClass,

	"gethostname":   &builtinValue{name: "gethostname"},
	"gethostbyname": &builtinValue{name: "gethostbyname"},
	"getaddrinfo":   &builtinValue{name: "getaddrinfo"},

	"create_connection": &builtinValue{name: "create_connection"},
}

// builtins are the names every console knows; variables shadow them.
var builtins = map[string]value{}

func init() {
	helpBuiltin.call = help
	moduleMembers["gethostname"].(*builtinValue).call = gethostname
	moduleMembers["gethostbyname"].(*builtinValue).call = gethostbyname
	moduleMembers["getaddrinfo"].(*builtinValue).call = getaddrinfo
	moduleMembers["create_connection"].(*builtinValue).call = createConnection
	for name, v := range moduleMembers {
		builtins[name] = v
	}
	builtins["socket"] = moduleValue{}
	builtins["TCP"] = shorthandValue{"TCP", sock.Stream}
	builtins["UDP"] = shorthandValue{"UDP", sock.Datagram}
	builtins["help"] = helpBuiltin
	builtins["TimeoutError"] = timeoutClass
	builtins["wire"] = wireValue{} // each console's own: see lookup
	for _, b := range []*builtinValue{
		{name: "print", call: printBuiltin},
		{name: "len", call: lenBuiltin},
		{name: "repr", call: reprBuiltin},
		{name: "str", repr: "<class 'str'>", call: strBuiltin},
		{name: "int", repr: "<class 'int'>", call: intBuiltin},
	} {
		builtins[b.name] = b
	}
}

func printBuiltin(ev *evaluator, a *args) (value, *pyError) {
	sep, end := " ", "\n"
	for _, kw := range a.kw {
		switch kw.name {
		case "sep", "end":
			s := ""
			switch v := kw.val.(type) {
			case strValue:
				s = string(v)
			case noneValue:
				s = map[string]string{"sep": " ", "end": "\n"}[kw.name]
			default:
				return nil, typeError("%s must be None or a string, not %s", kw.name, v.typeName())
			}
			if kw.name == "sep" {
				sep = s
			} else {
				end = s
			}
		case "file":
			// The console prints to its screen only: None is sys.stdout.
			if _, ok := kw.val.(noneValue); !ok {
				return nil, raise("AttributeError", "'%s' object has no attribute 'write'", kw.val.typeName())
			}
		case "flush":
		default:
			return nil, typeError("'%s' is an invalid keyword argument for print()", kw.name)
		}
	}
	var sb strings.Builder
	for i, v := range a.pos {
		if i > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(strOf(v))
		if sb.Len() > maxOutput {
			break
		}
	}
	sb.WriteString(end)
	ev.out.write(sb.String())
	return noneValue{}, nil
}

func lenBuiltin(ev *evaluator, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	switch v := a.pos[0].(type) {
	case strValue:
		return intValue(len([]rune(string(v)))), nil
	case bytesValue:
		return intValue(len(v)), nil
	case *tupleValue:
		return intValue(len(v.items)), nil
	}
	return nil, typeError("object of type '%s' has no len()", a.pos[0].typeName())
}

func reprBuiltin(ev *evaluator, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	return strValue(reprValue(a.pos[0])), nil
}

func strBuiltin(ev *evaluator, a *args) (value, *pyError) {
	vals, err := a.bind("object", "encoding", "errors")
	if err != nil {
		return nil, err
	}
	if vals[0] == nil {
		return strValue(""), nil
	}
	if vals[1] == nil && vals[2] == nil {
		return strValue(strOf(vals[0])), nil
	}
	b, ok := vals[0].(bytesValue)
	if _, isStr := vals[0].(strValue); isStr {
		return nil, typeError("decoding str is not supported")
	}
	if !ok {
		return nil, typeError("decoding to str: need a bytes-like object, %s found", vals[0].typeName())
	}
	return decode(b, vals[1], vals[2])
}

func intBuiltin(ev *evaluator, a *args) (value, *pyError) {
	vals, err := a.bind("x")
	if err != nil {
		return nil, err
	}
	switch v := vals[0].(type) {
	case nil:
		return intValue(0), nil
	case floatValue:
		f := float64(v)
		switch {
		case math.IsNaN(f):
			return nil, valueError("cannot convert float NaN to integer")
		case math.IsInf(f, 0):
			return nil, raise("OverflowError", "cannot convert float infinity to integer")
		case f >= 1<<63 || f < -(1<<63):
			return nil, overflow()
		}
		return intValue(int64(f)), nil
	case strValue, bytesValue:
		s := strings.TrimSpace(text(v))
		digits := strings.TrimLeft(s, "+-")
		if len(s)-len(digits) <= 1 && digits != "" && digits[0] != '_' && strings.Trim(digits, "0123456789_") == "" {
			n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
			if err == nil && !strings.Contains(s, "__") && !strings.HasSuffix(s, "_") {
				return intValue(n), nil
			}
			if err != nil && strings.Contains(err.Error(), "range") {
				return nil, overflow()
			}
		}
		return nil, valueError("invalid literal for int() with base 10: %s", reprValue(v))
	}
	if n, ok := asIndex(vals[0]); ok {
		return intValue(n), nil
	}
	return nil, typeError("int() argument must be a string, a bytes-like object or a real number, not '%s'", vals[0].typeName())
}
