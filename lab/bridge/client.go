package bridge

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/netstack"
	"github.com/socketlab/socketlab/lab/packet"
	"github.com/socketlab/socketlab/lab/sock"
)

// SendQueue bounds the packets waiting to go up the WebSocket; more are
// dropped, as a congested link drops them, and TCP sends them again.
const SendQueue = 256

// Client is a student's host joined to a lab over the bridge: a gVisor
// stack whose link is a WebSocket. It builds natively and for js/wasm.
type Client struct {
	conn    *websocket.Conn
	hello   Hello
	host    *netstack.Host
	sockets *sock.Stack
	trace   *lab.Trace
	tracker packet.Tracker
	now     func() time.Time
	start   time.Time // when the session began, on now's clock
	clock   clock     // the server clock's offset

	out   chan *[]byte
	pool  sync.Pool
	stop  context.CancelFunc
	wg    sync.WaitGroup
	done  chan struct{}
	once  sync.Once
	err   error // why the session ended; set before done closes
	drops atomic.Uint64

	// Requests: their messages, for the writer; the callers waiting for
	// answers, by id; the server's error messages, counted.
	requests     chan []byte
	lastID       atomic.Uint64
	mu           sync.Mutex
	waiting      map[uint64]chan<- []byte
	serverErrors atomic.Uint64
	// bye is why the server ended the session, from its bye message
	// (guarded by mu).
	bye *websocket.CloseError

	// Look-in and spotlight (mirror.go): the mirror while one runs
	// (guarded by mu), under runCtx; the hooks from Options.
	mirror      *mirroring
	runCtx      context.Context
	onWatch     func(WatchMessage)
	onSpotlight func(SpotlightMessage)
	// wireOn says that the wire of the session's port did something to
	// packets, as its last answer said: while it does, the host's sent
	// packets are remembered (sent, guarded by mu) to link the wire's
	// events to them.
	wireOn atomic.Bool
	sent   [sentKept]sentPacket
	nSent  int
	// onWorkshop is Options.OnWorkshop.
	onWorkshop func(WorkshopMessage)
}

// sentKept is how many of its last packets the client remembers, while
// the wire is on.
const sentKept = 64

// sentPacket is a packet the host sent: its event's number, its summary
// as the wire's events say it (its numbers raw), and whether a wire event
// is linked to it already.
type sentPacket struct {
	seq    uint64
	sum    string
	linked bool
	held   bool // the wire holds it: linked to a held event, not yet released or dropped
}

// MaxRequests bounds the requests (ServerSockets) waiting to be written.
const MaxRequests = 16

// AnswerTimeout bounds how long a request waits for its answer.
const AnswerTimeout = 10 * time.Second

// Options adjust a client. The zero value is fine.
type Options struct {
	// Trace records what the host sees; nil means a new one. Passing the
	// trace of an ended session keeps one history across reconnections.
	Trace *lab.Trace
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Untraced makes a host that records nothing, for a load generator,
	// whose hosts' traces nobody reads: no packet is decoded, no call,
	// socket state or server event is recorded, and Trace is nil.
	Untraced bool
	// Header is sent with the WebSocket's upgrade request, such as a
	// workshop student's Cookie. A browser sends the page's cookies
	// itself, and ignores it.
	Header http.Header
	// OnWatch is called with each watch message (who sees the student's
	// trace), and OnSpotlight with each spotlight message (a classmate's
	// trace), in a workshop. They run on the client's reader: they must
	// be quick.
	OnWatch     func(WatchMessage)
	OnSpotlight func(SpotlightMessage)
	// OnWorkshop, if set, is called with each workshop message the
	// server sends (in a workshop: after the hello, and whenever the
	// workshop's pacing, message or the student's hand changes), on the
	// client's reading goroutine: it must not block.
	OnWorkshop func(WorkshopMessage)
	// HTTPClient dials the WebSocket, such as a load generator's that
	// keeps the connection to inject faults into it; nil means
	// http.DefaultClient. A browser dials itself, and ignores it.
	HTTPClient *http.Client
}

// Dial joins a lab at url (ws://host:port/bridge), waits for the server's
// hello and starts the host.
func Dial(ctx context.Context, url string, opts *Options) (*Client, error) {
	if opts == nil {
		opts = &Options{}
	}
	conn, _, err := websocket.Dial(ctx, url, dialOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("dial bridge: %w", err)
	}
	conn.SetReadLimit(MaxText)
	hello, err := readHello(ctx, conn)
	if err != nil {
		conn.Close(CloseProtocol, "bad hello")
		return nil, err
	}
	c := &Client{
		conn:       conn,
		hello:      hello,
		trace:      opts.Trace,
		onWorkshop: opts.OnWorkshop,
		now:        opts.Now,
		out:        make(chan *[]byte, SendQueue),
		done:       make(chan struct{}),

		requests: make(chan []byte, MaxRequests),
		waiting:  map[uint64]chan<- []byte{},

		onWatch:     opts.OnWatch,
		onSpotlight: opts.OnSpotlight,
	}
	switch {
	case opts.Untraced:
		c.trace = nil
	case c.trace == nil:
		c.trace = lab.NewTrace(0)
	}
	if c.now == nil {
		c.now = time.Now
	}
	mtu := hello.Host.MTU
	c.pool.New = func() any { b := make([]byte, mtu); return &b }
	addr := netip.MustParseAddr(hello.Host.Address) // checked by readHello
	cfg := netstack.Config{
		Addr:    netip.PrefixFrom(addr, hello.Host.Prefix),
		Gateway: netip.MustParseAddr(hello.Host.Gateway),
		MTU:     mtu,
		Output:  c.send,
		Now:     c.now,
	}
	var rec lab.Recorder // a nil *lab.Trace in it would not be nil
	if c.trace != nil {
		cfg.Observe, cfg.Recorder, rec = c.observe, c.trace, c.trace
	}
	c.host, err = netstack.New(cfg)
	if err != nil {
		conn.Close(CloseInternalErr, "")
		return nil, fmt.Errorf("start host: %w", err)
	}
	c.sockets = sock.New(c.host, rec)
	c.start = c.now()
	c.record(lab.Event{Time: c.start, Host: hello.Host.Address, Kind: lab.KindSession, Session: &lab.SessionEvent{
		What:    "hello",
		Message: fmt.Sprintf("joined the lab as %s (session %s); the lab server is %s", hello.Host.Address, hello.Session, hello.Host.Gateway),
		Address: hello.Host.Address, Server: hello.Host.Gateway, Session: hello.Session,
	}})

	runCtx, stop := context.WithCancel(context.Background())
	c.stop, c.runCtx = stop, runCtx
	c.wg.Add(2)
	go func() { defer c.wg.Done(); c.end(c.readLoop()) }()
	go func() { defer c.wg.Done(); c.end(c.afterWrite(c.writeLoop(runCtx))) }()
	if c.trace != nil {
		// Only a trace needs the server's clock.
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.keepClock(runCtx) }()
	}
	return c, nil
}

func readHello(ctx context.Context, conn *websocket.Conn) (Hello, error) {
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return Hello{}, fmt.Errorf("read hello: %w", err)
	}
	var h Hello
	if typ != websocket.MessageText || json.Unmarshal(b, &h) != nil || h.Type != TypeHello {
		return Hello{}, errors.New("read hello: the server's first message is not a hello")
	}
	if h.Version != Version {
		return Hello{}, fmt.Errorf("read hello: server speaks version %d, this client %d", h.Version, Version)
	}
	addr, err1 := netip.ParseAddr(h.Host.Address)
	gw, err2 := netip.ParseAddr(h.Host.Gateway)
	if err1 != nil || err2 != nil || !addr.Is4() || !gw.Is4() || h.Host.Prefix < 8 || h.Host.Prefix > 30 || h.Host.MTU < 576 || h.Host.MTU > 65535 {
		return Hello{}, fmt.Errorf("read hello: bad host configuration %+v", h.Host)
	}
	return h, nil
}

// Hello is what the server said when the session began.
func (c *Client) Hello() Hello { return c.hello }

// Addr is the host's address.
func (c *Client) Addr() netip.Addr { return c.host.Addr() }

// Sockets makes the host's sockets, traced unless the client is untraced.
func (c *Client) Sockets() *sock.Stack { return c.sockets }

// Trace is everything the host has seen: its calls, states and packets,
// and the lab server's calls and states for its connections; nil for an
// untraced client.
func (c *Client) Trace() *lab.Trace { return c.trace }

// record puts e on the trace, if the client has one.
func (c *Client) record(e lab.Event) {
	if c.trace != nil {
		c.trace.Record(e)
	}
}

// Dropped counts packets the host sent that the link had no room for.
func (c *Client) Dropped() uint64 { return c.drops.Load() }

// Done is closed when the session ends; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the session ended, once Done is closed.
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// send queues one outbound packet; it never blocks the stack.
func (c *Client) send(pkt []byte) {
	bp := c.pool.Get().(*[]byte)
	*bp = append((*bp)[:0], pkt...)
	select {
	case c.out <- bp:
	default:
		c.drops.Add(1)
		c.pool.Put(bp)
	}
}

// closeReasonWait is how long a failed write waits for the reader's
// reason before it ends the session with its own.
const closeReasonWait = 500 * time.Millisecond

// afterWrite is the write loop's end. A write fails when the connection
// closes under it, as it does once the server's close frame has been
// read: the reader's reason (the close code and its words) is the
// session's if it comes within closeReasonWait, not "use of closed
// network connection" (TestKeepStopsWhenWorkshopEnds saw that once).
func (c *Client) afterWrite(err error) error {
	if err == nil {
		return nil
	}
	select {
	case <-c.done:
	case <-time.After(closeReasonWait):
	}
	return err
}

// writeLoop writes the host's packets and requests, the connection's only
// writer of data. The writes themselves take no context (a context would cost a
// timer for each): when the session ends, the connection is closed, and a
// blocked write returns.
func (c *Client) writeLoop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case bp := <-c.out:
			err := c.conn.Write(context.Background(), websocket.MessageBinary, *bp)
			c.pool.Put(bp)
			if err != nil {
				return fmt.Errorf("write packet: %w", err)
			}
		case b := <-c.requests:
			if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
				return fmt.Errorf("write request: %w", err)
			}
		}
	}
}

// readLoop reads the server's messages, each into the same buffer: a
// packet goes into the host's stack from here, with no goroutine between;
// a text message is taken by text. As with writes, reads take no context: the
// session's end closes the connection.
func (c *Client) readLoop() error {
	var buf bytes.Buffer
	for {
		typ, r, err := c.conn.Reader(context.Background())
		if err != nil {
			c.mu.Lock()
			bye := c.bye
			c.mu.Unlock()
			if bye != nil {
				// A browser keeps the close frame's code to itself: the
				// server's bye says it.
				err = *bye
			}
			return fmt.Errorf("read bridge: %w", err)
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return fmt.Errorf("read bridge: %w", err)
		}
		switch typ {
		case websocket.MessageBinary:
			c.host.Inject(buf.Bytes())
		case websocket.MessageText:
			c.text(buf.Bytes())
		}
	}
}

// eventPrefix begins every event message: the server writes the type
// first.
var eventPrefix = []byte(`{"type":"event",`)

// text takes a text message from the server: an event, the most common by
// far, goes on the trace; an answer goes to the request waiting for it; an
// error message is a session event on the trace, and counted, besides.
// What the client does not know, it leaves.
func (c *Client) text(b []byte) {
	if bytes.HasPrefix(b, eventPrefix) {
		if c.trace != nil {
			c.serverEvent(b)
		}
		return
	}
	var m Envelope
	if json.Unmarshal(b, &m) != nil {
		return
	}
	switch m.Type {
	case TypeError:
		c.serverError(b)
	case TypeWatch:
		c.watch(b)
		return
	case TypeSpotlight:
		c.spotlight(b)
		return
	case TypeBye:
		var bye ByeMessage
		if json.Unmarshal(b, &bye) == nil {
			c.mu.Lock()
			c.bye = &websocket.CloseError{Code: websocket.StatusCode(bye.Code), Reason: bye.Reason}
			c.mu.Unlock()
		}
		return
	case TypeWorkshop:
		var w WorkshopMessage
		if c.onWorkshop != nil && json.Unmarshal(b, &w) == nil {
			c.onWorkshop(w)
		}
		return
	}
	if m.ID == 0 {
		return
	}
	c.mu.Lock()
	answer := c.waiting[m.ID]
	delete(c.waiting, m.ID)
	c.mu.Unlock()
	if answer != nil {
		answer <- bytes.Clone(b) // the channel has room for it
	}
}

// serverError records an error message of the server's, as a session
// event, and counts it.
func (c *Client) serverError(b []byte) {
	c.serverErrors.Add(1)
	var m ErrorMessage
	if json.Unmarshal(b, &m) != nil {
		return
	}
	c.record(lab.Event{Time: c.now(), Host: c.hello.Host.Address, Kind: lab.KindSession, Session: &lab.SessionEvent{
		What:    "error",
		Message: "the lab server refused a request: " + m.Message,
	}})
}

// ServerErrors counts the error messages the server sent: its answers to
// requests it could not take.
func (c *Client) ServerErrors() uint64 { return c.serverErrors.Load() }

// serverEvent places an event of the lab server's on the trace: its times,
// on the server's clock, converted to this host's by the clock's
// estimate, and within its uncertainty ordered by causality (see
// lab.Trace.Place); never before the session began, nor after it arrived.
// Before the first exchange of times has come back, it is placed at its
// arrival.
func (c *Client) serverEvent(b []byte) {
	var m EventMessage
	if json.Unmarshal(b, &m) != nil || m.Type != TypeEvent {
		return
	}
	e := m.Event
	if e.Kind != lab.KindCall && e.Kind != lab.KindState && e.Kind != lab.KindWire {
		return
	}
	if (e.Kind == lab.KindCall) != (e.Call != nil) || (e.Kind == lab.KindState) != (e.State != nil) || (e.Kind == lab.KindWire) != (e.Wire != nil) {
		return
	}
	e.Packet, e.Session = nil, nil
	if e.Wire != nil {
		e.Wire.Packet = 0
		c.linkWire(e.Wire)
	}
	now := c.now()
	r := lab.Remote{NotBefore: c.start, NotAfter: now}
	var ok bool
	if r.Offset, r.Uncertainty, ok = c.clock.estimate(now); !ok {
		r.Offset, r.Uncertainty = now.Sub(e.Time), noClockUncertainty
	}
	c.trace.Place(e, r)
}

// ServerSockets asks the lab server for its socket table as it concerns
// this session: its listening and unconnected sockets, and its
// connections with this host. It waits for the answer until ctx ends, the
// session ends or AnswerTimeout passes. It is safe for concurrent use.
func (c *Client) ServerSockets(ctx context.Context) ([]lab.SocketInfo, error) {
	var m SocketsMessage
	if err := c.request(ctx, TypeSockets, nil, &m); err != nil {
		return nil, fmt.Errorf("ask server sockets: %w", err)
	}
	return m.Sockets, nil
}

// Report tells the server, in a workshop, that the student completed a
// step of an exercise (kind lab.ProgressStep, answer "") or answered its
// question right (lab.ProgressAnswer, with the answer), and returns the
// record as the server stored it: on disk, and Confirmed if the server
// saw the step done itself. Outside a workshop the server refuses it. It
// waits as ServerSockets does.
func (c *Client) Report(ctx context.Context, exercise string, step int, kind lab.ProgressKind, answer string) (lab.ProgressRecord, error) {
	var m ReportMessage
	req := &ReportRequest{Type: TypeReport, Exercise: exercise, Step: step, Kind: kind, Answer: answer}
	if err := c.request(ctx, TypeReport, func(id uint64) any { req.ID = id; return req }, &m); err != nil {
		return lab.ProgressRecord{}, fmt.Errorf("report progress: %w", err)
	}
	return m.Record, nil
}

// Progress returns the workshop student's progress records, as the
// server keeps them, whichever session reported them. Outside a workshop
// the server refuses it. It waits as ServerSockets does.
func (c *Client) Progress(ctx context.Context) ([]lab.ProgressRecord, error) {
	var m ProgressMessage
	if err := c.request(ctx, TypeProgress, nil, &m); err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	return m.Records, nil
}

// Hand raises the workshop student's hand (action HandRaise, with an
// optional one-line message), lowers it (HandLower) or asks where it
// stands (HandStatus), and returns its state: HandNone, HandWaiting or
// HandComing. Outside a workshop the server refuses it. It waits as
// ServerSockets does.
func (c *Client) Hand(ctx context.Context, action, message string) (string, error) {
	var m HandMessage
	req := &HandRequest{Type: TypeHand, Action: action, Message: message}
	if err := c.request(ctx, TypeHand, func(id uint64) any { req.ID = id; return req }, &m); err != nil {
		return "", fmt.Errorf("ask for help: %w", err)
	}
	return m.State, nil
}

// answers is the type of the answer to a request whose answer's type is
// not the request's own.
var answers = map[string]string{TypePing: TypePong}

// Wire does a command to the wire of this session's port on the server
// and returns what it did; a step releases a packet already held, or
// none (ConsoleWire's waits for one). It waits as ServerSockets does.
func (c *Client) Wire(ctx context.Context, cmd lab.WireCommand) (lab.WireResult, error) {
	var m WireMessage
	req := &WireRequest{Type: TypeWire, WireCommand: cmd}
	if err := c.request(ctx, TypeWire, func(id uint64) any { req.ID = id; return req }, &m); err != nil {
		return lab.WireResult{}, fmt.Errorf("control the wire: %w", err)
	}
	c.wireOn.Store(!m.Result.State.Clear())
	return m.Result, nil
}

// request sends a request of type typ, the message body(id) or, for a
// nil body, an Envelope, and decodes its answer into answer; an error
// message answers with an error.
func (c *Client) request(ctx context.Context, typ string, body func(id uint64) any, answer any) error {
	ctx, cancel := context.WithTimeout(ctx, AnswerTimeout)
	defer cancel()
	id := c.lastID.Add(1)
	ch := make(chan []byte, 1)
	c.mu.Lock()
	c.waiting[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}()
	var req any = Envelope{Type: typ, ID: id}
	if body != nil {
		req = body(id)
	}
	msg, err := json.Marshal(req)
	if err != nil {
		return err
	}
	select {
	case c.requests <- msg:
	default:
		return fmt.Errorf("more than %d requests waiting to be sent", MaxRequests)
	}
	var b []byte
	select {
	case b = <-ch:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.err
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	switch env.Type {
	case TypeError:
		var e ErrorMessage
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		return fmt.Errorf("the server refused it: %s", e.Message)
	case typ, answers[typ]:
		return json.Unmarshal(b, answer)
	}
	return fmt.Errorf("the server answered with a %q message", env.Type)
}

// observe records a packet crossing one of the host's interfaces.
func (c *Client) observe(iface string, dir lab.Direction, t time.Time, pkt []byte) {
	var seq uint64
	c.tracker.Record(func(e lab.Event) { seq = c.trace.RecordSeq(e) }, c.hello.Host.Address, iface, dir, t, pkt)
	if dir != lab.Out || iface != netstack.LinkName || !c.wireOn.Load() {
		return
	}
	p, err := packet.Decode(pkt)
	if err != nil {
		return
	}
	packet.Summarize(&p)
	c.mu.Lock()
	c.sent[c.nSent%sentKept] = sentPacket{seq: seq, sum: p.Summary}
	c.nSent++
	c.mu.Unlock()
}

// linkWire links a wire event to the packet of the host's it concerns:
// the first thing the wire did to a packet, to the latest it sent with
// the same summary not linked yet; the release or the drop of a held
// packet, to the oldest held with the same summary (the wire lets go of
// held packets oldest first).
func (c *Client) linkWire(w *lab.WireEvent) {
	if w.Dir != lab.Out {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.FirstTouch() {
		for i := c.nSent - 1; i >= max(0, c.nSent-sentKept); i-- {
			if s := &c.sent[i%sentKept]; !s.linked && s.sum == w.Summary {
				s.linked, s.held = true, w.Action == lab.WireHeld
				w.Packet = s.seq
				return
			}
		}
		return
	}
	for i := max(0, c.nSent-sentKept); i < c.nSent; i++ {
		if s := &c.sent[i%sentKept]; s.held && s.sum == w.Summary {
			s.held = false
			w.Packet = s.seq
			return
		}
	}
}

// end ends the session once, for the first reason given.
func (c *Client) end(err error) {
	c.once.Do(func() {
		if err == nil {
			err = errors.New("session closed")
		}
		c.err = err
		c.stop()
		c.conn.CloseNow()
		e := ended("closed", err)
		e.Message = "the session ended: " + e.Reason
		if e.CloseCode != 0 {
			e.Message += fmt.Sprintf(" (%d)", e.CloseCode)
		}
		c.record(lab.Event{Time: c.now(), Host: c.hello.Host.Address, Kind: lab.KindSession, Session: e})
		close(c.done)
	})
}

// ended is the session event what for a session that ended with err: its
// reason and close code as data (the caller words its Message).
func ended(what string, err error) *lab.SessionEvent {
	e := &lab.SessionEvent{What: what, Reason: err.Error()}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		e.CloseCode = int(ce.Code)
		e.Reason = cmp.Or(ce.Reason, "closed by the server")
	}
	return e
}

// Close ends the session with a close frame and stops the host.
func (c *Client) Close() {
	c.conn.Close(CloseNormal, "bye")
	c.end(errors.New("closed by the client"))
	c.wg.Wait()
	c.sockets.Close()
	c.host.Close()
}
