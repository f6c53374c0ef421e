package room

import "github.com/socketlab/socketlab/lab/console"

// Lab is a room of one, as `socketlab run`, an exercise's verification
// and tests set one up: a room, one student host in this process, and a
// console on the host's sockets.
type Lab struct {
	Room    *Room
	Host    *Host
	Console *console.Console
}

// NewLab starts a room described by cfg with one host and its console.
func NewLab(cfg Config) (*Lab, error) {
	r, err := New(cfg)
	if err != nil {
		return nil, err
	}
	h, err := r.AddHost()
	if err != nil {
		r.Close()
		return nil, err
	}
	return &Lab{Room: r, Host: h, Console: console.New(h.Sockets())}, nil
}

// Close closes the console's sockets, then the room and its hosts.
func (l *Lab) Close() {
	l.Console.Close()
	l.Room.Close()
}
