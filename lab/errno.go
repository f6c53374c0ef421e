package lab

import "fmt"

// Errno is a POSIX error number, with Linux's numbering, which is what a
// Python programmer sees in "[Errno 111]".
type Errno int

// The error numbers socket calls in the lab can fail with.
const (
	EPERM         Errno = 1
	EINTR         Errno = 4
	EBADF         Errno = 9
	EAGAIN        Errno = 11
	EACCES        Errno = 13
	EINVAL        Errno = 22
	EMFILE        Errno = 24
	EPIPE         Errno = 32
	EMSGSIZE      Errno = 90
	EPROTOTYPE    Errno = 91
	ENOPROTOOPT   Errno = 92
	EOPNOTSUPP    Errno = 95
	EAFNOSUPPORT  Errno = 97
	EDESTADDRREQ  Errno = 89
	EFAULT        Errno = 14
	EHOSTDOWN     Errno = 112
	EADDRINUSE    Errno = 98
	EADDRNOTAVAIL Errno = 99
	ENETUNREACH   Errno = 101
	ECONNABORTED  Errno = 103
	ECONNRESET    Errno = 104
	ENOBUFS       Errno = 105
	EISCONN       Errno = 106
	ENOTCONN      Errno = 107
	ETIMEDOUT     Errno = 110
	ECONNREFUSED  Errno = 111
	EHOSTUNREACH  Errno = 113
	EALREADY      Errno = 114
	EINPROGRESS   Errno = 115
)

type errnoInfo struct {
	name      string // the C name, "ECONNREFUSED"
	message   string // strerror(3), as Python prints it
	exception string // the Python exception class raised for it
}

var errnos = map[Errno]errnoInfo{
	EPERM:         {"EPERM", "Operation not permitted", "PermissionError"},
	EINTR:         {"EINTR", "Interrupted system call", "InterruptedError"},
	EBADF:         {"EBADF", "Bad file descriptor", "OSError"},
	EAGAIN:        {"EAGAIN", "Resource temporarily unavailable", "BlockingIOError"},
	EACCES:        {"EACCES", "Permission denied", "PermissionError"},
	EINVAL:        {"EINVAL", "Invalid argument", "OSError"},
	EMFILE:        {"EMFILE", "Too many open files", "OSError"},
	EPIPE:         {"EPIPE", "Broken pipe", "BrokenPipeError"},
	EMSGSIZE:      {"EMSGSIZE", "Message too long", "OSError"},
	EPROTOTYPE:    {"EPROTOTYPE", "Protocol wrong type for socket", "OSError"},
	ENOPROTOOPT:   {"ENOPROTOOPT", "Protocol not available", "OSError"},
	EOPNOTSUPP:    {"EOPNOTSUPP", "Operation not supported", "OSError"},
	EAFNOSUPPORT:  {"EAFNOSUPPORT", "Address family not supported by protocol", "OSError"},
	EDESTADDRREQ:  {"EDESTADDRREQ", "Destination address required", "OSError"},
	EFAULT:        {"EFAULT", "Bad address", "OSError"},
	EHOSTDOWN:     {"EHOSTDOWN", "Host is down", "OSError"},
	EADDRINUSE:    {"EADDRINUSE", "Address already in use", "OSError"},
	EADDRNOTAVAIL: {"EADDRNOTAVAIL", "Cannot assign requested address", "OSError"},
	ENETUNREACH:   {"ENETUNREACH", "Network is unreachable", "OSError"},
	ECONNABORTED:  {"ECONNABORTED", "Software caused connection abort", "ConnectionAbortedError"},
	ECONNRESET:    {"ECONNRESET", "Connection reset by peer", "ConnectionResetError"},
	ENOBUFS:       {"ENOBUFS", "No buffer space available", "OSError"},
	EISCONN:       {"EISCONN", "Transport endpoint is already connected", "OSError"},
	ENOTCONN:      {"ENOTCONN", "Transport endpoint is not connected", "OSError"},
	ETIMEDOUT:     {"ETIMEDOUT", "Connection timed out", "TimeoutError"},
	ECONNREFUSED:  {"ECONNREFUSED", "Connection refused", "ConnectionRefusedError"},
	EHOSTUNREACH:  {"EHOSTUNREACH", "No route to host", "OSError"},
	EALREADY:      {"EALREADY", "Operation already in progress", "BlockingIOError"},
	EINPROGRESS:   {"EINPROGRESS", "Operation now in progress", "BlockingIOError"},
}

// Name is the errno's C name, such as "ECONNREFUSED".
func (e Errno) Name() string {
	if i, ok := errnos[e]; ok {
		return i.name
	}
	return fmt.Sprintf("errno %d", int(e))
}

// Message is the errno's strerror text, such as "Connection refused".
func (e Errno) Message() string {
	if i, ok := errnos[e]; ok {
		return i.message
	}
	return fmt.Sprintf("Unknown error %d", int(e))
}

// Exception is the Python exception class raised for the errno, such as
// "ConnectionRefusedError".
func (e Errno) Exception() string {
	if i, ok := errnos[e]; ok {
		return i.exception
	}
	return "OSError"
}

// Error formats the errno as the C library does: "connection refused".
func (e Errno) Error() string { return e.Message() }

// Python formats the errno as Python prints the exception it raises:
// "ConnectionRefusedError: [Errno 111] Connection refused".
func (e Errno) Python() string {
	return fmt.Sprintf("%s: [Errno %d] %s", e.Exception(), int(e), e.Message())
}
