package netstack

import (
	"github.com/socketlab/socketlab/lab"
	"gvisor.dev/gvisor/pkg/tcpip"
)

// errno converts a gVisor error to the errno a kernel would give, so that
// tcpip.Error never leaves this package. nil stays nil.
func errno(err tcpip.Error) error {
	switch err.(type) {
	case nil:
		return nil
	case *tcpip.ErrConnectionRefused:
		return lab.ECONNREFUSED
	case *tcpip.ErrPortInUse, *tcpip.ErrDuplicateAddress:
		return lab.EADDRINUSE
	case *tcpip.ErrTimeout:
		return lab.ETIMEDOUT
	case *tcpip.ErrConnectionReset:
		return lab.ECONNRESET
	case *tcpip.ErrConnectionAborted, *tcpip.ErrAborted:
		return lab.ECONNABORTED
	case *tcpip.ErrNotConnected:
		return lab.ENOTCONN
	case *tcpip.ErrAlreadyConnected:
		return lab.EISCONN
	case *tcpip.ErrAlreadyConnecting:
		return lab.EALREADY
	case *tcpip.ErrConnectStarted:
		return lab.EINPROGRESS
	case *tcpip.ErrClosedForSend:
		return lab.EPIPE
	case *tcpip.ErrWouldBlock:
		return lab.EAGAIN
	case *tcpip.ErrBadLocalAddress:
		return lab.EADDRNOTAVAIL
	case *tcpip.ErrNoPortAvailable:
		return lab.EADDRNOTAVAIL
	case *tcpip.ErrHostUnreachable, *tcpip.ErrNoNet:
		return lab.EHOSTUNREACH
	case *tcpip.ErrHostDown:
		return lab.EHOSTDOWN
	case *tcpip.ErrNetworkUnreachable:
		return lab.ENETUNREACH
	case *tcpip.ErrMessageTooLong:
		return lab.EMSGSIZE
	case *tcpip.ErrDestinationRequired:
		return lab.EDESTADDRREQ
	case *tcpip.ErrNoBufferSpace:
		return lab.ENOBUFS
	case *tcpip.ErrNotSupported, *tcpip.ErrQueueSizeNotSupported:
		return lab.EOPNOTSUPP
	case *tcpip.ErrAddressFamilyNotSupported:
		return lab.EAFNOSUPPORT
	case *tcpip.ErrNotPermitted:
		return lab.EPERM
	case *tcpip.ErrBadAddress, *tcpip.ErrBadBuffer:
		return lab.EFAULT
	default:
		// ErrInvalidEndpointState, ErrAlreadyBound, ErrInvalidOptionValue
		// and the rest: the kernel says EINVAL for these.
		return lab.EINVAL
	}
}
