package console

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	tests := []struct{ line, want string }{
		{``, ``},
		{`# comment`, ``},
		{`s = socket(AF_INET, SOCK_STREAM)`, `(= s (call socket AF_INET SOCK_STREAM))`},
		{`s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)`, `(= s (call (. socket socket) (. socket AF_INET) (. socket SOCK_DGRAM)))`},
		{`s.connect(("10.0.0.1", 7))`, `(call (. s connect) (tuple '10.0.0.1' 7))`},
		{`data, addr = s.recvfrom(1024)`, `(= (tuple data addr) (call (. s recvfrom) 1024))`},
		{`(a, b) = c, = 1, 2`, `(= (tuple a b) (tuple c) (tuple 1 2))`},
		{`a, (b, c) = x`, `(= (tuple a (tuple b c)) x)`},
		{`a = b = 1`, `(= a b 1)`},
		{`print(x, end="")`, `(call print x end='')`},
		{`f(a, b,)`, `(call f a b)`},
		{`f()()`, `(call (call f))`},
		{`x[0][1:][:2][1:2]`, `(slice (slice (slice (index x 0) 1 _) _ 2) 1 2)`},
		{`-x.y`, `(- (. x y))`},
		{`- - 1`, `(- (- 1))`},
		{`1 + 2 * 3 - 4`, `(- (+ 1 (* 2 3)) 4)`},
		{`(1 + 2) * 3`, `(* (+ 1 2) 3)`},
		{`a == b != c`, `(compare a == b != c)`},
		{`()`, `(tuple)`},
		{`(1,)`, `(tuple 1)`},
		{`((1))`, `1`},
		{`b"a" b'b'`, `b'ab'`},
		{`None, True, False`, `(tuple None True False)`},
		{`2.5, 1e3, .5, 5.`, `(tuple 2.5 1000.0 0.5 5.0)`},
		{`import socket`, `(import socket socket)`},
		{`import socket as sk`, `(import socket sk)`},
		{`import os.path`, `(import os.path os.path)`},
		{`from socket import *`, `(from socket *)`},
		{`from socket import (socket, AF_INET,)`, `(from socket socket AF_INET)`},
		{`del a, b`, `(del a b)`},
		{`pass`, `(pass)`},
		{`x = 1; y = 2;`, `(= x 1); (= y 2)`},
		{`x = 1  # raises Nothing`, `(= x 1)`},
	}
	for _, tt := range tests {
		prog, err := parse(tt.line)
		if err != nil {
			t.Errorf("parse(%q): %v", tt.line, err)
			continue
		}
		if got := prog.String(); got != tt.want {
			t.Errorf("parse(%q) = %s, want %s", tt.line, got, tt.want)
		}
	}
}

func TestLexComment(t *testing.T) {
	tests := []struct{ line, want string }{
		{`x = 1 # raises X`, " raises X"},
		{`x = "#" # c`, " c"},
		{`x = "#"`, ""},
		{`#`, ""},
	}
	for _, tt := range tests {
		if _, got, err := lex(tt.line); err != nil || got != tt.want {
			t.Errorf("lex(%q) comment = %q, %v; want %q", tt.line, got, err, tt.want)
		}
	}
}

// FuzzParse checks that no line makes the parser, or the console running
// it, panic, and that syntax errors point within the line.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`s = socket(AF_INET, SOCK_STREAM)`,
		`s.connect(("10.0.0.1", 7))`,
		`data, addr = s.recvfrom(1024)`,
		`print(b"x\n" * 3, "\xe9\u00e9", r"\q", sep="")`,
		`a, (b, c) = 1, (2, 3); a + b * -c`,
		`x = (1,) * 3; x[1:], x[-1], len(x) == 3 != 4`,
		`b"\xc3".decode("ascii", errors="replace")`,
		`import socket as sk; from socket import *; del sk`,
		`help(socket); help("connect"); help(b"x".hex)`,
		`int("12"), str(b"x", "utf-8"), repr(None), 1e400, 0x_ff`,
		`s = socket(AF_INET`,
		`"""a`, `'\x4'`, `0123`, `x[`, `f(a=1, 2)`, `((((`, `--1`, "\x00", "\xff",
		`b"é"`, `for x in y`, `x += 1`, `$`, `a.b.c = 1`, `9223372036854775807 + 1`,
	} {
		f.Add(seed)
	}
	c := New(nil)
	defer c.Close()
	f.Fuzz(func(t *testing.T, line string) {
		prog, err := parse(line)
		if err != nil {
			if n := utf8.RuneCountInString(line); err.col < 0 || err.col > n+1 {
				t.Errorf("parse(%q): error at column %d of a line of %d characters", line, err.col, n)
			}
		} else if len(prog.stmts) > 0 && strings.TrimSpace(line) == "" {
			t.Errorf("parse(%q): statements in a blank line", line)
		}
		res := c.Exec(context.Background(), line)
		if res.Exception == "SystemError" {
			t.Errorf("Exec(%q): %s", line, res.Error)
		}
		if (res.Error == "") != (res.Exception == "") {
			t.Errorf("Exec(%q): error %q but exception %q", line, res.Error, res.Exception)
		}
	})
}
