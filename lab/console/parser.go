package console

import "fmt"

// parser is a recursive-descent parser for one line of tokens.
//
// The grammar, a small subset of Python's:
//
//	line      = [ stmt { ";" stmt } [ ";" ] ] [ comment ] .
//	stmt      = "import" dotted [ "as" NAME ]
//	          | "from" dotted "import" ( "*" | NAME { "," NAME } )
//	          | "del" NAME { "," NAME }
//	          | "pass"
//	          | { targets "=" } exprlist .
//	exprlist  = expr { "," expr } [ "," ] .   (a tuple if it has a comma)
//	expr      = arith { ( "==" | "!=" ) arith } .
//	arith     = term { ( "+" | "-" ) term } .
//	term      = unary { "*" unary } .
//	unary     = ( "-" | "+" ) unary | postfix .
//	postfix   = primary { "(" args ")" | "." NAME | "[" subscript "]" } .
//	primary   = NAME | NUMBER | STRING { STRING } | "(" [ exprlist ] ")" .
//	args      = [ arg { "," arg } [ "," ] ] .
//	arg       = [ NAME "=" ] expr .
//	subscript = expr | [ expr ] ":" [ expr ] .
type parser struct {
	toks  []token
	i     int
	depth int
}

// parse parses one line.
func parse(line string) (*program, *syntaxError) {
	toks, comment, err := lex(line)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	prog := &program{comment: comment}
	for p.peek().kind != tokEOL {
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		prog.stmts = append(prog.stmts, s)
		if !p.isOp(";") {
			if p.peek().kind != tokEOL {
				return nil, p.expected("end of line")
			}
			break
		}
		p.i++
	}
	return prog, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

// next returns the current token and moves past it; it stays at the end.
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOL {
		p.i++
	}
	return t
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == op
}

func (p *parser) isName(name string) bool {
	t := p.peek()
	return t.kind == tokName && t.text == name
}

// expected is the error for finding the current token where what was
// expected.
func (p *parser) expected(what string) *syntaxError {
	t := p.peek()
	if t.kind == tokName && isKeyword(t.text) {
		if msg, ok := unsupportedKeyword(t.text); ok {
			return &syntaxError{t.col, msg}
		}
	}
	return &syntaxError{t.col, fmt.Sprintf("expected %s but found %s", what, t.describe())}
}

// closing is the error for a bracketed list that does not go on with a
// comma or end with its closing bracket.
func (p *parser) closing(closer string) *syntaxError {
	if p.peek().kind == tokEOL {
		return p.expected("'" + closer + "'")
	}
	return p.expected("',' or '" + closer + "'")
}

// unsupportedKeyword explains a keyword the language lacks.
func unsupportedKeyword(kw string) (string, bool) {
	switch kw {
	case "with":
		return "the lab console has no 'with' blocks: type s = socket(...) on one line, then one call per line, and s.close() when done", true
	case "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "async":
		return fmt.Sprintf("the lab console has no '%s' blocks: type one statement per line", kw), true
	case "and", "or", "not", "is", "in":
		return fmt.Sprintf("the lab console has no '%s' operator", kw), true
	case "return", "raise", "global", "nonlocal", "assert", "break", "continue", "yield", "await", "lambda":
		return fmt.Sprintf("the lab console has no '%s'", kw), true
	}
	return "", false
}

func (p *parser) statement() (stmt, *syntaxError) {
	t := p.peek()
	if t.kind == tokName {
		switch t.text {
		case "import":
			return p.importStmt()
		case "from":
			return p.fromImportStmt()
		case "del":
			return p.delStmt()
		case "pass":
			p.i++
			return &passStmt{}, nil
		}
	}
	x, err := p.exprList()
	if err != nil {
		return nil, err
	}
	if !p.isOp("=") {
		return &exprStmt{x}, nil
	}
	var targets []expr
	for p.isOp("=") {
		p.i++
		if err := checkTarget(x); err != nil {
			return nil, err
		}
		targets = append(targets, x)
		if x, err = p.exprList(); err != nil {
			return nil, err
		}
	}
	return &assignStmt{targets: targets, value: x}, nil
}

// checkTarget reports whether x can be assigned to.
func checkTarget(x expr) *syntaxError {
	const maybe = " here. Maybe you meant '==' instead of '='?"
	switch x := x.(type) {
	case *nameExpr:
		return nil
	case *tupleExpr:
		for _, item := range x.items {
			if err := checkTarget(item); err != nil {
				return err
			}
		}
		return nil
	case *constExpr:
		switch x.val.(type) {
		case noneValue, boolValue:
			return &syntaxError{x.col, "cannot assign to " + reprValue(x.val)}
		}
		return &syntaxError{x.col, "cannot assign to literal" + maybe}
	case *callExpr:
		return &syntaxError{x.col, "cannot assign to function call" + maybe}
	case *attrExpr:
		return &syntaxError{x.col, "cannot assign to an attribute: the lab console's objects are read-only"}
	case *indexExpr, *sliceExpr:
		return &syntaxError{x.column(), "cannot assign to a subscript: the lab console's values are read-only"}
	}
	return &syntaxError{x.column(), "cannot assign to expression" + maybe}
}

// name parses a name that is not a keyword.
func (p *parser) name(what string) (token, *syntaxError) {
	t := p.peek()
	if t.kind != tokName || isKeyword(t.text) {
		return t, p.expected(what)
	}
	p.i++
	return t, nil
}

// dotted parses a dotted module name.
func (p *parser) dotted() (string, *syntaxError) {
	t, err := p.name("a module name")
	if err != nil {
		return "", err
	}
	name := t.text
	for p.isOp(".") {
		p.i++
		t, err := p.name("a module name")
		if err != nil {
			return "", err
		}
		name += "." + t.text
	}
	return name, nil
}

func (p *parser) importStmt() (stmt, *syntaxError) {
	col := p.next().col
	module, err := p.dotted()
	if err != nil {
		return nil, err
	}
	s := &importStmt{col: col, module: module, name: module}
	if p.isName("as") {
		p.i++
		t, err := p.name("a name after 'as'")
		if err != nil {
			return nil, err
		}
		s.name = t.text
	}
	return s, nil
}

func (p *parser) fromImportStmt() (stmt, *syntaxError) {
	col := p.next().col
	module, err := p.dotted()
	if err != nil {
		return nil, err
	}
	if !p.isName("import") {
		return nil, p.expected("'import'")
	}
	p.i++
	s := &fromImportStmt{col: col, module: module}
	if p.isOp("*") {
		p.i++
		return s, nil
	}
	paren := p.isOp("(")
	if paren {
		p.i++
	}
	for {
		t, err := p.name("a name to import")
		if err != nil {
			return nil, err
		}
		s.names = append(s.names, t.text)
		if !p.isOp(",") {
			break
		}
		p.i++
		if paren && p.isOp(")") {
			break
		}
	}
	if paren {
		if !p.isOp(")") {
			return nil, p.closing(")")
		}
		p.i++
	}
	return s, nil
}

func (p *parser) delStmt() (stmt, *syntaxError) {
	p.i++
	s := &delStmt{}
	for {
		t, err := p.name("a variable name")
		if err != nil {
			return nil, err
		}
		s.names = append(s.names, &nameExpr{col: t.col, name: t.text})
		if !p.isOp(",") {
			return s, nil
		}
		p.i++
	}
}

// startsExpr reports whether the current token can start an expression.
func (p *parser) startsExpr() bool {
	t := p.peek()
	switch t.kind {
	case tokName, tokInt, tokFloat, tokStr, tokBytes:
		return true
	case tokOp:
		return t.text == "(" || t.text == "[" || t.text == "-" || t.text == "+"
	}
	return false
}

// exprList parses expressions separated by commas: a tuple if there is a
// comma, the expression alone if not.
func (p *parser) exprList() (expr, *syntaxError) {
	col := p.peek().col
	x, err := p.expr()
	if err != nil || !p.isOp(",") {
		return x, err
	}
	items := []expr{x}
	for p.isOp(",") {
		p.i++
		if !p.startsExpr() {
			break
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	return &tupleExpr{col: col, items: items}, nil
}

// enter notes one more level of nesting, failing when there are too many.
func (p *parser) enter() *syntaxError {
	p.depth++
	if p.depth > maxNesting {
		return &syntaxError{p.peek().col, fmt.Sprintf("too deeply nested: the lab console allows %d levels", maxNesting)}
	}
	return nil
}

func (p *parser) expr() (expr, *syntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.arith()
	if err != nil || !(p.isOp("==") || p.isOp("!=")) {
		return x, err
	}
	c := &compareExpr{col: x.column(), operands: []expr{x}}
	for p.isOp("==") || p.isOp("!=") {
		c.ops = append(c.ops, p.next().text)
		y, err := p.arith()
		if err != nil {
			return nil, err
		}
		c.operands = append(c.operands, y)
	}
	return c, nil
}

func (p *parser) arith() (expr, *syntaxError) {
	x, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.next()
		y, err := p.term()
		if err != nil {
			return nil, err
		}
		x = &binaryExpr{col: op.col, op: op.text, x: x, y: y}
	}
	return x, nil
}

func (p *parser) term() (expr, *syntaxError) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") {
		op := p.next()
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		x = &binaryExpr{col: op.col, op: op.text, x: x, y: y}
	}
	return x, nil
}

func (p *parser) unary() (expr, *syntaxError) {
	if !p.isOp("-") && !p.isOp("+") {
		return p.postfix()
	}
	op := p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &unaryExpr{col: op.col, op: op.text, x: x}, nil
}

func (p *parser) postfix() (expr, *syntaxError) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("("):
			if x, err = p.call(x); err != nil {
				return nil, err
			}
		case p.isOp("."):
			p.i++
			t, err := p.name("a name after '.'")
			if err != nil {
				return nil, err
			}
			x = &attrExpr{col: t.col, x: x, name: t.text}
		case p.isOp("["):
			if x, err = p.subscript(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}

func (p *parser) call(fn expr) (expr, *syntaxError) {
	c := &callExpr{col: p.next().col, fn: fn}
	seen := map[string]bool{}
	for !p.isOp(")") {
		if p.peek().kind == tokEOL {
			return nil, p.closing(")")
		}
		if t := p.peek(); t.kind == tokName && !isKeyword(t.text) &&
			p.toks[p.i+1].kind == tokOp && p.toks[p.i+1].text == "=" {
			if seen[t.text] {
				return nil, &syntaxError{t.col, "keyword argument repeated: " + t.text}
			}
			seen[t.text] = true
			p.i += 2
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.kwargs = append(c.kwargs, keywordArg{name: t.text, val: v})
		} else {
			if len(c.kwargs) > 0 && p.startsExpr() {
				return nil, &syntaxError{t.col, "positional argument follows keyword argument"}
			}
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
		}
		if p.isOp(",") {
			p.i++
		} else if !p.isOp(")") {
			return nil, p.closing(")")
		}
	}
	p.i++
	return c, nil
}

func (p *parser) subscript(x expr) (expr, *syntaxError) {
	col := p.next().col
	var lo expr
	if !p.isOp(":") {
		var err *syntaxError
		if lo, err = p.expr(); err != nil {
			return nil, err
		}
		if p.isOp("]") {
			p.i++
			return &indexExpr{col: col, x: x, index: lo}, nil
		}
		if !p.isOp(":") {
			return nil, p.expected("']'")
		}
	}
	p.i++ // the ':'
	s := &sliceExpr{col: col, x: x, lo: lo}
	if !p.isOp("]") {
		var err *syntaxError
		if s.hi, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if !p.isOp("]") {
		return nil, p.expected("']'")
	}
	p.i++
	return s, nil
}

func (p *parser) primary() (expr, *syntaxError) {
	t := p.peek()
	switch t.kind {
	case tokName:
		switch t.text {
		case "None":
			p.i++
			return &constExpr{col: t.col, val: noneValue{}}, nil
		case "True", "False":
			p.i++
			return &constExpr{col: t.col, val: boolValue(t.text == "True")}, nil
		}
		if isKeyword(t.text) {
			return nil, p.expected("an expression")
		}
		p.i++
		return &nameExpr{col: t.col, name: t.text}, nil
	case tokInt:
		p.i++
		return &constExpr{col: t.col, val: intValue(t.ival)}, nil
	case tokFloat:
		p.i++
		return &constExpr{col: t.col, val: floatValue(t.fval)}, nil
	case tokStr, tokBytes:
		s := t.str
		for p.i++; p.peek().kind == tokStr || p.peek().kind == tokBytes; p.i++ {
			if p.peek().kind != t.kind {
				return nil, &syntaxError{p.peek().col, "cannot mix bytes and nonbytes literals"}
			}
			s += p.peek().str
		}
		if t.kind == tokBytes {
			return &constExpr{col: t.col, val: bytesValue(s)}, nil
		}
		return &constExpr{col: t.col, val: strValue(s)}, nil
	case tokOp:
		switch t.text {
		case "(":
			return p.paren()
		case "[":
			return nil, &syntaxError{t.col, "the lab console has no lists: use a tuple (...)"}
		}
	}
	return nil, p.expected("an expression")
}

// paren parses a parenthesized expression or a tuple.
func (p *parser) paren() (expr, *syntaxError) {
	col := p.next().col
	if p.isOp(")") {
		p.i++
		return &tupleExpr{col: col}, nil
	}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.isOp(")") {
		p.i++
		return x, nil
	}
	if !p.isOp(",") {
		return nil, p.closing(")")
	}
	items := []expr{x}
	for p.isOp(",") {
		p.i++
		if p.isOp(")") {
			break
		}
		if p.peek().kind == tokEOL {
			return nil, p.closing(")")
		}
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, x)
		if !p.isOp(",") && !p.isOp(")") {
			return nil, p.closing(")")
		}
	}
	p.i++
	return &tupleExpr{col: col, items: items}, nil
}
