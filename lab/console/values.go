package console

import "github.com/socketlab/socketlab/lab/sock"

// value is a value of the language. Values are immutable, so they are
// shared freely.
type value interface {
	// typeName is the name of the value's Python type, as error messages
	// give it: "int", "bytes", "socket".
	typeName() string
}

type (
	noneValue  struct{}
	boolValue  bool
	intValue   int64
	floatValue float64
	strValue   string // UTF-8 text
	bytesValue string // any bytes, kept in a string so they cannot change

	// tupleValue is a tuple; make one with newTuple.
	tupleValue struct {
		items []value
		size  int  // the tuple's weight, see weight
		depth int  // 1 for a tuple of no tuples
		refs  bool // holds sockets, directly or not
		list  bool // a list, as getaddrinfo returns: it prints in brackets
	}

	// enumValue is one of Python's socket constants that are IntEnums,
	// such as AF_INET, which are ints too.
	enumValue struct {
		class, name string
		n           int64
	}

	// shorthandValue is TCP or UDP, the lab's shorthands for socket's
	// family and type: socket(TCP).
	shorthandValue struct {
		name string
		typ  sock.Type
	}

	// moduleValue is the socket module. Calling it makes a socket, so that
	// "socket(...)" works as after "from socket import *".
	moduleValue struct{}

	// builtinValue is a built-in function.
	builtinValue struct {
		name string
		repr string // how it prints, if not "<built-in function name>"
		call func(ev *evaluator, a *args) (value, *pyError)
	}

	// methodValue is a method bound to the value it belongs to.
	methodValue struct {
		self value
		name string
	}
)

func (noneValue) typeName() string  { return "NoneType" }
func (boolValue) typeName() string  { return "bool" }
func (intValue) typeName() string   { return "int" }
func (floatValue) typeName() string { return "float" }
func (strValue) typeName() string   { return "str" }
func (bytesValue) typeName() string { return "bytes" }
func (t *tupleValue) typeName() string {
	if t.list {
		return "list"
	}
	return "tuple"
}
func (e enumValue) typeName() string    { return e.class }
func (shorthandValue) typeName() string { return "shorthand" }
func (moduleValue) typeName() string    { return "module" }
func (*methodValue) typeName() string   { return "builtin_function_or_method" }
func (b *builtinValue) typeName() string {
	if b == socketClass || b == timeoutClass {
		return "type"
	}
	return "builtin_function_or_method"
}

// objectSize is the weight of values other than strings, bytes and tuples,
// and the overhead of those.
const objectSize = 16

// socketSize is the weight of a socket: about the length of its repr.
const socketSize = 160

// weight measures a value for the console's bounds: about the bytes it
// holds and the characters its repr prints. A value shared twice in a
// tuple weighs twice.
func weight(v value) int {
	switch v := v.(type) {
	case strValue:
		return len(v) + objectSize
	case bytesValue:
		return len(v) + objectSize
	case *tupleValue:
		return v.size
	case *socketObj:
		return socketSize
	case *methodValue:
		return weight(v.self) + objectSize
	}
	return objectSize
}

// holdsSockets reports whether v refers to a socket.
func holdsSockets(v value) bool {
	switch v := v.(type) {
	case *socketObj:
		return true
	case *tupleValue:
		return v.refs
	case *methodValue:
		return holdsSockets(v.self)
	}
	return false
}

// newTuple makes a tuple of items, failing if it would be too big or too
// deep.
func newTuple(items []value) (*tupleValue, *pyError) {
	t := &tupleValue{items: items, size: objectSize, depth: 1}
	for _, it := range items {
		t.size += weight(it)
		if t.size > maxValueSize {
			return nil, memoryError("tuple too large: the lab console's values hold at most %d bytes", maxValueSize)
		}
		if it, ok := it.(*tupleValue); ok && it.depth+1 > t.depth {
			t.depth = it.depth + 1
		}
		t.refs = t.refs || holdsSockets(it)
	}
	if t.depth > maxTupleDepth {
		return nil, raise("RecursionError", "maximum recursion depth exceeded: tuples nest at most %d deep", maxTupleDepth)
	}
	return t, nil
}

// emptyTuple is ().
var emptyTuple = &tupleValue{size: objectSize, depth: 1}

// pair makes the 2-tuple (a, b) of small values.
func pair(a, b value) *tupleValue {
	t, err := newTuple([]value{a, b})
	if err != nil {
		panic(err) // cannot happen: callers pass small values
	}
	return t
}

// asIndex returns v as an int, if it is one (bools and IntEnums are).
func asIndex(v value) (int64, bool) {
	switch v := v.(type) {
	case intValue:
		return int64(v), true
	case boolValue:
		if v {
			return 1, true
		}
		return 0, true
	case enumValue:
		return v.n, true
	}
	return 0, false
}

// toInt returns v as an int, raising Python's TypeError if it is not one.
func toInt(v value) (int64, *pyError) {
	n, ok := asIndex(v)
	if !ok {
		return 0, typeError("'%s' object cannot be interpreted as an integer", v.typeName())
	}
	return n, nil
}

// asFloat returns v as a float, if it is a number.
func asFloat(v value) (float64, bool) {
	if f, ok := v.(floatValue); ok {
		return float64(f), true
	}
	n, ok := asIndex(v)
	return float64(n), ok
}

// toBytes returns v's bytes, raising TypeError if it is not bytes.
func toBytes(v value) (string, *pyError) {
	b, ok := v.(bytesValue)
	if !ok {
		return "", typeError("a bytes-like object is required, not '%s'", v.typeName())
	}
	return string(b), nil
}

// equal is Python's ==.
func equal(a, b value) bool {
	if n, ok := asIndex(a); ok {
		if m, ok := asIndex(b); ok {
			return n == m
		}
	}
	if x, ok := asFloat(a); ok {
		y, ok := asFloat(b)
		return ok && x == y
	}
	switch a := a.(type) {
	case noneValue:
		_, ok := b.(noneValue)
		return ok
	case strValue:
		b, ok := b.(strValue)
		return ok && a == b
	case bytesValue:
		b, ok := b.(bytesValue)
		return ok && a == b
	case *tupleValue:
		b, ok := b.(*tupleValue)
		if !ok || len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			if !equal(a.items[i], b.items[i]) {
				return false
			}
		}
		return true
	case shorthandValue:
		b, ok := b.(shorthandValue)
		return ok && a == b
	case moduleValue:
		_, ok := b.(moduleValue)
		return ok
	case *socketObj:
		b, ok := b.(*socketObj)
		return ok && a == b
	case *builtinValue:
		b, ok := b.(*builtinValue)
		return ok && a == b
	case *methodValue:
		b, ok := b.(*methodValue)
		return ok && a.name == b.name && equal(a.self, b.self)
	}
	return false
}
