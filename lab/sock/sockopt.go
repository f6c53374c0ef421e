package sock

import (
	"context"
	"strconv"

	"github.com/socketlab/socketlab/lab"
)

// The socket options SetSockOpt and GetSockOpt know, by their Linux
// numbers.
const (
	SolSocket   = 1 // SOL_SOCKET, the level of the options below
	SoReuseAddr = 2 // SO_REUSEADDR
)

// optionName names an option as Python's socket module does, for the trace.
func optionName(level, name int) (string, string) {
	l, n := strconv.Itoa(level), strconv.Itoa(name)
	if level == SolSocket {
		l = "SOL_SOCKET"
		if name == SoReuseAddr {
			n = "SO_REUSEADDR"
		}
	}
	return l, n
}

// SetSockOpt sets an integer socket option: setsockopt(level, name,
// value). Only SO_REUSEADDR is known; others fail with ENOPROTOOPT, as
// Linux fails an unknown one.
func (s *Socket) SetSockOpt(level, name, value int) error {
	l, n := optionName(level, name)
	return s.call(context.Background(), "setsockopt", []string{l, n, strconv.Itoa(value)}, func(ctx context.Context, c *lab.Call) error {
		if level != SolSocket || name != SoReuseAddr {
			return lab.ENOPROTOOPT
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reuseAddr = value != 0
		s.ep.SetReuseAddress(s.reuseAddr)
		return nil
	})
}

// GetSockOpt reads an integer socket option: getsockopt(level, name).
func (s *Socket) GetSockOpt(level, name int) (int, error) {
	l, n := optionName(level, name)
	var v int
	err := s.call(context.Background(), "getsockopt", []string{l, n}, func(ctx context.Context, c *lab.Call) error {
		if level != SolSocket || name != SoReuseAddr {
			return lab.ENOPROTOOPT
		}
		if s.endpoint().ReuseAddress() {
			v = 1
		}
		c.Result = strconv.Itoa(v)
		return nil
	})
	return v, err
}
