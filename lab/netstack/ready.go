package netstack

import "gvisor.dev/gvisor/pkg/waiter"

// Readable reports whether a read, or for a listening socket an accept,
// would not block now.
func (e *Endpoint) Readable() bool {
	return e.ep.Readiness(waiter.ReadableEvents)&waiter.ReadableEvents != 0
}

// OnReadable calls fn each time the endpoint becomes readable, from the
// stack's own goroutine, until stop is called: fn must not block. It lets
// a service wait for a connection or a datagram with no goroutine of its
// own.
func (e *Endpoint) OnReadable(fn func()) (stop func()) {
	entry := waiter.NewFunctionEntry(waiter.ReadableEvents, func(waiter.EventMask) { fn() })
	e.wq.EventRegister(&entry)
	return func() { e.wq.EventUnregister(&entry) }
}
