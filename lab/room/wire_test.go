package room_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/labtest"
	"github.com/socketlab/socketlab/lab/room"
	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// pair is two students' ports on a room whose students see each other,
// with what reached the second (the pings' sequence numbers, in order)
// and the first's trace, where its wire's events go.
type pair struct {
	room     *room.Room
	from, to *room.Port
	trace    *lab.Trace

	mu  sync.Mutex
	got []uint16
	arr chan struct{}
}

func newPair(t *testing.T) *pair {
	t.Helper()
	r, err := room.New(room.Config{StudentsSeeEachOther: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	p := &pair{room: r, trace: lab.NewTrace(0), arr: make(chan struct{}, 1024)}
	p.from, _ = r.Attach(func([]byte) {}, p.trace)
	p.to, _ = r.Attach(func(pkt []byte) {
		p.mu.Lock()
		p.got = append(p.got, binary.BigEndian.Uint16(pkt[26:28])) // the ICMP sequence number
		p.mu.Unlock()
		p.arr <- struct{}{}
	}, nil)
	return p
}

func (p *pair) ping(seq uint16) { p.from.Send(labtest.Ping(p.from.Addr(), p.to.Addr(), seq)) }

func (p *pair) arrived() []uint16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// wait waits for n more packets to arrive.
func (p *pair) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-p.arr:
		case <-time.After(5 * time.Second):
			t.Fatalf("arrived %v; want %d more", p.arrived(), n)
		}
	}
}

// actions are the wire events on p's trace, as "action dir reason".
func (p *pair) actions() []string {
	var out []string
	for _, e := range p.trace.Events() {
		if e.Kind == lab.KindWire {
			out = append(out, string(e.Wire.Action)+" "+string(e.Wire.Dir)+" "+e.Wire.Reason)
		}
	}
	return out
}

// The same seed loses the same packets, every run; another seed others.
func TestWireLossDeterministic(t *testing.T) {
	run := func(seed uint64) []uint16 {
		p := newPair(t)
		w := p.from.Wire()
		w.Seed(seed)
		w.Set(lab.WireSettings{Loss: 0.3})
		for i := range 200 {
			p.ping(uint16(i))
		}
		got := p.arrived()
		if st := w.State(); int(st.Dropped) != 200-len(got) || st.Seed != seed {
			t.Errorf("seed %d: state %+v, arrived %d of 200", seed, st, len(got))
		}
		if n := len(p.actions()); n != 200-len(got) {
			t.Errorf("seed %d: %d wire events for %d lost", seed, n, 200-len(got))
		}
		return got
	}
	a, b, c := run(7), run(7), run(8)
	if !slices.Equal(a, b) {
		t.Errorf("seed 7 twice: arrived\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 lost the same packets: %v", a)
	}
	if lost := 200 - len(a); lost < 40 || lost > 80 {
		t.Errorf("lost %d of 200 at 30%%", lost)
	}
}

// Held packets wait until a step, a drop or a release; over MaxWaiting
// the oldest is dropped and counted.
func TestWireHoldStep(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	w.Set(lab.WireSettings{Hold: true})
	for i := range room.MaxWaiting + 3 {
		p.ping(uint16(i))
	}
	if got := p.arrived(); len(got) != 0 {
		t.Fatalf("held, yet arrived %v", got)
	}
	if st := w.State(); st.Held != room.MaxWaiting || st.Overflow != 3 {
		t.Fatalf("state %+v; want %d held, 3 overflowed", st, room.MaxWaiting)
	}
	ctx := context.Background()
	if sum, ok := w.Step(ctx); !ok || sum == "" {
		t.Fatalf("Step = %q, %v", sum, ok)
	}
	if got := p.arrived(); !slices.Equal(got, []uint16{3}) {
		t.Fatalf("after a step arrived %v; want [3], the oldest kept", got)
	}
	if _, ok := w.Drop(); !ok {
		t.Fatal("Drop found nothing held")
	}
	if n := w.Release(); n != room.MaxWaiting-2 {
		t.Fatalf("Release = %d", n)
	}
	got := p.arrived()
	if len(got) != room.MaxWaiting-1 || got[1] != 5 || !slices.IsSorted(got) {
		t.Fatalf("arrived %v", got)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, ok := w.Step(short); ok {
		t.Fatal("Step released a packet none held")
	}
	acts := p.actions()
	count := func(a string) (n int) {
		for _, x := range acts {
			if x == a {
				n++
			}
		}
		return n
	}
	if count("held out ") != room.MaxWaiting+3 || count("dropped out overflow") != 3 || count("dropped out drop") != 1 || count("released out ") != room.MaxWaiting-1 {
		t.Errorf("wire events: %d held, %d overflow, %d drop, %d released", count("held out "), count("dropped out overflow"), count("dropped out drop"), count("released out "))
	}
}

// A held packet that repeats a TCP segment held or released before (a
// retransmission) is held as a repeat: Step and Drop pass over it while
// anything else is held, so that each step moves a connection on.
func TestWireStepPassesOverRepeats(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	w.Set(lab.WireSettings{Hold: true})
	src, dst := netip.AddrPortFrom(p.from.Addr(), 40000), netip.AddrPortFrom(p.to.Addr(), 7)
	syn := labtest.TCP(src, dst, 100, 0, header.TCPFlagSyn)
	data := labtest.TCPWith(src.Addr(), dst.Addr(), header.TCPFields{SrcPort: src.Port(), DstPort: dst.Port(), SeqNum: 101, AckNum: 1, Flags: header.TCPFlagAck | header.TCPFlagPsh, WindowSize: 100}, nil, []byte("hello"))
	ack := labtest.TCP(src, dst, 106, 1, header.TCPFlagAck)
	for _, pkt := range [][]byte{syn, syn, data, ack, ack} {
		p.from.Send(pkt)
	}
	if st := w.State(); st.Held != 5 || st.Repeats != 1 {
		t.Fatalf("state %+v; want 5 held, 1 a repeat (the second SYN; two bare ACKs are two ACKs)", st)
	}
	ctx := context.Background()
	for range 4 {
		if _, ok := w.Step(ctx); !ok {
			t.Fatal("Step released nothing")
		}
	}
	p.wait(t, 4)
	if got := p.arrived(); !slices.Equal(got, []uint16{100, 101, 106, 106}) {
		t.Fatalf("four steps let through the segments %v; want the SYN, the data and both ACKs, the repeated SYN passed over", got)
	}
	// Only the repeat is held: a step takes it. A SYN sent again after
	// its segment was released is a repeat too.
	p.from.Send(syn)
	if st := w.State(); st.Held != 2 || st.Repeats != 2 {
		t.Fatalf("state %+v; want 2 held repeats", st)
	}
	if _, ok := w.Step(ctx); !ok {
		t.Fatal("Step released nothing, with only repeats held")
	}
	if _, ok := w.Drop(); !ok {
		t.Fatal("Drop found nothing, with a repeat held")
	}
	var reasons []string
	for _, a := range p.actions() {
		if strings.HasPrefix(a, "held") {
			reasons = append(reasons, a)
		}
	}
	if want := []string{"held out ", "held out repeat", "held out ", "held out ", "held out ", "held out repeat"}; !slices.Equal(reasons, want) {
		t.Errorf("held events %q, want %q", reasons, want)
	}
}

// A delayed packet arrives at its deadline; clearing the wire sends on at
// once what it delays, and a clear wire passes every packet at once.
func TestWireDelayClear(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	w.Set(lab.WireSettings{Delay: 50 * time.Millisecond})
	start := time.Now()
	p.ping(1)
	if len(p.arrived()) != 0 {
		t.Fatal("a delayed packet arrived at once")
	}
	p.wait(t, 1)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("arrived after %v; want 50ms", d)
	}
	w.Set(lab.WireSettings{Delay: time.Hour})
	p.ping(2)
	if st := w.State(); st.Delayed != 1 {
		t.Fatalf("state %+v; want one delayed", st)
	}
	w.Set(lab.WireSettings{})
	p.ping(3)
	if got := p.arrived(); !slices.Equal(got, []uint16{1, 2, 3}) {
		t.Fatalf("after clear arrived %v", got)
	}
}

// Reordering holds a packet back until the next has passed (or
// reorderWait); duplication sends one twice.
func TestWireReorderDuplicate(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	w.Set(lab.WireSettings{Reorder: 1})
	p.ping(1)
	p.ping(2)
	p.ping(3) // held back, then sent on its own
	p.wait(t, 3)
	if got := p.arrived(); !slices.Equal(got, []uint16{2, 1, 3}) {
		t.Fatalf("reordered: arrived %v", got)
	}
	w.Set(lab.WireSettings{Duplicate: 1})
	p.ping(4)
	if got := p.arrived(); !slices.Equal(got[3:], []uint16{4, 4}) {
		t.Fatalf("duplicated: arrived %v", got)
	}
}

// A rate limit spaces packets by their length.
func TestWireRate(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	w.Set(lab.WireSettings{Rate: 84 * 20}) // a ping is 84 bytes: 20 a second
	start := time.Now()
	for i := range 4 {
		p.ping(uint16(i))
	}
	p.wait(t, 4)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("4 pings at 20 a second took %v", d)
	}
}

// Each direction has its settings: a wire that loses everything on its
// way in passes what its host sends, until the way out loses too; Do
// refuses a command out of bounds.
func TestWireDirections(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	ctx := context.Background()
	do := func(cmd lab.WireCommand) lab.WireResult {
		t.Helper()
		res, err := w.Do(ctx, cmd)
		if err != nil {
			t.Fatalf("%+v: %v", cmd, err)
		}
		return res
	}
	if st := do(lab.WireCommand{Verb: lab.WireVerbLoss, Value: 1, Dir: lab.In}).State; st.In.Loss != 1 || st.Out.Loss != 0 {
		t.Fatalf("loss in: state %+v", st)
	}
	p.ping(1)
	p.wait(t, 1)
	do(lab.WireCommand{Verb: lab.WireVerbPause, Dir: lab.Out})
	p.ping(2)
	if st := do(lab.WireCommand{Verb: lab.WireVerbState}).State; st.Held != 1 || !st.Out.Hold || st.In.Hold {
		t.Fatalf("paused out: state %+v", st)
	}
	if res := do(lab.WireCommand{Verb: lab.WireVerbStep}); res.Moved != 1 || res.Packet == "" {
		t.Fatalf("step: %+v", res)
	}
	p.wait(t, 1)
	do(lab.WireCommand{Verb: lab.WireVerbLoss, Value: 1, Dir: lab.Out})
	p.ping(3) // held, then lost when released
	if res := do(lab.WireCommand{Verb: lab.WireVerbRelease}); res.Moved != 1 || res.State.Dropped != 1 {
		t.Fatalf("release: %+v", res)
	}
	if got := p.arrived(); !slices.Equal(got, []uint16{1, 2}) {
		t.Fatalf("arrived %v", got)
	}
	if st := do(lab.WireCommand{Verb: lab.WireVerbClear}).State; !st.Clear() {
		t.Fatalf("cleared: %+v", st)
	}
	for _, bad := range []lab.WireCommand{
		{Verb: "cut"}, {Verb: lab.WireVerbLoss, Value: 2}, {Verb: lab.WireVerbDelay, Value: 11},
		{Verb: lab.WireVerbDelay, Jitter: -1}, {Verb: lab.WireVerbRate, Value: 50}, {Verb: lab.WireVerbRate, Value: 100.5},
		{Verb: lab.WireVerbPause, Dir: "up"},
	} {
		if _, err := w.Do(ctx, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// A room's wire is every student's, the ones attached later too; while
// it is set a student may step their own packets but not change its
// impairments or seed; cleared, each port has its own settings back.
func TestRoomWire(t *testing.T) {
	p := newPair(t)
	w := p.from.Wire()
	if _, err := w.Do(context.Background(), lab.WireCommand{Verb: lab.WireVerbSeed, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	w.SetDirs(lab.WireDirs{In: lab.WireSettings{Duplicate: 0.5}})
	r := p.room
	for _, bad := range []lab.RoomWire{
		{WireDirs: lab.WireSettings{Hold: true}.Both()},
		{WireDirs: lab.WireDirs{In: lab.WireSettings{Loss: 1.5}}},
		{Seed: lab.MaxWireSeed + 1},
	} {
		if err := r.SetWire(&bad); err == nil {
			t.Errorf("SetWire(%+v) took it", bad)
		}
	}
	if err := r.SetWire(&lab.RoomWire{WireDirs: lab.WireDirs{Out: lab.WireSettings{Loss: 1}}, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	st := w.State()
	if !st.Room || st.Out.Loss != 1 || !st.In.Clear() || st.Seed != 9 {
		t.Errorf("with the room's wire: %+v; want room, loss 1 out, nothing in, seed 9", st)
	}
	later, err := r.Attach(func([]byte) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := later.Wire().State(); !st.Room || st.Out.Loss != 1 || st.Seed != 9 {
		t.Errorf("a port attached later: %+v; want the room's wire", st)
	}
	for _, verb := range []string{lab.WireVerbLoss, lab.WireVerbDelay, lab.WireVerbClear, lab.WireVerbSeed} {
		if _, err := w.Do(context.Background(), lab.WireCommand{Verb: verb}); !errors.Is(err, lab.ErrRoomWire) {
			t.Errorf("%s under the room's wire: %v; want ErrRoomWire", verb, err)
		}
	}
	for i := range 3 {
		p.ping(uint16(i))
	}
	// Pause and step stay the student's: a held packet, stepped, is
	// then lost by the room's loss.
	if _, err := w.Do(context.Background(), lab.WireCommand{Verb: lab.WireVerbPause, Dir: lab.Out}); err != nil {
		t.Fatalf("pause under the room's wire: %v", err)
	}
	p.ping(3)
	if res, err := w.Do(context.Background(), lab.WireCommand{Verb: lab.WireVerbStep}); err != nil || res.Moved != 1 || !res.State.Out.Hold || res.State.Out.Loss != 1 {
		t.Fatalf("step under the room's wire: %+v, %v", res, err)
	}
	if got := p.arrived(); len(got) != 0 {
		t.Errorf("arrived through a wire that loses everything: %v", got)
	}
	if err := r.SetWire(nil); err != nil {
		t.Fatal(err)
	}
	st = w.State()
	want := lab.WireDirs{Out: lab.WireSettings{Hold: true}, In: lab.WireSettings{Duplicate: 0.5}}
	if st.Room || st.WireDirs != want || st.Seed != 5 {
		t.Errorf("cleared: %+v; want its own settings back (%+v, hold kept) and seed 5", st, want)
	}
	w.SetDirs(lab.WireDirs{})
	p.ping(4)
	p.wait(t, 1)
	if got := p.arrived(); !slices.Equal(got, []uint16{4}) {
		t.Errorf("after the room's wire cleared, arrived %v; want [4]", got)
	}
}
