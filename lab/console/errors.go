package console

import (
	"context"
	"errors"
	"fmt"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/sock"
)

// pyError is a raised Python exception.
type pyError struct {
	class string // the exception's class, "TypeError"
	text  string // the exception as Python prints it, "TypeError: ..."
	hint  string // what to do instead, in plain words, if the lab knows
}

func (e *pyError) Error() string { return e.text }

// raise makes an exception of class with a formatted message.
func raise(class, format string, args ...any) *pyError {
	return &pyError{class: class, text: class + ": " + fmt.Sprintf(format, args...)}
}

// errInterrupt is what a line raises when its context is cancelled.
var errInterrupt = &pyError{class: "KeyboardInterrupt", text: "KeyboardInterrupt"}

func typeError(format string, args ...any) *pyError {
	return raise("TypeError", format, args...)
}

func valueError(format string, args ...any) *pyError {
	return raise("ValueError", format, args...)
}

func memoryError(format string, args ...any) *pyError {
	return raise("MemoryError", format, args...)
}

// errnoError is the OSError (or subclass) Python raises for errno.
func errnoError(errno lab.Errno) *pyError {
	return &pyError{class: errno.Exception(), text: errno.Python()}
}

// gaierror is what resolving a host name the lab cannot resolve raises.
var gaierror = &pyError{class: "gaierror", text: "socket.gaierror: [Errno -2] Name or service not known"}

// fromSock turns an error from a socket call into the exception Python
// raises for it.
func fromSock(ctx context.Context, err error) *pyError {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return errInterrupt
	}
	var se *sock.Error
	if errors.As(err, &se) {
		return &pyError{class: se.Exception(), text: se.Python()}
	}
	var pe *pyError
	if errors.As(err, &pe) {
		return pe
	}
	return raise("OSError", "%v", err)
}

// exceptionParents is the part of Python's exception hierarchy the console
// can raise, from class to base class.
var exceptionParents = map[string]string{
	"ConnectionRefusedError": "ConnectionError",
	"ConnectionResetError":   "ConnectionError",
	"ConnectionAbortedError": "ConnectionError",
	"BrokenPipeError":        "ConnectionError",
	"ConnectionError":        "OSError",
	"TimeoutError":           "OSError",
	"BlockingIOError":        "OSError",
	"PermissionError":        "OSError",
	"InterruptedError":       "OSError",
	"gaierror":               "OSError",
	"OSError":                "Exception",
	"UnicodeDecodeError":     "UnicodeError",
	"UnicodeEncodeError":     "UnicodeError",
	"UnicodeError":           "ValueError",
	"ValueError":             "Exception",
	"TypeError":              "Exception",
	"NameError":              "Exception",
	"AttributeError":         "Exception",
	"IndexError":             "LookupError",
	"LookupError":            "Exception",
	"OverflowError":          "ArithmeticError",
	"ZeroDivisionError":      "ArithmeticError",
	"ArithmeticError":        "Exception",
	"MemoryError":            "Exception",
	"RecursionError":         "RuntimeError",
	"RuntimeError":           "Exception",
	"ModuleNotFoundError":    "ImportError",
	"ImportError":            "Exception",
	"SyntaxError":            "Exception",
	"SystemError":            "Exception",
	"Exception":              "BaseException",
	"KeyboardInterrupt":      "BaseException",
}

// exceptionAliases are other names Python has for some classes.
var exceptionAliases = map[string]string{
	"socket.timeout":   "TimeoutError",
	"timeout":          "TimeoutError",
	"socket.error":     "OSError",
	"error":            "OSError",
	"IOError":          "OSError",
	"EnvironmentError": "OSError",
	"socket.gaierror":  "gaierror",
}

// isException reports whether an exception of class raised would be
// caught by "except want:", that is whether want is class or one of its
// bases.
func isException(class, want string) bool {
	if a, ok := exceptionAliases[want]; ok {
		want = a
	}
	for c := class; c != ""; c = exceptionParents[c] {
		if c == want {
			return true
		}
	}
	return false
}
