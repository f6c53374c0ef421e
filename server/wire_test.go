package server

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/sock"
)

// Over the bridge, a console's wire object holds the session's own port's
// packets on the server: a connect waits while its handshake is held, and
// each step releases one packet of it; the wire's events reach the
// client's trace; a command out of bounds is refused by the server.
func TestWireOverBridge(t *testing.T) {
	ls := serve(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := bridge.Dial(ctx, ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	con := console.New(c.Sockets(), console.WithWire(c.ConsoleWire()))
	defer con.Close()
	if res := con.Exec(ctx, `wire.pause(); s = socket(AF_INET, SOCK_STREAM)`); res.Error != "" {
		t.Fatal(res.Error)
	}
	connected := make(chan console.Result, 1)
	go func() { connected <- con.Exec(ctx, `s.connect(("10.0.0.1", 7))`) }()
	w := c.ConsoleWire()
	for _, want := range []string{"[SYN]", "[SYN, ACK]", "[ACK]"} {
		stepCtx, stop := context.WithTimeout(ctx, 10*time.Second)
		res, err := w.Do(stepCtx, lab.WireCommand{Verb: lab.WireVerbStep})
		stop()
		if err != nil || res.Moved != 1 || !strings.Contains(res.Packet, want) {
			t.Fatalf("step for %s: %+v, %v", want, res, err)
		}
		if want == "[SYN]" {
			select {
			case res := <-connected:
				t.Fatalf("connect returned with its SYN-ACK held: %+v", res)
			default:
			}
		}
	}
	if res := <-connected; res.Error != "" {
		t.Fatalf("connect: %+v", res)
	}
	held, released := 0, 0
	evs := c.Trace().Events()
	for _, e := range evs {
		if e.Kind == lab.KindWire {
			switch e.Wire.Action {
			case lab.WireHeld:
				held++
				// The client links a held packet of its own to its packet event.
				if e.Wire.Dir == lab.Out {
					i := slices.IndexFunc(evs, func(p lab.Event) bool { return p.Seq == e.Wire.Packet && p.Kind == lab.KindPacket })
					if i < 0 || evs[i].Packet.Dir != lab.Out || !strings.Contains(e.Wire.Summary, evs[i].Packet.Summary[strings.Index(evs[i].Packet.Summary, "["):strings.Index(evs[i].Packet.Summary, "]")+1]) {
						t.Errorf("held %q linked to packet %d: not its packet", e.Wire.Summary, e.Wire.Packet)
					}
				}
			case lab.WireReleased:
				released++
			}
		}
	}
	if held < 3 || released != 3 {
		t.Errorf("trace: %d held, %d released wire events; want 3 and 3", held, released)
	}
	for _, bad := range []lab.WireCommand{
		{Verb: lab.WireVerbLoss, Value: 2}, {Verb: "cut"}, {Verb: lab.WireVerbPause, Dir: "sideways"},
		{Verb: lab.WireVerbDelay, Value: 60}, {Verb: lab.WireVerbRate, Value: 1.5},
	} {
		if _, err := c.Wire(ctx, bad); err == nil || !strings.Contains(err.Error(), "the server refused it") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	res, err := c.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbLoss, Value: 0.5, Dir: lab.In})
	if err != nil || res.State.In.Loss != 0.5 || res.State.Out.Loss != 0 || !res.State.Out.Hold {
		t.Errorf("loss in: %+v, %v", res, err)
	}
}

// In a workshop, a student's wire request acts on their own port only:
// Ada pauses hers, and Bob's packets still pass, his wire untouched.
func TestWireWorkshopOwnPort(t *testing.T) {
	ls := workshopServer(t, Config{})
	w := ls.create(t, map[string]any{"title": "Wire"})
	ada := ls.dialStudent(t, w.Code, ls.joinStudent(t, w.Code, "Ada"))
	bob := ls.dialStudent(t, w.Code, ls.joinStudent(t, w.Code, "Bob"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := ada.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbPause}); err != nil {
		t.Fatal(err)
	}
	s, err := bob.Sockets().Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx, echoTCP); err != nil {
		t.Fatalf("Bob's connect with Ada's wire paused: %v", err)
	}
	u, err := ada.Sockets().Socket(sock.Datagram)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.SendTo(ctx, []byte("hi"), echoUDP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		res, err := ada.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState})
		if err == nil && res.State.Held == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ada's datagram is not held: %+v, %v", res, err)
		}
	}
	res, err := bob.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState})
	if err != nil || res.State.Held != 0 || !res.State.Clear() {
		t.Errorf("Bob's wire: %+v, %v", res, err)
	}
}

// A held packet dropped later is linked to the packet event it held, as
// its hold was, so that the diagram shows that packet lost.
func TestWireDropLinked(t *testing.T) {
	ls := serve(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := bridge.Dial(ctx, ls.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbPause}); err != nil {
		t.Fatal(err)
	}
	u, err := c.Sockets().Socket(sock.Datagram)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := u.SendTo(ctx, []byte("same"), echoUDP); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if res, err := c.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbState}); err == nil && res.State.Held == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the two datagrams are not held")
		}
	}
	if res, err := c.Wire(ctx, lab.WireCommand{Verb: lab.WireVerbDrop}); err != nil || res.Moved != 1 {
		t.Fatalf("drop: %+v, %v", res, err)
	}
	var held []uint64
	var dropped uint64
	for deadline := time.Now().Add(10 * time.Second); dropped == 0; time.Sleep(10 * time.Millisecond) {
		held = held[:0]
		for _, e := range c.Trace().Events() {
			if e.Kind == lab.KindWire && e.Wire.Action == lab.WireHeld {
				held = append(held, e.Wire.Packet)
			}
			if e.Kind == lab.KindWire && e.Wire.Action == lab.WireDropped {
				dropped = e.Wire.Packet
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no dropped event on the trace")
		}
	}
	// The wire drops the oldest held: the first datagram's packet event.
	if len(held) != 2 || !slices.Contains(held, dropped) || dropped != min(held[0], held[1]) {
		t.Errorf("held packets %v, the dropped one linked to %d; want the first sent of them", held, dropped)
	}
}
