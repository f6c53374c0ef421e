//go:build js && wasm

package main

// This file is the only one that touches syscall/js. It exposes the lab as
// window.socketlab:
//
//	socketlab.ready            Promise<{address, session, services}>: resolves once the host is up
//	socketlab.exec(line)       Promise<{output, error, exception}>: one console line
//	socketlab.interrupt()      cancel the running line (Ctrl-C); true if one was running
//	socketlab.complete(text)   completions of the name before the cursor
//	socketlab.workshop()       {code, title, exercises, student: {id, name}}, or null outside a workshop
//	socketlab.trace()          [event]: every event so far, of both hosts
//	socketlab.sockets()        [row]: the host's socket table, as ss -tanu
//	socketlab.serverSockets()  Promise<[row]>: the lab server's socket table, its
//	                           listeners and its connections with this host (asked
//	                           of the server over the bridge)
//	socketlab.waiting()        Promise<[blocked]>: the host's calls that have blocked a
//	                           second or more, each with what it waits for, in words
//	                           (lab.Blocked; a recv on a connection the lab server has
//	                           not accepted yet says so, from the server's table)
//	socketlab.report(exercise, step, kind, answer)  Promise<record|null>: in a
//	                           workshop, tells the server of a step done (kind "step")
//	                           or a question answered right ("answer"); resolves with
//	                           the record as stored (on disk; confirmed if the server
//	                           saw it done), null outside a workshop; rejects if the
//	                           server refuses it
//	socketlab.serverProgress() Promise<[record]|null>: the workshop student's records
//	                           as the server keeps them, null outside a workshop
//	socketlab.hand(action, message)  Promise<state|null>: in a workshop, asks the
//	                           instructor for help ("raise", with an optional one-line
//	                           message), takes it back ("lower") or asks where it stands
//	                           ("status"); resolves with "none", "waiting" or "coming"
//	                           (the instructor is on their way), null outside a workshop
//	socketlab.wire.VERB(…)     Promise<{state, packet, moved}>: the wire between the host
//	                           and the switch, on the server, as the console's wire
//	                           object controls it (pause, resume, step, release, drop, loss,
//	                           delay, duplicate, reorder, rate, seed, clear, state; a
//	                           setting's last argument, optional, is its direction:
//	                           "out", "in" or "both"); never queued behind exec
//	socketlab.onWorkshop(fn)   in a workshop, calls fn with the workshop's state as it
//	                           concerns this page ({locked_after, message, message_id,
//	                           hand}: lab/bridge.WorkshopMessage), now if the server has
//	                           sent it, and whenever the server sends it again (pacing,
//	                           the instructor's message, the student's hand changed);
//	                           returns a function that unsubscribes
//	socketlab.pcap()           Uint8Array: the capture of the host's link
//	socketlab.judge(checks, since)  [bool]: whether the trace after since passes
//	                           each check (JSON, lab/check); since is an event number
//	                           (0: all of it) or an RFC 3339 time (the events after it:
//	                           unlike numbers, times do not start again in a new session)
//	socketlab.answer(question, text, since)  Promise<{ok, result, message}>: the
//	                           student's answer to a question (JSON, lab/check.Question),
//	                           judged from the trace after since (as judge's); result is
//	                           "right", "wrong", "not-a-number" or "not-yet"
//	socketlab.variables()      [name]: the console's variables, sorted
//	socketlab.on(kind, fn)     live events of a kind ("call", "packet", "state",
//	                           "session", or "*"); returns a function that unsubscribes
//	socketlab.tcpFlagBits      [{mask, name, label}]: the bits of TCP's flags field,
//	                           highest first, to show a packet's tcp.flags.bits (lab.TCPFlagBits)
//
// Every value is JSON-shaped, as static/socketlab.d.ts types it; an event is
// a lab.Event, decoded in Go: the page words it and never decodes bytes.
//
// A panic in Go is reported to the page (console.error and a
// "socketlab-panic" event on window) and rejects the promise it broke.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"runtime/debug"
	"syscall/js"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/check"
)

func expose(l *labSession) {
	api := js.Global().Get("Object").New()
	api.Set("version", "1")
	api.Set("tcpFlagBits", toJS(lab.TCPFlagBits))
	api.Set("ready", promise(func() (any, error) {
		<-l.ready
		l.mu.Lock()
		c := l.client
		l.mu.Unlock()
		return toJS(map[string]any{"address": c.Addr().String(), "session": c.Hello().Session, "services": c.Hello().Services}), nil
	}))
	method(api, "exec", func(args []js.Value) any {
		line := argString(args, 0)
		return promise(func() (any, error) {
			r := l.exec(line)
			return toJS(map[string]string{"output": r.Output, "error": r.Error, "exception": r.Exception}), nil
		})
	})
	method(api, "interrupt", func([]js.Value) any { return l.interrupt() })
	method(api, "workshop", func([]js.Value) any {
		if w := l.workshop(); w != nil {
			return toJS(w)
		}
		return js.Null()
	})
	method(api, "complete", func(args []js.Value) any { return toJS(l.complete(argString(args, 0))) })
	method(api, "trace", func([]js.Value) any { return toJS(l.trace.Events()) })
	method(api, "sockets", func([]js.Value) any { return toJS(l.sockets()) })
	method(api, "serverSockets", func([]js.Value) any {
		return promise(func() (any, error) {
			rows, err := l.serverSockets(context.Background())
			if err != nil {
				return nil, err
			}
			return toJS(rows), nil
		})
	})
	method(api, "waiting", func([]js.Value) any {
		return promise(func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return toJS(l.waiting(ctx)), nil
		})
	})
	method(api, "report", func(args []js.Value) any {
		exercise, step, kind, answer := argString(args, 0), argInt(args, 1), lab.ProgressKind(argString(args, 2)), argString(args, 3)
		return promise(func() (any, error) {
			r, err := l.report(context.Background(), exercise, step, kind, answer)
			if err != nil || r == nil {
				return js.Null(), err
			}
			return toJS(r), nil
		})
	})
	method(api, "serverProgress", func([]js.Value) any {
		return promise(func() (any, error) {
			recs, err := l.serverProgress(context.Background())
			if err != nil || recs == nil {
				return js.Null(), err
			}
			return toJS(recs), nil
		})
	})
	method(api, "hand", func(args []js.Value) any {
		action, message := argString(args, 0), argString(args, 1)
		return promise(func() (any, error) {
			c := l.workshopClient()
			if c == nil {
				return js.Null(), nil
			}
			return c.Hand(context.Background(), action, message)
		})
	})
	api.Set("wire", wireObject(l))
	method(api, "judge", func(args []js.Value) any {
		var checks []check.Check
		if err := json.Unmarshal([]byte(argString(args, 0)), &checks); err != nil || len(checks) > 100 {
			panic("socketlab.judge(checks): want a JSON array of at most 100 checks")
		}
		return toJS(l.judge(checks, argSince(args, 1)))
	})
	method(api, "variables", func([]js.Value) any { return toJS(l.variables()) })
	method(api, "answer", func(args []js.Value) any {
		var q check.Question
		if err := json.Unmarshal([]byte(argString(args, 0)), &q); err != nil {
			panic("socketlab.answer(question, text, since): want a question as JSON")
		}
		text, since := argString(args, 1), argSince(args, 2)
		return promise(func() (any, error) { return toJS(l.answer(q, text, since)), nil })
	})
	method(api, "pcap", func([]js.Value) any {
		b, err := l.pcap()
		if err != nil {
			panic(err)
		}
		u := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(u, b)
		return u
	})
	method(api, "onWorkshop", func(args []js.Value) any {
		fn := argFunc(args, 0, "onWorkshop(fn)")
		return unsubscriber(l.watchClass(func(m bridge.WorkshopMessage) {
			safely(func() { fn.Invoke(toJS(m)) })
		}))
	})
	method(api, "on", func(args []js.Value) any {
		kind, fn := argString(args, 0), argFunc(args, 1, "on(kind, fn)")
		return unsubscriber(events(l.trace, func(e lab.Event) {
			if kind == "*" || kind == string(e.Kind) {
				safely(func() { fn.Invoke(toJS(e)) })
			}
		}))
	})
	exposeWatching(api, l.watching)
	js.Global().Set("socketlab", api)
}

// exposeWatching adds look-in and spotlight to api: watched() says who
// sees this lab and names a spotlit classmate; onWatch(fn) calls fn after
// each change of it; spotlight() is the classmate's trace, and
// onSpotlight(fn) calls fn with each event added to it. Both on-functions
// return the function that stops them.
func exposeWatching(api js.Value, w *watching) {
	method(api, "watched", func([]js.Value) any { return toJS(w.state()) })
	method(api, "spotlight", func([]js.Value) any { return toJS(w.spot.Events()) })
	method(api, "onWatch", func(args []js.Value) any {
		fn := argFunc(args, 0, "onWatch(fn)")
		return unsubscriber(w.listen(func() { safely(func() { fn.Invoke() }) }))
	})
	method(api, "onSpotlight", func(args []js.Value) any {
		fn := argFunc(args, 0, "onSpotlight(fn)")
		return unsubscriber(events(w.spot, func(e lab.Event) { safely(func() { fn.Invoke(toJS(e)) }) }))
	})
}

// unsubscriber is the JavaScript function an on-function returns: it
// calls stop once, and releases itself.
func unsubscriber(stop func()) js.Func {
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any {
		stop()
		f.Release()
		return nil
	})
	return f
}

// argFunc is args[i], which must be a function; call names the method
// in the panic if it is not.
func argFunc(args []js.Value, i int, call string) js.Value {
	if len(args) <= i || args[i].Type() != js.TypeFunction {
		panic("socketlab." + call + ": fn is not a function")
	}
	return args[i]
}

// wireVerbs are socketlab.wire's methods: how many numbers each takes
// first (a value; delay's, then a jitter), and whether it is a setting,
// whose direction comes after them.
var wireVerbs = []struct {
	verb    string
	numbers int
	setting bool
}{
	{lab.WireVerbState, 0, false}, {lab.WireVerbPause, 0, true}, {lab.WireVerbResume, 0, true}, {lab.WireVerbStep, 0, false},
	{lab.WireVerbRelease, 0, false}, {lab.WireVerbDrop, 0, false}, {lab.WireVerbLoss, 1, true},
	{lab.WireVerbDelay, 2, true}, {lab.WireVerbDuplicate, 1, true}, {lab.WireVerbReorder, 1, true},
	{lab.WireVerbRate, 1, true}, {lab.WireVerbSeed, 1, false}, {lab.WireVerbClear, 0, true},
}

// wireObject is socketlab.wire: a method a verb, each a Promise of the
// lab.WireResult, rejected with what is wrong with its arguments. Its
// calls run beside the console's line, so the page can step a packet
// while exec waits in connect.
func wireObject(l *labSession) js.Value {
	obj := js.Global().Get("Object").New()
	for _, v := range wireVerbs {
		method(obj, v.verb, func(args []js.Value) any {
			cmd := lab.WireCommand{Verb: v.verb}
			nums := []*float64{&cmd.Value, &cmd.Jitter}
			for i := range v.numbers {
				switch {
				case i < len(args) && args[i].Type() == js.TypeNumber:
					*nums[i] = args[i].Float()
				case i == 0:
					*nums[i] = math.NaN() // missing: refused below
				}
			}
			var bad error
			if v.verb == lab.WireVerbSeed {
				if n := cmd.Value; math.IsNaN(n) || n < 0 || n != math.Trunc(n) || n > lab.MaxWireSeed {
					bad = fmt.Errorf("socketlab.wire.seed(n): n must be a whole number from 0 to 2**53-1")
				}
				cmd.Seed, cmd.Value = uint64(cmd.Value), 0
			}
			if dir := argString(args, v.numbers); v.setting && dir != "both" {
				cmd.Dir = lab.Direction(dir)
			}
			return promise(func() (any, error) {
				if bad != nil {
					return nil, bad
				}
				res, err := l.wire(cmd)
				if err != nil {
					return nil, err
				}
				return toJS(res), nil
			})
		})
	}
	return obj
}

// method sets obj[name] to fn, reporting a panic instead of crashing the
// program.
func method(obj js.Value, name string, fn func(args []js.Value) any) {
	obj.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) (out any) {
		defer func() {
			if v := recover(); v != nil {
				report(v)
				out = js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New(fmt.Sprint(v)))
			}
		}()
		return fn(args)
	}))
}

// promise runs work on a goroutine of its own, so that a blocking call
// (recv, accept) never freezes the tab, and settles a Promise with it.
func promise(work func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			defer func() {
				if v := recover(); v != nil {
					report(v)
					reject.Invoke(js.Global().Get("Error").New(fmt.Sprint(v)))
				}
			}()
			v, err := work()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

// safely runs fn, reporting a panic.
func safely(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			report(v)
		}
	}()
	fn()
}

// report tells the page about a panic.
func report(v any) {
	msg := fmt.Sprintf("socketlab: internal error: %v\n%s", v, debug.Stack())
	js.Global().Get("console").Call("error", msg)
	detail := js.Global().Get("Object").New()
	detail.Set("detail", msg)
	js.Global().Call("dispatchEvent", js.Global().Get("CustomEvent").New("socketlab-panic", detail))
}

// toJS converts a Go value to a JavaScript one by way of JSON.
func toJS(v any) js.Value {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return js.Global().Get("JSON").Call("parse", string(b))
}

func argString(args []js.Value, i int) string {
	if i >= len(args) || args[i].Type() != js.TypeString {
		return ""
	}
	return args[i].String()
}

// argInt is args[i] as an integer: -1, which no step is, when it is not
// a number.
func argInt(args []js.Value, i int) int {
	if i >= len(args) || args[i].Type() != js.TypeNumber {
		return -1
	}
	return args[i].Int()
}

// argSince is args[i] as where the judged trace begins: after an RFC 3339
// time (a string), or after an event number (0, the whole trace, when it
// is neither, or less than 0).
func argSince(args []js.Value, i int) after {
	if i >= len(args) {
		return after{}
	}
	switch args[i].Type() {
	case js.TypeString:
		t, err := time.Parse(time.RFC3339Nano, args[i].String())
		if err != nil {
			panic(fmt.Sprintf("since: want an RFC 3339 time or an event number: %v", err))
		}
		return after{time: t}
	case js.TypeNumber:
		return after{seq: uint64(max(args[i].Int(), 0))}
	}
	return after{}
}

// bridgeURL is the page's own /bridge, over ws or wss as the page is;
// in a workshop (the body's data-workshop, else the page's ?workshop=),
// /bridge?workshop=CODE, which the server joins to the workshop's network
// as the student the page's cookie says.
func bridgeURL() string {
	loc := js.Global().Get("location")
	scheme := "ws:"
	if loc.Get("protocol").String() == "https:" {
		scheme = "wss:"
	}
	u := scheme + "//" + loc.Get("host").String() + "/bridge"
	code := ""
	if body := js.Global().Get("document").Get("body"); body.Truthy() {
		if v := body.Get("dataset").Get("workshop"); v.Type() == js.TypeString {
			code = v.String()
		}
	}
	if code == "" {
		if v := js.Global().Get("URLSearchParams").New(loc.Get("search")).Call("get", "workshop"); v.Type() == js.TypeString {
			code = v.String()
		}
	}
	if code != "" {
		u += "?workshop=" + url.QueryEscape(code)
	}
	return u
}
