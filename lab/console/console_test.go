package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/console"
)

// run runs lines on a console without a network and returns the result
// of the last.
func run(t *testing.T, lines ...string) console.Result {
	t.Helper()
	c := console.New(nil)
	defer c.Close()
	var res console.Result
	for i, line := range lines {
		res = c.Exec(context.Background(), line)
		if i < len(lines)-1 && res.Error != "" {
			t.Fatalf("%q: %s", line, res.Error)
		}
	}
	return res
}

func TestPrinting(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
	}{
		{[]string{`7`}, "7\n"},
		{[]string{`-7`}, "-7\n"},
		{[]string{`0x1f, 0o17, 0b101, 1_000`}, "(31, 15, 5, 1000)\n"},
		{[]string{`2.0`}, "2.0\n"},
		{[]string{`2.5, 0.1, 1e16, 1e-05, 0.0001, 1.5e300, -0.0, 123456789012345.0`},
			"(2.5, 0.1, 1e+16, 1e-05, 0.0001, 1.5e+300, -0.0, 123456789012345.0)\n"},
		{[]string{`1e400, -1e400`}, "(inf, -inf)\n"},
		{[]string{`None`}, ""},
		{[]string{`True, False, None`}, "(True, False, None)\n"},
		{[]string{`b"hello\n"`}, "b'hello\\n'\n"},
		{[]string{`b'it\'s'`}, "b\"it's\"\n"},
		{[]string{`b"\x00\xff\0\t\r\\"`}, "b'\\x00\\xff\\x00\\t\\r\\\\'\n"},
		{[]string{`b"\777"`}, "b'\\xff'\n"},
		{[]string{`b"\u0041"`}, "b'\\\\u0041'\n"},
		{[]string{`"h\u00e9llo"`}, "'héllo'\n"},
		{[]string{`r"a\nb"`}, "'a\\\\nb'\n"},
		{[]string{`"a" "b" 'c'`}, "'abc'\n"},
		{[]string{`"""it's "quoted" """`}, "'it\\'s \"quoted\" '\n"},
		{[]string{`"unknown \q escape"`}, "'unknown \\\\q escape'\n"},
		{[]string{`()`}, "()\n"},
		{[]string{`(1,)`}, "(1,)\n"},
		{[]string{`1,`}, "(1,)\n"},
		{[]string{`("10.0.0.1", 7)`}, "('10.0.0.1', 7)\n"},
		{[]string{`((1, 2), (3,), ())`}, "((1, 2), (3,), ())\n"},
		{[]string{`print("a", b"b", 1, None, 2.5, ("x", 1))`}, "a b'b' 1 None 2.5 ('x', 1)\n"},
		{[]string{`print()`}, "\n"},
		{[]string{`print("a", "b", sep="-", end="!")`}, "a-b!"},
		{[]string{`print(AF_INET, SOCK_STREAM, SHUT_WR)`}, "2 1 1\n"},
		{[]string{`AF_INET, SOCK_STREAM, SOCK_DGRAM`},
			"(<AddressFamily.AF_INET: 2>, <SocketKind.SOCK_STREAM: 1>, <SocketKind.SOCK_DGRAM: 2>)\n"},
		{[]string{`socket.AF_INET == AF_INET == 2`}, "True\n"},
		{[]string{`SHUT_RD, SHUT_WR, SHUT_RDWR`}, "(0, 1, 2)\n"},
		{[]string{`TCP`}, "<lab shorthand TCP: socket(AF_INET, SOCK_STREAM)>\n"},
		{[]string{`socket`}, "<module 'socket'>\n"},
		{[]string{`socket.socket`}, "<class 'socket.socket'>\n"},
		{[]string{`len`}, "<built-in function len>\n"},
		{[]string{`socket.socket.recv`}, "<method 'recv' of 'socket.socket' objects>\n"},
		{[]string{`help`}, "Type help() for interactive help, or help(object) for help about object.\n"},
		{[]string{`"héllo".encode()`}, "b'h\\xc3\\xa9llo'\n"},
		{[]string{`"héllo".encode("latin-1")`}, "b'h\\xe9llo'\n"},
		{[]string{`"héllo".encode("ascii", "replace")`}, "b'h?llo'\n"},
		{[]string{`b"h\xc3\xa9llo".decode()`}, "'héllo'\n"},
		{[]string{`b"a\xffb".decode("utf-8", errors="replace")`}, "'a\ufffdb'\n"},
		{[]string{`b"a\xffb".decode("latin-1")`}, "'aÿb'\n"},
		{[]string{`b"hi".hex()`}, "'6869'\n"},
		{[]string{`b"x".decode`}, "<built-in method decode of bytes object>\n"},
		{[]string{`len(b"hello\n"), len("héllo"), len((1, 2)), len(())`}, "(6, 5, 2, 0)\n"},
		{[]string{`repr(b"x"), str(b"x"), str(7), str("s"), str(b"ok", "ascii"), str()`},
			"(\"b'x'\", \"b'x'\", '7', 's', 'ok', '')\n"},
		{[]string{`int("42"), int(" -7 "), int(2.9), int(True), int(b"12"), int()`}, "(42, -7, 2, 1, 12, 0)\n"},
		{[]string{`1 + 2 * 3 - 4`}, "3\n"},
		{[]string{`1 + 2.5, 2 * 0.5, True + True`}, "(3.5, 1.0, 2)\n"},
		{[]string{`b"ab" + b"cd", "ab" * 2, 3 * b"-", (1,) + (2,), b"x" * -1`},
			"(b'abcd', 'abab', b'---', (1, 2), b'')\n"},
		{[]string{`b"abc"[0], b"abc"[-1], "abc"[1], ("a", "b")[1]`}, "(97, 99, 'b', 'b')\n"},
		{[]string{`b"hello"[1:3], b"hello"[:2], b"hello"[3:], b"hello"[-2:], "héllo"[1:2], (1, 2, 3)[1:]`},
			"(b'el', b'he', b'lo', b'lo', 'é', (2, 3))\n"},
		{[]string{`b"x"[5:1], b"x"[None:None]`}, "(b'', b'x')\n"},
		{[]string{`() * 9223372036854775807, b"" * 9223372036854775807, (1,) * 0`}, "((), b'', ())\n"},
		{[]string{`1 == 1.0, 1 != 2, b"a" == "a", (1, 2) == (1, 2), None == None`}, "(True, True, False, True, True)\n"},
		{[]string{`x = 5`, `x`}, "5\n"},
		{[]string{`a, b = 1, 2`, `a, b`}, "(1, 2)\n"},
		{[]string{`(a, b) = (1, 2)`, `b, a`}, "(2, 1)\n"},
		{[]string{`a, (b, c) = 1, (2, 3)`, `a + b + c`}, "6\n"},
		{[]string{`a = b = 3`, `a * b`}, "9\n"},
		{[]string{`a, b = b"hi"`, `a, b`}, "(104, 105)\n"},
		{[]string{`a, b = 1, 2`, `a, b = b, a`, `a, b`}, "(2, 1)\n"},
		{[]string{`x = 1; y = 2; x + y`}, "3\n"},
		{[]string{`1; 2;`}, "1\n2\n"},
		{[]string{`7`, `_`}, "7\n"},
		{[]string{`7`, `None`, `_ + 1`}, "8\n"},
		{[]string{`import socket`, `socket.SOCK_DGRAM`}, "<SocketKind.SOCK_DGRAM: 2>\n"},
		{[]string{`import socket as sk`, `sk.SHUT_WR`}, "1\n"},
		{[]string{`from socket import *`, `SHUT_RDWR`}, "2\n"},
		{[]string{`socket = 5`, `from socket import socket`, `socket`}, "<module 'socket'>\n"},
		{[]string{`AF_INET = 3`, `import socket`, `AF_INET`}, "3\n"},
		{[]string{`x = 1`, `del x`, `pass`}, ""},
		{[]string{`# just a comment`}, ""},
		{[]string{`   `}, ""},
		{[]string{`x = 1  # set x`, `x`}, "1\n"},
		{[]string{`"a # not a comment"`}, "'a # not a comment'\n"},
		{[]string{"7\n"}, "7\n"},
		{[]string{"7\r\n"}, "7\n"},
		{[]string{`gethostname(), gethostbyname("localhost"), gethostbyname("10.0.0.1")`}, "('localhost', '127.0.0.1', '10.0.0.1')\n"},
	}
	for _, tt := range tests {
		res := run(t, tt.lines...)
		if res.Output != tt.want || res.Error != "" {
			t.Errorf("%q: got %q, error %q; want %q", tt.lines, res.Output, res.Error, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		lines     []string
		want      string
		exception string
	}{
		{[]string{`x`}, "NameError: name 'x' is not defined", "NameError"},
		{[]string{`x = 1`, `del x`, `x`}, "NameError: name 'x' is not defined", "NameError"},
		{[]string{`del nope`}, "NameError: name 'nope' is not defined", "NameError"},
		{[]string{`"a".foo`}, "AttributeError: 'str' object has no attribute 'foo'", "AttributeError"},
		{[]string{`socket.foo`}, "AttributeError: module 'socket' has no attribute 'foo'", "AttributeError"},
		{[]string{`socket.TCP`}, "AttributeError: module 'socket' has no attribute 'TCP'", "AttributeError"},
		{[]string{`None()`}, "TypeError: 'NoneType' object is not callable", "TypeError"},
		{[]string{`1 + "a"`}, "TypeError: unsupported operand type(s) for +: 'int' and 'str'", "TypeError"},
		{[]string{`b"a" + "b"`}, "TypeError: can't concat str to bytes", "TypeError"},
		{[]string{`"a" + b"b"`}, `TypeError: can only concatenate str (not "bytes") to str`, "TypeError"},
		{[]string{`(1,) + 1`}, `TypeError: can only concatenate tuple (not "int") to tuple`, "TypeError"},
		{[]string{`"a" * "b"`}, "TypeError: can't multiply sequence by non-int of type 'str'", "TypeError"},
		{[]string{`-"a"`}, "TypeError: bad operand type for unary -: 'str'", "TypeError"},
		{[]string{`len(1)`}, "TypeError: object of type 'int' has no len()", "TypeError"},
		{[]string{`len()`}, "TypeError: len() takes exactly one argument (0 given)", "TypeError"},
		{[]string{`len(b"", x=1)`}, "TypeError: len() takes no keyword arguments", "TypeError"},
		{[]string{`print(1, sep=1)`}, "TypeError: sep must be None or a string, not int", "TypeError"},
		{[]string{`print(1, foo=1)`}, "TypeError: 'foo' is an invalid keyword argument for print()", "TypeError"},
		{[]string{`(1, 2)[5]`}, "IndexError: tuple index out of range", "IndexError"},
		{[]string{`b"a"[9]`}, "IndexError: index out of range", "IndexError"},
		{[]string{`"a"[-2]`}, "IndexError: string index out of range", "IndexError"},
		{[]string{`(1,)["x"]`}, "TypeError: tuple indices must be integers or slices, not str", "TypeError"},
		{[]string{`5[0]`}, "TypeError: 'int' object is not subscriptable", "TypeError"},
		{[]string{`a, b = 1`}, "TypeError: cannot unpack non-iterable int object", "TypeError"},
		{[]string{`a, b = 1, 2, 3`}, "ValueError: too many values to unpack (expected 2)", "ValueError"},
		{[]string{`a, b = "x"`}, "ValueError: not enough values to unpack (expected 2, got 1)", "ValueError"},
		{[]string{`int("x")`}, "ValueError: invalid literal for int() with base 10: 'x'", "ValueError"},
		{[]string{`int(None)`}, "TypeError: int() argument must be a string, a bytes-like object or a real number, not 'NoneType'", "TypeError"},
		{[]string{`b"\xff".decode()`}, "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte", "UnicodeDecodeError"},
		{[]string{`b"\xc3".decode()`}, "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xc3 in position 0: unexpected end of data", "UnicodeDecodeError"},
		{[]string{`b"\xc3a".decode()`}, "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xc3 in position 0: invalid continuation byte", "UnicodeDecodeError"},
		{[]string{`b"\xff".decode("ascii")`}, "UnicodeDecodeError: 'ascii' codec can't decode byte 0xff in position 0: ordinal not in range(128)", "UnicodeDecodeError"},
		{[]string{`"é".encode("ascii")`}, `UnicodeEncodeError: 'ascii' codec can't encode character '\xe9' in position 0: ordinal not in range(128)`, "UnicodeEncodeError"},
		{[]string{`"a".encode("nope")`}, "LookupError: unknown encoding: nope", "LookupError"},
		{[]string{`9223372036854775807 + 1`}, "OverflowError: int too large: the lab console's ints are 64-bit", "OverflowError"},
		{[]string{`int(1e300)`}, "OverflowError: int too large: the lab console's ints are 64-bit", "OverflowError"},
		{[]string{`import os`}, "ModuleNotFoundError: No module named 'os' (the lab console has only the socket module)", "ModuleNotFoundError"},
		{[]string{`from socket import nope`}, "ImportError: cannot import name 'nope' from 'socket'", "ImportError"},
		{[]string{`socket(1)`}, "OSError: [Errno 97] Address family not supported by protocol", "OSError"},
		{[]string{`socket(AF_INET, 5)`}, "OSError: [Errno 94] Socket type not supported", "OSError"},
		{[]string{`socket(AF_INET, SOCK_STREAM, 17)`}, "OSError: [Errno 93] Protocol not supported", "OSError"},
		{[]string{`socket("a")`}, "TypeError: 'str' object cannot be interpreted as an integer", "TypeError"},
		{[]string{`socket(TCP, SOCK_STREAM)`}, "TypeError: socket(TCP) takes no other arguments: TCP is short for socket(AF_INET, SOCK_STREAM)", "TypeError"},
		{[]string{`socket(AF_INET, SOCK_STREAM, 0, None, 5)`}, "TypeError: socket.__init__() takes from 1 to 5 positional arguments but 6 were given", "TypeError"},
		{[]string{`socket(foo=1)`}, "TypeError: socket.__init__() got an unexpected keyword argument 'foo'", "TypeError"},
		{[]string{`socket()`}, "OSError: [Errno 101] Network is unreachable: this console has no lab network", "OSError"},
		{[]string{`socket.socket.recv()`}, "TypeError: unbound method socket.recv() needs an argument", "TypeError"},
		{[]string{`socket.socket.recv(1, 2)`}, "TypeError: descriptor 'recv' for 'socket' objects doesn't apply to a 'int' object", "TypeError"},
		{[]string{`gethostbyname("example.com")`}, "socket.gaierror: [Errno -2] Name or service not known", "gaierror"},
	}
	for _, tt := range tests {
		res := run(t, tt.lines...)
		if res.Error != tt.want || res.Exception != tt.exception || res.Output != "" {
			t.Errorf("%q: got error %q (%s), output %q; want %q (%s)", tt.lines, res.Error, res.Exception, res.Output, tt.want, tt.exception)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{`s = socket(AF_INET`, "    s = socket(AF_INET\n                      ^\nSyntaxError: line 1, column 19: expected ')' but found end of line"},
		{`socket(AF_INET SOCK_STREAM)`, "    socket(AF_INET SOCK_STREAM)\n                   ^\nSyntaxError: line 1, column 16: expected ',' or ')' but found name 'SOCK_STREAM'"},
		{`s.connect(("10.0.0.1", 7)`, "    s.connect((\"10.0.0.1\", 7)\n                             ^\nSyntaxError: line 1, column 26: expected ')' but found end of line"},
		{`x = `, "    x = \n        ^\nSyntaxError: line 1, column 5: expected an expression but found end of line"},
		{"\tx = )", "    \tx = )\n    \t    ^\nSyntaxError: line 1, column 6: expected an expression but found ')'"},
		{`a b`, "    a b\n      ^\nSyntaxError: line 1, column 3: expected end of line but found name 'b'"},
		{`"abc`, "    \"abc\n    ^\nSyntaxError: line 1, column 1: unterminated string literal"},
		{`x = 1 / 2`, "    x = 1 / 2\n          ^\nSyntaxError: line 1, column 7: the lab console has no '/' operator"},
	}
	for _, tt := range tests {
		res := run(t, tt.line)
		if res.Error != tt.want || res.Exception != "SyntaxError" {
			t.Errorf("%q:\ngot\n%s\nwant\n%s", tt.line, res.Error, tt.want)
		}
	}
	// Only the message, for the rest.
	messages := []struct {
		line, want string
	}{
		{`s.`, "expected a name after '.' but found end of line"},
		{`s.(`, "expected a name after '.' but found '('"},
		{`(1, 2`, "expected ')' but found end of line"},
		{`(1, 2 3)`, "expected ',' or ')' but found number 3"},
		{`x[1`, "expected ']' but found end of line"},
		{`f(x=1, 2)`, "positional argument follows keyword argument"},
		{`f(x=1, x=2)`, "keyword argument repeated: x"},
		{`None = 1`, "cannot assign to None"},
		{`True = 1`, "cannot assign to True"},
		{`f() = 1`, "cannot assign to function call here. Maybe you meant '==' instead of '='?"},
		{`1 = 2`, "cannot assign to literal here. Maybe you meant '==' instead of '='?"},
		{`a + 1 = 2`, "cannot assign to expression here. Maybe you meant '==' instead of '='?"},
		{`s.x = 1`, "cannot assign to an attribute: the lab console's objects are read-only"},
		{`for x in y`, "the lab console has no 'for' blocks: type one statement per line"},
		{`if x: pass`, "the lab console has no 'if' blocks: type one statement per line"},
		{`x and y`, "the lab console has no 'and' operator"},
		{`not x`, "the lab console has no 'not' operator"},
		{`lambda: 1`, "the lab console has no 'lambda'"},
		{`x += 1`, "the lab console has no '+=' operator"},
		{`2 ** 8`, "the lab console has no '**' operator"},
		{`[1, 2]`, "the lab console has no lists: use a tuple (...)"},
		{`{}`, "the lab console has no dicts or sets: use a tuple (...)"},
		{`f"x"`, "the lab console has no f-strings"},
		{`b"é"`, "bytes can only contain ASCII literal characters"},
		{`b"a" "b"`, "cannot mix bytes and nonbytes literals"},
		{`"\x4"`, `truncated \x escape: it needs 2 hex digits`},
		{`0123`, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"},
		{`99999999999999999999`, "integer literal too large: the lab console's ints are 64-bit"},
		{`1j`, "the lab console has no complex numbers"},
		{`12abc`, "invalid literal"},
		{`x = $`, "invalid syntax: unexpected '$'"},
		{`x = €`, "invalid character '€' (U+20AC)"},
		{"x = \x01", "invalid non-printable character U+0001"},
		{"x = \xff", "invalid UTF-8 byte 0xff"},
		{`import`, "expected a module name but found end of line"},
		{`from socket`, "expected 'import' but found end of line"},
		{`del 1`, "expected a variable name but found number 1"},
		{`;`, "expected an expression but found ';'"},
		{"a\nb", "multiple lines found: type one line at a time"},
		{strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), "too deeply nested: the lab console allows 64 levels"},
		{strings.Repeat("-", 100) + "1", "too deeply nested: the lab console allows 64 levels"},
		{"x = " + strings.Repeat("1", 5000), "line too long: the lab console takes at most 4096 bytes per line"},
	}
	for _, tt := range messages {
		res := run(t, tt.line)
		last := res.Error[strings.LastIndexByte(res.Error, '\n')+1:]
		if !strings.HasPrefix(last, "SyntaxError: line 1") || !strings.HasSuffix(last, ": "+tt.want) || res.Exception != "SyntaxError" {
			t.Errorf("%q: got %q, want SyntaxError ...: %s", tt.line, res.Error, tt.want)
		}
	}
}

func TestBounds(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	ctx := context.Background()
	exec := func(line string) console.Result { return c.Exec(ctx, line) }

	if res := exec(`x = b"x" * 1048577`); res.Exception != "MemoryError" {
		t.Errorf("a 1 MiB bytes: got %+v, want MemoryError", res)
	}
	if res := exec(`x = b"x" * 1000000`); res.Error != "" {
		t.Fatalf("a 1 MB bytes: %s", res.Error)
	}
	if res := exec(`y = (x, x)`); res.Exception != "MemoryError" {
		t.Errorf("a tuple of 2 MB: got %+v, want MemoryError", res)
	}
	if res := exec(`b"x" * 9223372036854775807`); res.Exception != "MemoryError" {
		t.Errorf("a huge repeat: got %+v, want MemoryError", res)
	}
	if res := exec(`(1,) * 4611686018427387904`); res.Exception != "MemoryError" {
		t.Errorf("a huge tuple repeat: got %+v, want MemoryError", res)
	}
	// Printing a large value is cut short.
	res := exec(`x + x[:48576]`)
	if res.Error != "" || len(res.Output) > 1<<20+200 || !strings.Contains(res.Output, "more bytes of output not shown") {
		t.Errorf("printing 1 MiB: error %q, output of %d bytes ending %q", res.Error, len(res.Output), res.Output[max(0, len(res.Output)-100):])
	}
	// Variables are bounded in number and in size.
	for i := range 15 {
		if res := exec("v" + strings.Repeat("a", i) + " = x"); res.Error != "" {
			t.Fatalf("variable %d: %s", i, res.Error)
		}
	}
	if res := exec(`w = x`); res.Exception != "MemoryError" {
		t.Errorf("17 MB of variables: got %+v, want MemoryError", res)
	}
	c2 := console.New(nil)
	defer c2.Close()
	for i := range 64 {
		if res := c2.Exec(ctx, "v"+strings.Repeat("a", i)+" = 1"); res.Error != "" {
			t.Fatalf("variable %d: %s", i, res.Error)
		}
	}
	if res := c2.Exec(ctx, `one_too_many = 1`); res.Exception != "MemoryError" {
		t.Errorf("65 variables: got %+v, want MemoryError", res)
	}
	if res := c2.Exec(ctx, `v = 2`); res.Error != "" {
		t.Errorf("rebinding a variable: %s", res.Error)
	}
	// Tuples nest at most 100 deep.
	c3 := console.New(nil)
	defer c3.Close()
	c3.Exec(ctx, `t = ()`)
	var last console.Result
	for range 120 {
		if last = c3.Exec(ctx, `t = (t,)`); last.Error != "" {
			break
		}
	}
	if last.Exception != "RecursionError" {
		t.Errorf("deep tuples: got %+v, want RecursionError", last)
	}
	// A line makes at most 32 MiB of values.
	line := "x = " + strings.Repeat(`len(b"x" * 1000000) + `, 40) + "0"
	if res := c3.Exec(ctx, line); res.Exception != "MemoryError" {
		t.Errorf("40 MB in a line: got %+v, want MemoryError", res)
	}
}

func TestCancelled(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := c.Exec(ctx, `x = 1`)
	if res.Error != "KeyboardInterrupt" || res.Exception != "KeyboardInterrupt" {
		t.Errorf("got %+v, want KeyboardInterrupt", res)
	}
}

func TestClosed(t *testing.T) {
	c := console.New(nil)
	c.Close()
	c.Close()
	if res := c.Exec(context.Background(), `1`); res.Exception != "RuntimeError" {
		t.Errorf("after Close: got %+v, want RuntimeError", res)
	}
}

func TestComplete(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	c.Exec(context.Background(), `sock_a = 1`)
	c.Exec(context.Background(), `data = b"x"`)
	tests := []struct {
		prefix string
		want   []string
	}{
		{"so", []string{"sock_a", "socket"}},
		{"x = so", []string{"sock_a", "socket"}},
		{"pr", []string{"print("}},
		{"SHUT_", []string{"SHUT_RD", "SHUT_RDWR", "SHUT_WR"}},
		{"socket.SO", []string{"socket.SOCK_DGRAM", "socket.SOCK_STREAM", "socket.SOL_SOCKET", "socket.SO_REUSEADDR"}},
		{"socket.so", []string{"socket.socket("}},
		{"socket.socket.sh", []string{"socket.socket.shutdown("}},
		{"data.de", []string{"data.decode("}},
		{"print(data.", []string{"data.decode(", "data.hex(", "data.lower(", "data.split(", "data.strip(", "data.upper("}},
		{"No", []string{"None"}},
		{"nothing", nil},
		{"", nil},
		{"2.", nil},
		{"nothing.x", nil},
		{`"x".`, nil},
	}
	for _, tt := range tests {
		got := c.Complete(tt.prefix)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Complete(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	res := run(t, `help()`)
	for _, want := range []string{"socket(AF_INET, SOCK_STREAM)", "s.connect(address)", "three-way handshake", "help(s.connect)"} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("help() lacks %q:\n%s", want, res.Output)
		}
	}
	tests := []struct{ line, want string }{
		{`help(socket)`, "Make a new socket"},
		{`help(socket.socket)`, "Make a new socket"},
		{`help("connect")`, "three-way handshake: your host sends SYN"},
		{`help("socket.recv")`, "b'' means the peer sent FIN"},
		{`help(SHUT_WR)`, "1 is an int"},
		{`help(SOCK_DGRAM)`, "UDP"},
		{`help(TCP)`, "socket(AF_INET, SOCK_STREAM)"},
		{`help(print)`, "print(value, ..., sep=' ', end='\\n')"},
		{`help(b"x".decode)`, "decoded from UTF-8"},
		{`help(b"x")`, "b'x' is bytes"},
		{`help("nothing")`, "No lab help for 'nothing'"},
		{`help(gethostname)`, "A lab host's name is its address"},
		{`help(socket.socket.connect)`, "three-way handshake: your host sends SYN"},
	}
	for _, tt := range tests {
		res := run(t, tt.line)
		if !strings.Contains(res.Output, tt.want) || res.Error != "" {
			t.Errorf("%s: got %q, error %q; want it to contain %q", tt.line, res.Output, res.Error, tt.want)
		}
	}
}
