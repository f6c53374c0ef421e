package console

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/sock"
)

// Console runs lines of the console language on one lab host. Its
// variables and sockets live from line to line, as in Python's REPL. It is
// safe for concurrent use: lines run one at a time, and Complete and Close
// do not wait for a line that blocks.
type Console struct {
	st *sock.Stack

	server   netip.Addr // the lab server, for hints; see WithServer
	services []Service  // the lab server's, by port
	wire     Wire       // the host's wire, if it has one: see WithWire

	exec sync.Mutex // held while a line runs

	mu      sync.Mutex // guards what follows
	vars    map[string]value
	last    value // "_": the last value a bare expression printed
	sockets map[*socketObj]bool
	closed  bool
}

// Result is what running a line did.
type Result struct {
	// Output is what the line printed, exactly as the REPL writes it:
	// the repr of a bare expression's value and a newline, what print
	// wrote. It is empty if the line printed nothing.
	Output string
	// Error is the exception the line raised, as Python prints it:
	// "ConnectionRefusedError: [Errno 111] Connection refused". A
	// SyntaxError takes three lines: the source indented by four spaces,
	// a caret under the offending column, and the message. Error is
	// empty if the line raised nothing. For a common mistake, a line
	// Python does not print follows, "hint: " and what to do instead,
	// such as `hint: send bytes: b"hello"`.
	Error string
	// Exception is the class of the exception the line raised, such as
	// "ConnectionRefusedError" or "KeyboardInterrupt" ("gaierror" for
	// socket.gaierror); empty if none.
	Exception string
}

// New returns a console that makes its sockets on st, set up by opts.
// With a nil st the console has no network: socket() raises OSError.
func New(st *sock.Stack, opts ...Option) *Console {
	c := &Console{st: st, vars: map[string]value{}, sockets: map[*socketObj]bool{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Exec runs one line, as the Python REPL runs what is typed at its
// prompt, and returns what it printed and what it raised. Every blocking
// socket call gets ctx; when ctx is cancelled, the line stops with
// KeyboardInterrupt. Sockets that no variable refers to any more are
// closed after each statement, as Python's reference counting closes them.
func (c *Console) Exec(ctx context.Context, line string) (res Result) {
	c.exec.Lock()
	defer c.exec.Unlock()
	ev := &evaluator{c: c, ctx: ctx}
	defer func() {
		if r := recover(); r != nil {
			res = Result{
				Output:    ev.out.String(),
				Error:     fmt.Sprintf("SystemError: the lab console failed: %v", r),
				Exception: "SystemError",
			}
		}
	}()
	if err := ev.run(line); err != nil {
		text := err.text
		if err.hint != "" {
			text += "\nhint: " + err.hint
		}
		return Result{Output: ev.out.String(), Error: text, Exception: err.class}
	}
	return Result{Output: ev.out.String()}
}

// run parses and runs a line.
func (ev *evaluator) run(line string) *pyError {
	if ev.c.isClosed() {
		return raise("RuntimeError", "the console is closed")
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if len(line) > maxLineBytes {
		return raise("SyntaxError", "line 1: line too long: the lab console takes at most %d bytes per line", maxLineBytes)
	}
	if strings.ContainsAny(line, "\r\n") {
		return raise("SyntaxError", "line 1: multiple lines found: type one line at a time")
	}
	prog, serr := parse(line)
	if serr != nil {
		return &pyError{class: "SyntaxError", text: formatSyntaxError(line, serr)}
	}
	defer ev.c.collect()
	for _, s := range prog.stmts {
		if ev.ctx.Err() != nil {
			return errInterrupt
		}
		if err := ev.exec(s); err != nil {
			return err
		}
		ev.c.collect()
	}
	return nil
}

// formatSyntaxError formats err as Python prints a SyntaxError: the line,
// a caret under the column, then the message.
func formatSyntaxError(line string, err *syntaxError) string {
	msg := "SyntaxError: " + err.Error()
	if err.col <= 0 {
		return msg
	}
	var caret strings.Builder
	for i, r := range []rune(line) {
		if i >= err.col-1 {
			break
		}
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	return "    " + line + "\n    " + caret.String() + "^\n" + msg
}

// Close closes every socket the console made and still has open, which
// ends any call blocked on one; lines run after Close raise RuntimeError.
func (c *Console) Close() {
	c.mu.Lock()
	c.closed = true
	var open []*socketObj
	for so := range c.sockets {
		open = append(open, so)
	}
	clear(c.sockets)
	clear(c.vars)
	c.last = nil
	c.mu.Unlock()
	for _, so := range open {
		so.close()
	}
}

func (c *Console) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// lookup returns the value of a variable or builtin.
func (c *Console) lookup(name string) (value, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.vars[name]; ok {
		return v, true
	}
	if name == "_" && c.last != nil {
		return c.last, true
	}
	v, ok := builtins[name]
	if _, isWire := v.(wireValue); isWire {
		return wireValue{c.wire}, true
	}
	return v, ok
}

// set binds a variable, within the console's bounds.
func (c *Console) set(name string, v value) *pyError {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, exists := c.vars[name]
	if !exists && len(c.vars) >= maxVars {
		return memoryError("too many variables: the lab console keeps at most %d (del some)", maxVars)
	}
	total := weight(v)
	for _, w := range c.vars {
		total += weight(w)
	}
	if exists {
		total -= weight(old)
	}
	if total > maxVarBytes {
		return memoryError("the lab console's variables hold at most %d bytes in all (del some)", maxVarBytes)
	}
	c.vars[name] = v
	return nil
}

// unset removes a variable, reporting whether there was one.
func (c *Console) unset(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.vars[name]
	delete(c.vars, name)
	return ok
}

// setLast sets "_".
func (c *Console) setLast(v value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = v
}

// newSocket makes a socket of type t and keeps it in the console.
func (c *Console) newSocket(ev *evaluator, t sock.Type) (*socketObj, *pyError) {
	if c.st == nil {
		return nil, raise("OSError", "[Errno 101] Network is unreachable: this console has no lab network")
	}
	if err := c.roomForSocket(); err != nil {
		return nil, err
	}
	s, err := c.st.Socket(t)
	if err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return c.adopt(s, t)
}

// roomForSocket fails if the console has as many sockets open as it may.
func (c *Console) roomForSocket() *pyError {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sockets) >= maxSockets {
		return errnoError(lab.EMFILE)
	}
	return nil
}

// adopt keeps a socket made by the stack, closing it if the console may
// not have it.
func (c *Console) adopt(s *sock.Socket, t sock.Type) (*socketObj, *pyError) {
	so := &socketObj{s: s, typ: t, fd: s.FD()}
	c.mu.Lock()
	var err *pyError
	switch {
	case c.closed:
		err = raise("RuntimeError", "the console is closed")
	case len(c.sockets) >= maxSockets:
		err = errnoError(lab.EMFILE)
	default:
		c.sockets[so] = true
	}
	c.mu.Unlock()
	if err != nil {
		so.close()
		return nil, err
	}
	return so, nil
}

// forget drops a closed socket from the console.
func (c *Console) forget(so *socketObj) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sockets, so)
}

// collect closes the sockets no variable refers to any more.
func (c *Console) collect() {
	c.mu.Lock()
	if len(c.sockets) == 0 {
		c.mu.Unlock()
		return
	}
	live := map[*socketObj]bool{}
	var mark func(v value)
	mark = func(v value) {
		switch v := v.(type) {
		case *socketObj:
			live[v] = true
		case *tupleValue:
			if v.refs {
				for _, it := range v.items {
					mark(it)
				}
			}
		case *methodValue:
			mark(v.self)
		}
	}
	for _, v := range c.vars {
		mark(v)
	}
	if c.last != nil {
		mark(c.last)
	}
	var dead []*socketObj
	for so := range c.sockets {
		if !live[so] {
			dead = append(dead, so)
			delete(c.sockets, so)
		}
	}
	c.mu.Unlock()
	for _, so := range dead {
		so.close()
	}
}

// output is what a line prints, up to maxOutput bytes.
type output struct {
	sb        strings.Builder
	truncated int // bytes left out
}

func (o *output) write(s string) {
	if o.truncated > 0 {
		o.truncated += len(s)
		return
	}
	if room := maxOutput - o.sb.Len(); len(s) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		o.sb.WriteString(s[:cut])
		o.truncated = len(s) - cut
		return
	}
	o.sb.WriteString(s)
}

// String returns what was printed, with a note if some was left out.
func (o *output) String() string {
	if o.truncated == 0 {
		return o.sb.String()
	}
	return o.sb.String() + fmt.Sprintf("\n[%d more bytes of output not shown: the lab console prints at most %d bytes per line]\n", o.truncated, maxOutput)
}
