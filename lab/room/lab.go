package room

import (
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/services"
)

// Lab is a room of one, as `socketlab run`, an exercise's verification
// and tests set one up: a room, one student host in this process, and a
// console on the host's sockets, whose wire object controls the host's
// port's wire.
type Lab struct {
	Room    *Room
	Host    *Host
	Console *console.Console
}

// NewLab starts a room described by cfg with one host and its console,
// which knows the lab server's services for its hints.
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
	con := console.New(h.Sockets(),
		console.WithServer(r.Server(), consoleServices(r.Services())),
		console.WithWire(h.Port().Wire()))
	return &Lab{Room: r, Host: h, Console: con}, nil
}

// consoleServices are the services as a console's hints name them.
func consoleServices(specs []services.Spec) []console.Service {
	out := make([]console.Service, len(specs))
	for i, sp := range specs {
		out[i] = console.Service{Name: sp.Name, Proto: sp.Proto, Port: sp.Port}
	}
	return out
}

// Close closes the console's sockets, then the room and its hosts.
func (l *Lab) Close() {
	l.Console.Close()
	l.Room.Close()
}
