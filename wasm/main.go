//go:build js && wasm

// Command wasm is lab.wasm: the student's host, a real gVisor TCP/IP stack,
// running in the browser tab and joined to the lab over /bridge. It exposes
// window.socketlab (see js.go); it holds no lab logic of its own.
package main

import "context"

func main() {
	l := newLabSession(bridgeURL())
	expose(l)
	l.run(context.Background())
}
