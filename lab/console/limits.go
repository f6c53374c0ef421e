package console

// The console's bounds. No line, however hostile, makes it hold more than
// about maxVarBytes+maxLineAlloc of values, print more than maxOutput, or
// recurse deeper than maxNesting.
const (
	maxLineBytes  = 4096    // longest line Exec accepts
	maxNesting    = 64      // deepest nesting of brackets and unary operators
	maxVars       = 64      // variables a console keeps
	maxSockets    = 64      // sockets open at once
	maxValueSize  = 1 << 20 // weight of one value: bytes, characters, tuple items
	maxVarBytes   = 16 << 20
	maxLineAlloc  = 32 << 20 // weight of the values one line may make
	maxTupleDepth = 100      // tuples inside tuples
	maxOutput     = 1 << 20  // what one line may print
	maxBacklog    = 128      // listen backlogs are clamped to this, as SOMAXCONN does
	maxTimeout    = 1 << 30  // seconds: longer timeouts raise OverflowError
)
