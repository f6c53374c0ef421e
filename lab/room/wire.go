package room

import (
	"container/heap"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/packet"
)

// MaxWaiting bounds the packets held or delayed at one port, both
// directions together: one more drops the oldest, and counts it
// (WireState.Overflow).
const MaxWaiting = 256

// reorderWait bounds how long a packet held back for reordering waits for
// the next one: a datagram that nothing follows is not lost.
const reorderWait = 100 * time.Millisecond

// direction is a packet's way through a port's wire.
type direction int

const (
	toSwitch   direction = iota // from the port's host to the switch
	fromSwitch                  // from the switch to the port's host
)

// Wire is the link between a port's host and the switch: a conditioner in
// each direction, which may hold, drop, delay, duplicate, reorder or
// slow the port's packets, as its settings for that direction say. Its random choices come
// from a PCG generator per direction, started from its seed: the same
// seed and the same packets make the same choices. A clear wire costs the
// switch one atomic load a packet (Port.active is nil). Every action is an
// event on the trace of the student the packet concerns.
//
// A Wire is safe for concurrent use.
type Wire struct {
	port *Port

	mu       sync.Mutex          // guards what follows
	set      [2]lab.WireSettings // in force, by direction
	own      lab.WireDirs        // the port's own settings: set, unless the room's are in force
	seed     uint64
	room     *lab.RoomWire // the room's wire, while it is set
	ownSeed  uint64        // the port's own seed, while the room's is in force
	dirs     [2]conditioner
	waiting  []*waiting    // held and delayed packets, oldest first
	heldSig  chan struct{} // a packet was held: Step waits on it
	released [64]string    // the segment keys of the latest packets released (segmentKey), a ring
	nextRel  int           // where the next goes in released
	dropped  uint64
	overflow uint64
}

// conditioner is one direction's state.
type conditioner struct {
	rng  *rand.Rand
	free time.Time // the rate limit: when the link has sent what it was given
	slot *waiting  // a packet held back until the next has passed
}

// waiting is a packet the wire keeps: held, delayed, or held back.
type waiting struct {
	w        *Wire
	dir      direction
	from, to *Port
	pkt      []byte // a copy: the switch does not keep its caller's
	held     bool   // waits for a step, not a deadline
	repeat   bool   // held, and repeats a segment held or released before: Step passes over it
	key      string // segmentKey, for held packets
	at       time.Time
	seq      uint64 // ties between equal deadlines go in order
	index    int    // in the room's schedule; -1 when not in it
}

// Wire is the port's wire, made the first time it is asked for.
func (p *Port) Wire() *Wire {
	p.wireOnce.Do(func() {
		p.wire = &Wire{port: p, heldSig: make(chan struct{}, 1), seed: rand.Uint64N(lab.MaxWireSeed + 1)}
		p.wire.reseed()
	})
	return p.wire
}

// reseed starts both directions' generators from w.seed; w.mu is held, or
// w is new.
func (w *Wire) reseed() {
	for d := range w.dirs {
		w.dirs[d].rng = rand.New(rand.NewPCG(w.seed, uint64(d)))
	}
}

// Seed starts the wire's random choices again from seed.
func (w *Wire) Seed(seed uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seed = seed
	w.reseed()
}

// State is the wire's settings and what it holds.
func (w *Wire) State() lab.WireState {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := lab.WireState{WireDirs: w.dirsLocked(), Seed: w.seed, Room: w.room != nil, Dropped: w.dropped, Overflow: w.overflow}
	for _, p := range w.waiting {
		if p.held {
			st.Held++
			if p.repeat {
				st.Repeats++
			}
		} else {
			st.Delayed++
		}
	}
	return st
}

// dirsLocked is the settings, by direction as the port's host sees them
// (the lab server's, on its port); w.mu is held.
func (w *Wire) dirsLocked() lab.WireDirs {
	return lab.WireDirs{Out: w.set[toSwitch], In: w.set[fromSwitch]}
}

// Set changes what the wire does to packets after, both ways.
func (w *Wire) Set(s lab.WireSettings) { w.SetDirs(s.Both()) }

// SetDirs changes what the wire does to packets after, in each
// direction (while the room's wire is in force, only hold). Turning hold
// off releases that direction's held packets; a direction made clear
// also sends on at once the packets it delays, so that it is exactly the
// link it was before.
func (w *Wire) SetDirs(d lab.WireDirs) {
	var out sendList
	w.mu.Lock()
	w.own = d
	w.applyLocked(&out)
	w.mu.Unlock()
	out.send(w.port.room)
}

// setRoom puts the room's wire in force on this one (nil: gives the port
// its own settings and seed back).
func (w *Wire) setRoom(rw *lab.RoomWire) {
	var out sendList
	w.mu.Lock()
	switch {
	case rw != nil && w.room == nil:
		w.ownSeed = w.seed
	case rw == nil && w.room != nil:
		w.seed = w.ownSeed
		w.reseed()
	}
	w.room = rw
	if rw != nil && rw.Seed != 0 {
		w.seed = rw.Seed
		w.reseed()
	}
	w.applyLocked(&out)
	w.mu.Unlock()
	out.send(w.port.room)
}

// applyLocked puts in force the port's own settings or, while it is set,
// the room's wire with the port's own hold; w.mu is held.
func (w *Wire) applyLocked(out *sendList) {
	d := w.own
	if w.room != nil {
		d = w.room.WireDirs
		d.Out.Hold, d.In.Hold = w.own.Out.Hold, w.own.In.Hold
	}
	w.setLocked(d, out)
}

// setLocked puts d in force, the packets to send on into out; w.mu is
// held.
func (w *Wire) setLocked(d lab.WireDirs, out *sendList) {
	w.set = [2]lab.WireSettings{toSwitch: d.Out, fromSwitch: d.In}
	for dir, s := range w.set {
		if !s.Hold {
			w.releaseLocked(direction(dir), out)
		}
		if !s.Clear() {
			continue
		}
		for _, p := range w.takeWaiting(false, direction(dir)) {
			out.add(p.dir, p.from, p.to, p.pkt)
		}
		c := &w.dirs[dir]
		if c.slot != nil {
			w.port.room.sched.remove(c.slot)
			out.add(c.slot.dir, c.slot.from, c.slot.to, c.slot.pkt)
			c.slot = nil
		}
		c.free = time.Time{}
	}
	if d.Clear() {
		w.port.active.Store(nil)
	} else {
		w.port.active.Store(w)
	}
}

// Do carries out a command (checked here too): a setting verb changes
// its direction's settings, or both; step waits for a held packet until
// ctx is done (a done ctx: only one already held). The result says the
// state after it. While the room's wire is set, a change of the
// impairments or the seed is refused with lab.ErrRoomWire.
func (w *Wire) Do(ctx context.Context, cmd lab.WireCommand) (lab.WireResult, error) {
	if err := cmd.Check(); err != nil {
		return lab.WireResult{}, err
	}
	var res lab.WireResult
	switch cmd.Verb {
	case lab.WireVerbStep:
		if sum, ok := w.Step(ctx); ok {
			res.Packet, res.Moved = sum, 1
		}
	case lab.WireVerbDrop:
		if sum, ok := w.Drop(); ok {
			res.Packet, res.Moved = sum, 1
		}
	case lab.WireVerbRelease:
		res.Moved = w.Release()
	default:
		var out sendList
		w.mu.Lock()
		if w.room != nil && roomsOwn(cmd.Verb) {
			w.mu.Unlock()
			return lab.WireResult{}, lab.ErrRoomWire
		}
		if cmd.Verb == lab.WireVerbSeed {
			w.seed = cmd.Seed
			w.reseed()
		} else if cmd.Setting(&w.own) {
			w.applyLocked(&out)
		}
		w.mu.Unlock()
		out.send(w.port.room)
	}
	res.State = w.State()
	return res, nil
}

// roomsOwn reports whether a verb changes what the room's wire sets:
// every setting verb but pause and resume, and the seed.
func roomsOwn(verb string) bool {
	switch verb {
	case lab.WireVerbLoss, lab.WireVerbDelay, lab.WireVerbDuplicate, lab.WireVerbReorder, lab.WireVerbRate, lab.WireVerbClear, lab.WireVerbSeed:
		return true
	}
	return false
}

// takeWaiting takes the held packets (or the delayed ones) of a
// direction off the wire, oldest first; w.mu is held.
func (w *Wire) takeWaiting(held bool, dir direction) []*waiting {
	var took []*waiting
	w.waiting = slices.DeleteFunc(w.waiting, func(p *waiting) bool {
		if p.held != held || p.dir != dir {
			return false
		}
		if !held {
			w.port.room.sched.remove(p)
			w.port.room.carried()
		}
		took = append(took, p)
		return true
	})
	return took
}

// Step releases the oldest held packet, either direction, that does not
// repeat another (a retransmission of a segment held or released before:
// passing over it, each step moves a connection on), or the oldest repeat
// if only repeats are held; it waits until one is held if none is, or
// until ctx is done. It returns the packet's summary, and false if none
// was released.
func (w *Wire) Step(ctx context.Context) (string, bool) {
	for {
		var out sendList
		w.mu.Lock()
		if i := w.nextHeldLocked(); i >= 0 {
			p := w.waiting[i]
			w.waiting = slices.Delete(w.waiting, i, i+1)
			sum := w.event(p.dir, p.from, p.to, p.pkt, lab.WireReleased, "")
			w.releasedLocked(p)
			w.passLocked(p.dir, p.from, p.to, p.pkt, &out)
			w.mu.Unlock()
			out.send(w.port.room)
			return sum, true
		}
		w.mu.Unlock()
		select {
		case <-w.heldSig:
		case <-ctx.Done():
			return "", false
		}
	}
}

// nextHeldLocked is the index in w.waiting of the packet Step and Drop
// take: the oldest held that is not a repeat, else the oldest repeat; -1
// when none is held. w.mu is held.
func (w *Wire) nextHeldLocked() int {
	if i := slices.IndexFunc(w.waiting, func(p *waiting) bool { return p.held && !p.repeat }); i >= 0 {
		return i
	}
	return slices.IndexFunc(w.waiting, func(p *waiting) bool { return p.held })
}

// releasedLocked notes a held packet's segment as released, so that its
// retransmissions are held as repeats; w.mu is held.
func (w *Wire) releasedLocked(p *waiting) {
	if p.key == "" || slices.Contains(w.released[:], p.key) {
		return
	}
	w.released[w.nextRel] = p.key
	w.nextRel = (w.nextRel + 1) % len(w.released)
}

// repeatsLocked reports whether a packet about to be held repeats a
// segment held or released before; w.mu is held.
func (w *Wire) repeatsLocked(key string) bool {
	if key == "" {
		return false
	}
	return slices.Contains(w.released[:], key) || slices.ContainsFunc(w.waiting, func(p *waiting) bool { return p.held && p.key == key })
}

// segmentKey names a TCP segment that takes sequence space (a SYN, a FIN,
// or data) as its retransmissions repeat it: its direction, addresses,
// ports, sequence number, SYN and FIN, and length. It is "" for any other
// packet (a bare ACK is never retransmitted: two alike are two ACKs).
func segmentKey(dir direction, pkt []byte) string {
	if len(pkt) < 20 || pkt[0]>>4 != 4 || pkt[9] != 6 {
		return ""
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if ihl < 20 || total > len(pkt) || total < ihl+20 {
		return ""
	}
	tcp := pkt[ihl:total]
	off := int(tcp[12]>>4) * 4
	if off < 20 || off > len(tcp) {
		return ""
	}
	synFin := tcp[13] & 0x03
	n := len(tcp) - off
	if synFin == 0 && n == 0 {
		return ""
	}
	var b [1 + 8 + 8 + 1 + 2]byte
	b[0] = byte(dir)
	copy(b[1:9], pkt[12:20])
	copy(b[9:17], tcp[0:8]) // ports, sequence number
	b[17] = synFin
	binary.BigEndian.PutUint16(b[18:], uint16(n))
	return string(b[:])
}

// Release releases every held packet, oldest first, and says how many.
func (w *Wire) Release() int {
	var out sendList
	w.mu.Lock()
	n := w.releaseLocked(toSwitch, &out) + w.releaseLocked(fromSwitch, &out)
	w.mu.Unlock()
	out.send(w.port.room)
	return n
}

// releaseLocked releases every held packet of a direction into out,
// oldest first, and says how many; w.mu is held.
func (w *Wire) releaseLocked(dir direction, out *sendList) int {
	held := w.takeWaiting(true, dir)
	for _, p := range held {
		w.event(p.dir, p.from, p.to, p.pkt, lab.WireReleased, "")
		w.releasedLocked(p)
		w.passLocked(p.dir, p.from, p.to, p.pkt, out)
	}
	return len(held)
}

// Drop drops the oldest held packet that Step would release, and returns
// its summary, or false if none is held.
func (w *Wire) Drop() (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.nextHeldLocked()
	if i < 0 {
		return "", false
	}
	p := w.waiting[i]
	w.waiting = slices.Delete(w.waiting, i, i+1)
	w.dropped++
	return w.event(p.dir, p.from, p.to, p.pkt, lab.WireDropped, lab.WireReasonDrop), true
}

// enter takes a packet the switch carries from port from to port to
// through the wire in direction dir, and sends on what goes on at once.
func (w *Wire) enter(dir direction, from, to *Port, pkt []byte) {
	var out sendList
	w.mu.Lock()
	if w.set[dir].Hold {
		key := segmentKey(dir, pkt)
		repeat := w.repeatsLocked(key)
		w.keep(&waiting{dir: dir, from: from, to: to, pkt: slices.Clone(pkt), held: true, repeat: repeat, key: key})
		reason := ""
		if repeat {
			reason = lab.WireReasonRepeat
		}
		w.event(dir, from, to, pkt, lab.WireHeld, reason)
		select {
		case w.heldSig <- struct{}{}:
		default:
		}
	} else {
		w.passLocked(dir, from, to, pkt, &out)
	}
	w.mu.Unlock()
	out.send(w.port.room)
}

// passLocked runs a packet through the impairments: loss, duplication,
// reordering, then the rate limit and the delay. What goes on at once is
// added to out; w.mu is held. Every packet draws the same four numbers,
// whichever impairments are set, so that the losses a seed makes do not
// depend on the other settings.
func (w *Wire) passLocked(dir direction, from, to *Port, pkt []byte, out *sendList) {
	c, set := &w.dirs[dir], &w.set[dir]
	lose, dup, reorder, jitter := c.rng.Float64(), c.rng.Float64(), c.rng.Float64(), c.rng.Float64()
	if lose < set.Loss {
		w.dropped++
		w.event(dir, from, to, pkt, lab.WireDropped, lab.WireReasonLoss)
		return
	}
	if reorder < set.Reorder && c.slot == nil {
		c.slot = &waiting{w: w, dir: dir, from: from, to: to, pkt: slices.Clone(pkt), at: time.Now().Add(reorderWait)}
		w.port.room.sched.add(c.slot)
		w.event(dir, from, to, pkt, lab.WireReordered, "")
		return
	}
	n := 1
	if dup < set.Duplicate {
		n = 2
		w.event(dir, from, to, pkt, lab.WireDuplicated, "")
	}
	for range n {
		w.sendLocked(c, dir, from, to, pkt, jitter, out)
	}
	if s := c.slot; s != nil {
		c.slot = nil
		w.port.room.sched.remove(s)
		w.sendLocked(c, dir, s.from, s.to, s.pkt, jitter, out)
	}
}

// sendLocked sends a packet on, at once or, with a rate limit or a delay,
// at its deadline; w.mu is held.
func (w *Wire) sendLocked(c *conditioner, dir direction, from, to *Port, pkt []byte, jitter float64, out *sendList) {
	set := &w.set[dir]
	if set.Rate == 0 && set.Delay == 0 && set.Jitter == 0 {
		out.add(dir, from, to, pkt)
		return
	}
	now := time.Now()
	at := now
	if set.Rate > 0 {
		if c.free.After(at) {
			at = c.free
		}
		at = at.Add(time.Duration(len(pkt)) * time.Second / time.Duration(set.Rate))
		c.free = at
	}
	d := set.Delay + time.Duration((2*jitter-1)*float64(set.Jitter))
	at = at.Add(max(d, 0))
	w.keep(&waiting{dir: dir, from: from, to: to, pkt: slices.Clone(pkt), at: at})
	w.event(dir, from, to, pkt, lab.WireDelayed, "")
}

// keep puts a packet among those waiting at the port, dropping the oldest
// over MaxWaiting; w.mu is held.
func (w *Wire) keep(p *waiting) {
	p.w = w
	if len(w.waiting) >= MaxWaiting {
		old := w.waiting[0]
		w.waiting = w.waiting[1:]
		if !old.held {
			w.port.room.sched.remove(old)
			w.port.room.carried()
		}
		w.overflow++
		w.event(old.dir, old.from, old.to, old.pkt, lab.WireDropped, lab.WireReasonOverflow)
	}
	w.waiting = append(w.waiting, p)
	if !p.held {
		// A delayed packet is on its way, for WaitQuiet; a held one
		// waits for the student.
		w.port.room.carrying.Add(1)
		w.port.room.activity.Add(1)
		w.port.room.sched.add(p)
	}
}

// due sends on a packet whose deadline came, unless it left the wire
// since.
func (w *Wire) due(p *waiting) {
	var out sendList
	w.mu.Lock()
	if c := &w.dirs[p.dir]; c.slot == p {
		c.slot = nil
		out.add(p.dir, p.from, p.to, p.pkt)
	} else if i := slices.Index(w.waiting, p); i >= 0 {
		w.waiting = slices.Delete(w.waiting, i, i+1)
		out.add(p.dir, p.from, p.to, p.pkt)
		defer w.port.room.carried()
	}
	w.mu.Unlock()
	out.send(w.port.room)
}

// event records what the wire did to pkt on the trace of the student it
// concerns (the port's host, or, on the lab server's port, the other
// end), and returns the packet's summary; w.mu is held.
func (w *Wire) event(dir direction, from, to *Port, pkt []byte, action lab.WireAction, reason string) string {
	student, hostDir := w.port, lab.Out
	if dir == fromSwitch {
		hostDir = lab.In
	}
	if w.port.lab {
		// The lab server's wire: the packet concerns the other end.
		if dir == toSwitch {
			student, hostDir = to, lab.In
		} else {
			student, hostDir = from, lab.Out
		}
	}
	var sum string
	if p, err := packet.Decode(pkt); err == nil {
		packet.Summarize(&p)
		sum = p.Summary
	}
	room := w.port.room
	room.activity.Add(1)
	if student.events != nil {
		student.events.Record(lab.Event{
			Time: room.cfg.Now(),
			Host: student.addr.String(),
			Kind: lab.KindWire,
			Wire: &lab.WireEvent{Action: action, Dir: hostDir, Summary: sum, Reason: reason},
		})
	}
	return sum
}

// sendList is what a wire sends on once it lets go of its lock: at most
// a packet, its duplicate and the one held back for it at once, or every
// packet released together.
type sendList struct {
	fixed [3]sending
	more  []sending
	n     int
}

type sending struct {
	dir      direction
	from, to *Port
	pkt      []byte
}

func (l *sendList) add(dir direction, from, to *Port, pkt []byte) {
	s := sending{dir, from, to, pkt}
	if l.n < len(l.fixed) {
		l.fixed[l.n] = s
	} else {
		l.more = append(l.more, s)
	}
	l.n++
}

// send sends the packets on through the switch, in order: one that has
// passed its port's wire towards the switch goes on to its destination's
// wire, one that has passed the wire from the switch is delivered, unless
// its destination has left the switch meanwhile.
func (l *sendList) send(r *Room) {
	for i := range l.n {
		var s sending
		if i < len(l.fixed) {
			s = l.fixed[i]
		} else {
			s = l.more[i-len(l.fixed)]
		}
		switch {
		case s.to.detached.Load():
			r.noRoute.Add(1)
		case s.dir == toSwitch:
			r.egress(s.from, s.to, s.pkt, false)
		default:
			r.deliver(s.to, s.pkt, false)
		}
	}
}

// schedule is a room's deadline queue of delayed packets, served by one
// goroutine, started with the first packet delayed and stopped when the
// room closes.
type schedule struct {
	mu      sync.Mutex
	q       waitHeap
	seq     uint64
	wake    chan struct{} // the earliest deadline changed
	stop    chan struct{}
	done    chan struct{}
	running bool
	closed  bool
}

func newSchedule() *schedule {
	return &schedule{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// add schedules p for its deadline.
func (s *schedule) add(p *waiting) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		p.index = -1
		return
	}
	s.seq++
	p.seq = s.seq
	heap.Push(&s.q, p)
	if !s.running {
		s.running = true
		go s.run()
	}
	if p.index == 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// remove takes p off the schedule, if it is on it.
func (s *schedule) remove(p *waiting) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.index >= 0 && p.index < len(s.q) && s.q[p.index] == p {
		heap.Remove(&s.q, p.index)
	}
}

// run sends on each packet at its deadline, until close.
func (s *schedule) run() {
	defer close(s.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		s.mu.Lock()
		now := time.Now()
		var due []*waiting
		for len(s.q) > 0 && !s.q[0].at.After(now) {
			due = append(due, heap.Pop(&s.q).(*waiting))
		}
		next := time.Hour
		if len(s.q) > 0 {
			next = s.q[0].at.Sub(now)
		}
		s.mu.Unlock()
		for _, p := range due {
			p.w.due(p)
		}
		if len(due) > 0 {
			continue // the deadlines may have passed meanwhile
		}
		t.Reset(next)
		select {
		case <-t.C:
		case <-s.wake:
		case <-s.stop:
			return
		}
	}
}

// close stops the schedule's goroutine, dropping what it still delays.
func (s *schedule) close() {
	s.mu.Lock()
	s.closed = true
	running := s.running
	s.q = nil
	s.mu.Unlock()
	if running {
		close(s.stop)
		<-s.done
	}
}

// waitHeap orders waiting packets by deadline, then by when they came.
type waitHeap []*waiting

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waitHeap) Push(x any) {
	p := x.(*waiting)
	p.index = len(*h)
	*h = append(*h, p)
}
func (h *waitHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	p.index = -1
	*h = old[:len(old)-1]
	return p
}
