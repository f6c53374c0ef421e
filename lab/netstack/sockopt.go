package netstack

// SetReuseAddress sets the endpoint's SO_REUSEADDR. With it, a TCP bind
// may take a port that connections still hold, such as one in TIME_WAIT
// after a server closed first, as on Linux.
func (e *Endpoint) SetReuseAddress(on bool) { e.ep.SocketOptions().SetReuseAddress(on) }

// ReuseAddress reports the endpoint's SO_REUSEADDR.
func (e *Endpoint) ReuseAddress() bool { return e.ep.SocketOptions().GetReuseAddress() }
