package console

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"
)

// evaluator runs the statements of one line.
type evaluator struct {
	c     *Console
	ctx   context.Context
	out   output
	alloc int // the weight of the values this line has made
}

// made charges the weight of a value the line made against the line's
// budget.
func (ev *evaluator) made(v value) *pyError {
	ev.alloc += weight(v)
	if ev.alloc > maxLineAlloc {
		return memoryError("the lab console makes at most %d bytes of values per line", maxLineAlloc)
	}
	return nil
}

// fits fails if a string, bytes or tuple of n bytes or items would be too
// large to make.
func fits(n int) *pyError {
	if n < 0 || n > maxValueSize {
		return memoryError("the lab console's values hold at most %d bytes", maxValueSize)
	}
	return nil
}

func (ev *evaluator) exec(s stmt) *pyError {
	switch s := s.(type) {
	case *exprStmt:
		v, err := ev.eval(s.x)
		if err != nil {
			return err
		}
		if _, ok := v.(noneValue); !ok {
			ev.out.write(reprValue(v) + "\n")
			ev.c.setLast(v)
		}
	case *assignStmt:
		v, err := ev.eval(s.value)
		if err != nil {
			return err
		}
		for _, t := range s.targets {
			if err := ev.assign(t, v); err != nil {
				return err
			}
		}
	case *importStmt:
		if s.module != "socket" {
			return noModule(s.module)
		}
		if s.name == "socket" {
			ev.c.unset("socket")
			return nil
		}
		return ev.c.set(s.name, moduleValue{})
	case *fromImportStmt:
		if s.module != "socket" {
			return noModule(s.module)
		}
		names := s.names
		if names == nil {
			for name := range moduleMembers {
				names = append(names, name)
			}
		}
		for _, name := range names {
			if _, ok := moduleMembers[name]; !ok {
				return raise("ImportError", "cannot import name '%s' from 'socket'", name)
			}
		}
		for _, name := range names {
			ev.c.unset(name)
		}
	case *delStmt:
		for _, n := range s.names {
			if !ev.c.unset(n.name) {
				return nameError(n.name)
			}
		}
	case *passStmt:
	}
	return nil
}

func noModule(name string) *pyError {
	return raise("ModuleNotFoundError", "No module named '%s' (the lab console has only the socket module)", name)
}

func nameError(name string) *pyError {
	return raise("NameError", "name '%s' is not defined", name)
}

// assign binds target, a name or tuple of targets, to v.
func (ev *evaluator) assign(target expr, v value) *pyError {
	switch t := target.(type) {
	case *nameExpr:
		return ev.c.set(t.name, v)
	case *tupleExpr:
		items, err := unpack(v, len(t.items))
		if err != nil {
			return err
		}
		for i, it := range t.items {
			if err := ev.assign(it, items[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return raise("SyntaxError", "cannot assign to %s", target) // the parser prevents this
}

// seqLen is the length of a sequence (tuple, bytes, str); ok is false for
// any other value.
func seqLen(v value) (n int, ok bool) {
	switch v := v.(type) {
	case *tupleValue:
		return len(v.items), true
	case bytesValue:
		return len(v), true
	case strValue:
		return utf8.RuneCountInString(string(v)), true
	}
	return 0, false
}

// unpack returns the n items of v, as "a, b = v" does.
func unpack(v value, n int) ([]value, *pyError) {
	count, ok := seqLen(v)
	if !ok {
		return nil, typeError("cannot unpack non-iterable %s object", v.typeName())
	}
	if count > n {
		return nil, valueError("too many values to unpack (expected %d)", n)
	}
	if count < n {
		return nil, valueError("not enough values to unpack (expected %d, got %d)", n, count)
	}
	switch v := v.(type) {
	case *tupleValue:
		return v.items, nil
	case bytesValue:
		items := make([]value, n)
		for i := range n {
			items[i] = intValue(v[i])
		}
		return items, nil
	}
	var items []value
	for _, r := range string(v.(strValue)) {
		items = append(items, strValue(string(r)))
	}
	return items, nil
}

func (ev *evaluator) eval(x expr) (value, *pyError) {
	switch x := x.(type) {
	case *constExpr:
		return x.val, nil
	case *nameExpr:
		v, ok := ev.c.lookup(x.name)
		if !ok {
			return nil, nameError(x.name)
		}
		return v, nil
	case *tupleExpr:
		items := make([]value, len(x.items))
		for i, it := range x.items {
			v, err := ev.eval(it)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		if len(items) == 0 {
			return emptyTuple, nil
		}
		t, err := newTuple(items)
		if err != nil {
			return nil, err
		}
		return t, ev.made(t)
	case *attrExpr:
		v, err := ev.eval(x.x)
		if err != nil {
			return nil, err
		}
		return getattr(v, x.name)
	case *callExpr:
		return ev.call(x)
	case *indexExpr:
		v, err := ev.eval(x.x)
		if err != nil {
			return nil, err
		}
		i, err := ev.eval(x.index)
		if err != nil {
			return nil, err
		}
		return index(v, i)
	case *sliceExpr:
		return ev.slice(x)
	case *unaryExpr:
		v, err := ev.eval(x.x)
		if err != nil {
			return nil, err
		}
		return unary(x.op, v)
	case *binaryExpr:
		a, err := ev.eval(x.x)
		if err != nil {
			return nil, err
		}
		b, err := ev.eval(x.y)
		if err != nil {
			return nil, err
		}
		v, err := binary(x.op, a, b)
		if err != nil {
			return nil, err
		}
		return v, ev.made(v)
	case *compareExpr:
		a, err := ev.eval(x.operands[0])
		if err != nil {
			return nil, err
		}
		result := true
		for i, op := range x.ops {
			b, err := ev.eval(x.operands[i+1])
			if err != nil {
				return nil, err
			}
			if equal(a, b) != (op == "==") {
				result = false
			}
			a = b
		}
		return boolValue(result), nil
	}
	return nil, raise("SystemError", "unknown expression %s", x)
}

// args are the arguments of a call.
type args struct {
	name string // the called function's name, for messages
	// qual is the name CPython gives a C method whose arguments are
	// checked before it runs (socket.connect, not connect): a TypeError
	// for no arguments, exactly one or a keyword says it.
	qual string
	pos  []value
	kw   []kwValue
}

// kwValue is a keyword argument.
type kwValue struct {
	name string
	val  value
}

// want fails unless the call has from min to max positional arguments and
// no keyword arguments.
func (a *args) want(min, max int) *pyError {
	qual := a.name
	if a.qual != "" {
		qual = a.qual
	}
	if len(a.kw) > 0 {
		return typeError("%s() takes no keyword arguments", qual)
	}
	n := len(a.pos)
	switch {
	case n >= min && n <= max:
		return nil
	case max == 0:
		return typeError("%s() takes no arguments (%d given)", qual, n)
	case min == max && min == 1:
		return typeError("%s() takes exactly one argument (%d given)", qual, n)
	case min == max:
		return typeError("%s() takes exactly %d arguments (%d given)", a.name, min, n)
	case n < min:
		return typeError("%s() takes at least %d %s (%d given)", a.name, min, plural(min, "argument"), n)
	}
	return typeError("%s() takes at most %d %s (%d given)", a.name, max, plural(max, "argument"), n)
}

// wantSelfOnly fails unless the call has no arguments, as CPython says
// of a method written in Python (socket.py's accept and close).
func (a *args) wantSelfOnly() *pyError {
	if len(a.kw) > 0 {
		return typeError("%s() got an unexpected keyword argument '%s'", a.qual, a.kw[0].name)
	}
	if n := len(a.pos); n > 0 {
		return typeError("%s() takes 1 positional argument but %d were given", a.qual, n+1)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// bind matches positional and keyword arguments to the named parameters,
// leaving nil the ones not given.
func (a *args) bind(params ...string) ([]value, *pyError) {
	if len(a.pos) > len(params) {
		return nil, typeError("%s() takes at most %d %s (%d given)", a.name, len(params), plural(len(params), "argument"), len(a.pos))
	}
	vals := make([]value, len(params))
	copy(vals, a.pos)
	for _, kw := range a.kw {
		i := 0
		for i < len(params) && params[i] != kw.name {
			i++
		}
		if i == len(params) {
			return nil, typeError("%s() got an unexpected keyword argument '%s'", a.name, kw.name)
		}
		if vals[i] != nil {
			return nil, typeError("%s() got multiple values for argument '%s'", a.name, kw.name)
		}
		vals[i] = kw.val
	}
	return vals, nil
}

func (ev *evaluator) call(x *callExpr) (value, *pyError) {
	fn, err := ev.eval(x.fn)
	if err != nil {
		return nil, err
	}
	a := &args{}
	for _, e := range x.args {
		v, err := ev.eval(e)
		if err != nil {
			return nil, err
		}
		a.pos = append(a.pos, v)
	}
	for _, kw := range x.kwargs {
		v, err := ev.eval(kw.val)
		if err != nil {
			return nil, err
		}
		a.kw = append(a.kw, kwValue{kw.name, v})
	}
	var v value
	switch fn := fn.(type) {
	case *builtinValue:
		a.name = fn.name
		v, err = fn.call(ev, a)
	case moduleValue:
		a.name = "socket"
		v, err = newSocket(ev, a)
	case *methodValue:
		a.name = fn.name
		switch fn.self.(type) {
		case *socketObj, strValue, bytesValue:
			a.qual = fn.self.typeName() + "." + fn.name
		}
		v, err = callMethod(ev, fn, a)
	default:
		return nil, typeError("'%s' object is not callable", fn.typeName())
	}
	if err != nil {
		return nil, err
	}
	return v, ev.made(v)
}

// getattr is Python's v.name.
func getattr(v value, name string) (value, *pyError) {
	switch v := v.(type) {
	case moduleValue:
		if m, ok := moduleMembers[name]; ok {
			return m, nil
		}
		return nil, raise("AttributeError", "module 'socket' has no attribute '%s'", name)
	case *socketObj:
		if _, ok := socketMethods[name]; ok {
			return &methodValue{self: v, name: name}, nil
		}
		switch name {
		case "family":
			return afInet, nil
		case "type":
			return v.kind(), nil
		case "proto":
			return intValue(0), nil
		}
	case *builtinValue:
		if _, ok := socketMethods[name]; ok && v == socketClass {
			return &methodValue{self: v, name: name}, nil // unbound: socket.socket.connect
		}
	case wireValue:
		if _, ok := wireMethods[name]; ok {
			return &methodValue{self: v, name: name}, nil
		}
	case strValue:
		if _, ok := strMethods[name]; ok {
			return &methodValue{self: v, name: name}, nil
		}
	case bytesValue:
		if _, ok := bytesMethods[name]; ok {
			return &methodValue{self: v, name: name}, nil
		}
	}
	return nil, raise("AttributeError", "'%s' object has no attribute '%s'", v.typeName(), name)
}

// callMethod calls a bound method.
func callMethod(ev *evaluator, m *methodValue, a *args) (value, *pyError) {
	switch self := m.self.(type) {
	case *socketObj:
		return socketMethods[m.name](ev, self, a)
	case wireValue:
		return callWire(ev, self, m.name, a)
	case strValue:
		return strMethods[m.name](ev, self, a)
	case bytesValue:
		return bytesMethods[m.name](ev, self, a)
	case *builtinValue: // socket.socket.connect(s, address)
		if len(a.pos) == 0 {
			return nil, typeError("unbound method socket.%s() needs an argument", m.name)
		}
		so, ok := a.pos[0].(*socketObj)
		if !ok {
			return nil, typeError("descriptor '%s' for 'socket' objects doesn't apply to a '%s' object", m.name, a.pos[0].typeName())
		}
		return socketMethods[m.name](ev, so, &args{name: a.name, pos: a.pos[1:], kw: a.kw})
	}
	return nil, raise("SystemError", "no method %s", m.name)
}

// index is Python's v[i].
func index(v, i value) (value, *pyError) {
	n, ok := seqLen(v)
	if !ok {
		return nil, typeError("'%s' object is not subscriptable", v.typeName())
	}
	k, ok := asIndex(i)
	if !ok {
		switch v.(type) {
		case *tupleValue:
			return nil, typeError("tuple indices must be integers or slices, not %s", i.typeName())
		case bytesValue:
			return nil, typeError("byte indices must be integers or slices, not %s", i.typeName())
		}
		return nil, typeError("string indices must be integers, not '%s'", i.typeName())
	}
	if k < 0 {
		k += int64(n)
	}
	if k < 0 || k >= int64(n) {
		switch v.(type) {
		case *tupleValue:
			return nil, raise("IndexError", "%s index out of range", v.typeName())
		case bytesValue:
			return nil, raise("IndexError", "index out of range")
		}
		return nil, raise("IndexError", "string index out of range")
	}
	switch v := v.(type) {
	case *tupleValue:
		return v.items[k], nil
	case bytesValue:
		return intValue(v[k]), nil
	}
	return strValue(string([]rune(string(v.(strValue)))[k])), nil
}

func (ev *evaluator) slice(x *sliceExpr) (value, *pyError) {
	v, err := ev.eval(x.x)
	if err != nil {
		return nil, err
	}
	n, ok := seqLen(v)
	if !ok {
		return nil, typeError("'%s' object is not subscriptable", v.typeName())
	}
	bound := func(b expr, dflt int) (int, *pyError) {
		if b == nil {
			return dflt, nil
		}
		bv, err := ev.eval(b)
		if err != nil {
			return 0, err
		}
		if _, ok := bv.(noneValue); ok {
			return dflt, nil
		}
		k, ok := asIndex(bv)
		if !ok {
			return 0, typeError("slice indices must be integers or None or have an __index__ method")
		}
		if k < 0 {
			k += int64(n)
		}
		return int(min(max(k, 0), int64(n))), nil
	}
	lo, err := bound(x.lo, 0)
	if err != nil {
		return nil, err
	}
	hi, err := bound(x.hi, n)
	if err != nil {
		return nil, err
	}
	hi = max(hi, lo)
	var r value
	switch v := v.(type) {
	case *tupleValue:
		if r, err = newTuple(v.items[lo:hi]); err != nil {
			return nil, err
		}
	case bytesValue:
		r = v[lo:hi]
	case strValue:
		r = strValue(string([]rune(string(v))[lo:hi]))
	}
	return r, ev.made(r)
}

func unary(op string, v value) (value, *pyError) {
	if f, ok := v.(floatValue); ok {
		if op == "-" {
			return -f, nil
		}
		return f, nil
	}
	n, ok := asIndex(v)
	if !ok {
		return nil, typeError("bad operand type for unary %s: '%s'", op, v.typeName())
	}
	if op == "+" {
		return intValue(n), nil
	}
	if n == math.MinInt64 {
		return nil, overflow()
	}
	return intValue(-n), nil
}

func overflow() *pyError {
	return raise("OverflowError", "int too large: the lab console's ints are 64-bit")
}

// binary is Python's a op b, for +, - and *.
func binary(op string, a, b value) (value, *pyError) {
	if x, ok := asIndex(a); ok {
		if y, ok := asIndex(b); ok {
			return intArith(op, x, y)
		}
	}
	if x, ok := asFloat(a); ok {
		if y, ok := asFloat(b); ok {
			switch op {
			case "+":
				return floatValue(x + y), nil
			case "-":
				return floatValue(x - y), nil
			}
			return floatValue(x * y), nil
		}
	}
	switch op {
	case "+":
		return concat(a, b)
	case "*":
		if n, ok := asIndex(b); ok && isSequence(a) {
			return repeat(a, n)
		}
		if n, ok := asIndex(a); ok && isSequence(b) {
			return repeat(b, n)
		}
		if isSequence(a) {
			if _, ok := asFloat(b); ok || isSequence(b) {
				return nil, typeError("can't multiply sequence by non-int of type '%s'", b.typeName())
			}
		}
	}
	return nil, typeError("unsupported operand type(s) for %s: '%s' and '%s'", op, a.typeName(), b.typeName())
}

func intArith(op string, x, y int64) (value, *pyError) {
	var r int64
	switch op {
	case "+":
		r = x + y
		if (x > 0 && y > 0 && r < 0) || (x < 0 && y < 0 && r >= 0) {
			return nil, overflow()
		}
	case "-":
		r = x - y
		if (x >= 0 && y < 0 && r < 0) || (x < 0 && y > 0 && r >= 0) {
			return nil, overflow()
		}
	default:
		r = x * y
		if x != 0 && (r/x != y || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64)) {
			return nil, overflow()
		}
	}
	return intValue(r), nil
}

func isEmpty(seq value) bool {
	switch s := seq.(type) {
	case strValue:
		return len(s) == 0
	case bytesValue:
		return len(s) == 0
	case *tupleValue:
		return len(s.items) == 0
	}
	return false
}

func isSequence(v value) bool {
	switch v.(type) {
	case strValue, bytesValue, *tupleValue:
		return true
	}
	return false
}

func concat(a, b value) (value, *pyError) {
	switch a := a.(type) {
	case strValue:
		b, ok := b.(strValue)
		if !ok {
			break
		}
		if err := fits(len(a) + len(b)); err != nil {
			return nil, err
		}
		return a + b, nil
	case bytesValue:
		b, ok := b.(bytesValue)
		if !ok {
			break
		}
		if err := fits(len(a) + len(b)); err != nil {
			return nil, err
		}
		return a + b, nil
	case *tupleValue:
		b, ok := b.(*tupleValue)
		if !ok {
			break
		}
		if err := fits(len(a.items) + len(b.items)); err != nil {
			return nil, err
		}
		return newTuple(append(append([]value(nil), a.items...), b.items...))
	}
	switch a.(type) {
	case strValue:
		return nil, typeError("can only concatenate str (not \"%s\") to str", b.typeName())
	case bytesValue:
		return nil, typeError("can't concat %s to bytes", b.typeName())
	case *tupleValue:
		return nil, typeError("can only concatenate tuple (not \"%s\") to tuple", b.typeName())
	}
	return nil, typeError("unsupported operand type(s) for +: '%s' and '%s'", a.typeName(), b.typeName())
}

// repeat is Python's seq * n.
func repeat(seq value, n int64) (value, *pyError) {
	n = max(n, 0)
	if n == 1 || isEmpty(seq) {
		return seq, nil
	}
	switch s := seq.(type) {
	case strValue:
		if n > 0 && int64(len(s)) > maxValueSize/n {
			return nil, fits(-1)
		}
		return strValue(strings.Repeat(string(s), int(n))), nil
	case bytesValue:
		if n > 0 && int64(len(s)) > maxValueSize/n {
			return nil, fits(-1)
		}
		return bytesValue(strings.Repeat(string(s), int(n))), nil
	}
	t := seq.(*tupleValue)
	if n > 0 && int64(t.size) > maxValueSize/n {
		return nil, fits(-1)
	}
	items := make([]value, 0, len(t.items)*int(n))
	for range n {
		items = append(items, t.items...)
	}
	return newTuple(items)
}
