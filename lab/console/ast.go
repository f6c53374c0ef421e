package console

import "strings"

// expr is an expression node. Each knows the column it starts at, for
// error messages, and prints as an S-expression for tests.
type expr interface {
	column() int
	String() string
}

type (
	nameExpr struct {
		col  int
		name string
	}
	constExpr struct {
		col int
		val value
	}
	tupleExpr struct {
		col   int
		items []expr
	}
	attrExpr struct {
		col  int
		x    expr
		name string
	}
	callExpr struct {
		col    int
		fn     expr
		args   []expr
		kwargs []keywordArg
	}
	indexExpr struct {
		col      int
		x, index expr
	}
	sliceExpr struct {
		col       int
		x, lo, hi expr // lo and hi may be nil
	}
	unaryExpr struct {
		col int
		op  string
		x   expr
	}
	binaryExpr struct {
		col  int
		op   string
		x, y expr
	}
	compareExpr struct {
		col      int
		ops      []string
		operands []expr // len(ops)+1
	}
)

// keywordArg is a name=value argument of a call.
type keywordArg struct {
	name string
	val  expr
}

func (e *nameExpr) column() int    { return e.col }
func (e *constExpr) column() int   { return e.col }
func (e *tupleExpr) column() int   { return e.col }
func (e *attrExpr) column() int    { return e.col }
func (e *callExpr) column() int    { return e.col }
func (e *indexExpr) column() int   { return e.col }
func (e *sliceExpr) column() int   { return e.col }
func (e *unaryExpr) column() int   { return e.col }
func (e *binaryExpr) column() int  { return e.col }
func (e *compareExpr) column() int { return e.col }

func (e *nameExpr) String() string  { return e.name }
func (e *constExpr) String() string { return reprValue(e.val) }
func (e *tupleExpr) String() string { return sexpr("tuple", e.items...) }
func (e *attrExpr) String() string  { return "(. " + e.x.String() + " " + e.name + ")" }
func (e *callExpr) String() string {
	s := sexpr("call", append([]expr{e.fn}, e.args...)...)
	for _, kw := range e.kwargs {
		s = s[:len(s)-1] + " " + kw.name + "=" + kw.val.String() + ")"
	}
	return s
}
func (e *indexExpr) String() string { return sexpr("index", e.x, e.index) }
func (e *sliceExpr) String() string {
	bound := func(b expr) string {
		if b == nil {
			return "_"
		}
		return b.String()
	}
	return "(slice " + e.x.String() + " " + bound(e.lo) + " " + bound(e.hi) + ")"
}
func (e *unaryExpr) String() string  { return sexpr(e.op, e.x) }
func (e *binaryExpr) String() string { return sexpr(e.op, e.x, e.y) }
func (e *compareExpr) String() string {
	var sb strings.Builder
	sb.WriteString("(compare " + e.operands[0].String())
	for i, op := range e.ops {
		sb.WriteString(" " + op + " " + e.operands[i+1].String())
	}
	return sb.String() + ")"
}

func sexpr(head string, xs ...expr) string {
	var sb strings.Builder
	sb.WriteString("(" + head)
	for _, x := range xs {
		sb.WriteString(" " + x.String())
	}
	return sb.String() + ")"
}

// stmt is a statement node.
type stmt interface {
	String() string
}

type (
	// exprStmt evaluates an expression and, if it is not None, prints it.
	exprStmt struct{ x expr }
	// assignStmt binds each target, a name or a tuple of targets, to value.
	assignStmt struct {
		targets []expr
		value   expr
	}
	// importStmt is "import socket [as name]".
	importStmt struct {
		col          int
		module, name string
	}
	// fromImportStmt is "from socket import names" or "... import *".
	fromImportStmt struct {
		col    int
		module string
		names  []string // nil for *
	}
	// delStmt is "del a, b".
	delStmt struct{ names []*nameExpr }
	// passStmt is "pass".
	passStmt struct{}
)

func (s *exprStmt) String() string { return s.x.String() }
func (s *assignStmt) String() string {
	return sexpr("=", append(append([]expr(nil), s.targets...), s.value)...)
}
func (s *importStmt) String() string { return "(import " + s.module + " " + s.name + ")" }
func (s *fromImportStmt) String() string {
	names := "*"
	if s.names != nil {
		names = strings.Join(s.names, " ")
	}
	return "(from " + s.module + " " + names + ")"
}
func (s *delStmt) String() string {
	var xs []expr
	for _, n := range s.names {
		xs = append(xs, n)
	}
	return sexpr("del", xs...)
}
func (s *passStmt) String() string { return "(pass)" }

// program is one parsed line.
type program struct {
	stmts   []stmt
	comment string // the text after '#', if any
}

func (p *program) String() string {
	var parts []string
	for _, s := range p.stmts {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, "; ")
}
