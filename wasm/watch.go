//go:build js && wasm

package main

import (
	"sync"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
)

// watching is what the page shows of look-in and spotlight: whether the
// instructor looks at this lab or shows it to the class, and a
// classmate's spotlit trace, kept in a trace of its own (at most
// bridge.MaxMirrorKept events), with the listeners told of each change.
type watching struct {
	spot *lab.Trace

	mu        sync.Mutex
	watch     bridge.WatchMessage
	spotOn    bool
	spotName  string
	spotAddr  string // the spotlit host, from the spotlight's start
	skipped   int    // the spotlight's events the server dropped since its start
	listeners map[int]func()
	next      int
}

func newWatching() *watching {
	return &watching{spot: lab.NewTrace(bridge.MaxMirrorKept), listeners: map[int]func(){}}
}

// watchState is what socketlab.watched() answers.
type watchState struct {
	Look      bool  `json:"look"`      // the instructor is looking at this lab
	Spotlight bool  `json:"spotlight"` // this lab is on the class's pages
	Classmate *spot `json:"classmate"` // a classmate's spotlit trace, null when none
}

// spot is a spotlit classmate, as named to the class.
type spot struct {
	Name    string `json:"name"`
	Address string `json:"address"` // their host, whose the trace's lifeline is
	Skipped int    `json:"skipped"` // events of theirs the server dropped: some are missing
}

// state is the current watchState.
func (w *watching) state() watchState {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := watchState{Look: w.watch.Look, Spotlight: w.watch.Spotlight}
	if w.spotOn {
		st.Classmate = &spot{Name: w.spotName, Address: w.spotAddr, Skipped: w.skipped}
	}
	return st
}

// onWatch takes a watch message (bridge.Options.OnWatch).
func (w *watching) onWatch(m bridge.WatchMessage) {
	w.mu.Lock()
	w.watch = m
	w.mu.Unlock()
	w.changed()
}

// onSpotlight takes a spotlight message (bridge.Options.OnSpotlight).
func (w *watching) onSpotlight(m bridge.SpotlightMessage) {
	w.mu.Lock()
	was, name := w.spotOn, w.spotName
	w.spotOn, w.spotName = m.On, m.Name
	if m.Start || !m.On {
		w.skipped, w.spotAddr = 0, m.Address
	}
	w.skipped += max(0, m.Skipped)
	w.mu.Unlock()
	if m.Start || !m.On {
		w.spot.Reset()
	}
	for _, e := range m.Events {
		e.Before = 0
		w.spot.Record(e)
	}
	if was != m.On || name != m.Name || m.Start || m.Skipped > 0 {
		w.changed()
	}
}

// changed tells every listener, each on a goroutine of its own: a
// listener reads the state, which is the latest whatever the order.
func (w *watching) changed() {
	w.mu.Lock()
	fns := make([]func(), 0, len(w.listeners))
	for _, fn := range w.listeners {
		fns = append(fns, fn)
	}
	w.mu.Unlock()
	for _, fn := range fns {
		go fn()
	}
}

// listen calls fn after each change until the returned function is
// called.
func (w *watching) listen(fn func()) (stop func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := w.next
	w.next++
	w.listeners[id] = fn
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.listeners, id)
	}
}
