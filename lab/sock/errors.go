package sock

import (
	"context"
	"errors"
	"fmt"

	"github.com/socketlab/socketlab/lab"
)

// Error is a failed socket call.
type Error struct {
	Op          string    // the call, "connect"
	Errno       lab.Errno // 0 for a timeout or an interruption
	Timeout     bool      // the socket's timeout ran out (Python's TimeoutError: timed out)
	Interrupted bool      // the caller's context ended (Python's KeyboardInterrupt)
	cause       error
}

func (e *Error) Error() string {
	switch {
	case e.Timeout:
		return e.Op + ": timed out"
	case e.Interrupted:
		return e.Op + ": interrupted"
	}
	return fmt.Sprintf("%s: %s", e.Op, e.Errno.Message())
}

// Unwrap gives the errno, or the context's error for an interruption.
func (e *Error) Unwrap() error {
	if e.cause != nil {
		return e.cause
	}
	if e.Errno != 0 {
		return e.Errno
	}
	return nil
}

// Python formats the error as Python prints the exception it raises.
func (e *Error) Python() string {
	switch {
	case e.Timeout:
		return "TimeoutError: timed out"
	case e.Interrupted:
		return "KeyboardInterrupt"
	}
	return e.Errno.Python()
}

// Exception is the class of the exception Python would raise.
func (e *Error) Exception() string {
	switch {
	case e.Timeout:
		return "TimeoutError"
	case e.Interrupted:
		return "KeyboardInterrupt"
	}
	return e.Errno.Exception()
}

// Python formats any error from this package as Python would print it.
func Python(err error) string {
	var e *Error
	if asError(err, &e) {
		return e.Python()
	}
	return "OSError: " + err.Error()
}

func asError(err error, e **Error) bool { return errors.As(err, e) }

// wrap turns an error from the host into an *Error for op.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var errno lab.Errno
	switch {
	case errors.As(err, &errno):
		return &Error{Op: op, Errno: errno}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Op: op, Timeout: true, cause: err}
	case errors.Is(err, context.Canceled):
		return &Error{Op: op, Interrupted: true, cause: err}
	}
	return &Error{Op: op, Errno: lab.EINVAL, cause: err}
}
