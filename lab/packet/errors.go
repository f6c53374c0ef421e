package packet

import (
	"errors"
	"fmt"
)

// ErrTruncated is wrapped by the errors for input that ends before a header
// or a length field says it should.
var ErrTruncated = errors.New("truncated")

// ErrMalformed is wrapped by the errors for input whose fields break the
// protocol's rules, such as an IPv4 header length below 20 bytes.
var ErrMalformed = errors.New("malformed header")

// truncated reports that what (a header, a packet, …) has only have of the
// want bytes it needs.
func truncated(what string, have, want int) error {
	return fmt.Errorf("%s %w: %d of %d bytes", what, ErrTruncated, have, want)
}

// malformed reports a field that breaks the protocol's rules.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
