package loadgen

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/netstack"
)

// soakRate is the round trips a second of a soak's session.
const soakRate = 5

// churn runs sessions outside a workshop one after another until ctx
// ends, the ith worker's starting at the ith kind of SessionKinds.
func (s *soaker) churn(ctx context.Context, i int) {
	for n := i; ctx.Err() == nil; n++ {
		kind := SessionKinds[n%len(SessionKinds)]
		life := s.cfg.SessionLife/2 + rand.N(s.cfg.SessionLife)
		epoch := s.epoch.Load()
		var err error
		if kind == KindMidFrame {
			err = s.midFrame(ctx)
		} else {
			err = s.session(ctx, kind, life)
		}
		if err != nil && ctx.Err() == nil {
			s.fail(epoch, err)
			pause(ctx, time.Second) // the server may be restarting
		}
	}
}

// session is one session of a kind made with the bridge client: it comes
// up, makes round trips to the echo service for life, and ends as its
// kind says.
func (s *soaker) session(ctx context.Context, kind string, life time.Duration) error {
	var mu sync.Mutex
	var fc *faultConn
	dialer := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		fc = newFaultConn(c)
		return fc, nil
	}}}
	uctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	c, err := bridge.Dial(uctx, s.bridgeURL, &bridge.Options{Untraced: true, HTTPClient: hc})
	if err != nil {
		return classify("dial", uctx, nil, err)
	}
	defer c.Close()
	ep, err := c.Sockets().Host().NewEndpoint(netstack.TCP, 3)
	if err != nil {
		return classify("connect", uctx, c, err)
	}
	defer ep.Close()
	if err := ep.Connect(uctx, echoAddr); err != nil {
		return classify("connect", uctx, c, err)
	}
	s.count(s.served, kind)
	if err := s.roundTrips(ctx, c, ep, life); err != nil {
		return err
	}
	mu.Lock()
	conn := fc
	mu.Unlock()
	switch kind {
	case KindStall:
		conn.stall()
		// Keep sending, as a tab whose page froze would, until the
		// windows fill or life is over.
		wctx, cancel := context.WithTimeout(ctx, life)
		msg := make([]byte, 4096)
		for wctx.Err() == nil {
			if _, err := ep.Write(wctx, msg); err != nil {
				break
			}
		}
		cancel()
		conn.Close()
	case KindVanish:
		conn.Close()
	case KindReset:
		conn.reset()
	}
	if kind != KindNormal {
		s.count(s.faults, kind)
	}
	return nil
}

// roundTrips makes soakRate round trips a second on ep for d, or until
// ctx ends.
func (s *soaker) roundTrips(ctx context.Context, c *bridge.Client, ep *netstack.Endpoint, d time.Duration) error {
	end := time.Now().Add(d)
	tick := time.NewTicker(time.Second / soakRate)
	defer tick.Stop()
	msg := make([]byte, MessageSize)
	for time.Now().Before(end) {
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			return classify("session", ctx, c, c.Err())
		case <-tick.C:
		}
		if err := roundTrip(ctx, s.cfg.Timeout, c, ep, msg); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// midFrame opens a session by hand: the WebSocket upgrade, then half a
// binary frame, then the connection closes.
func (s *soaker) midFrame(ctx context.Context) error {
	u, err := url.Parse(s.bridgeURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return classify("dial", ctx, nil, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	var key [16]byte
	binary.LittleEndian.PutUint64(key[:], rand.Uint64())
	binary.LittleEndian.PutUint64(key[8:], rand.Uint64())
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		u.Path, u.Host, base64.StdEncoding.EncodeToString(key[:]))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return classify("dial", ctx, nil, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return &runError{kind: "dial_status", err: fmt.Errorf("upgrade: %s", resp.Status)}
	}
	s.count(s.served, KindMidFrame)
	// A masked binary frame of 1000 bytes, of which 500 are sent.
	frame := []byte{0x82, 0x80 | 126, 1000 >> 8, 1000 & 0xff, 1, 2, 3, 4}
	frame = append(frame, make([]byte, 500)...)
	if _, err := conn.Write(frame); err != nil {
		return classify("send", ctx, nil, err)
	}
	s.count(s.faults, KindMidFrame)
	return nil
}

// faultConn is a session's TCP connection, kept to fail it on purpose.
type faultConn struct {
	net.Conn
	stalled   chan struct{} // closed: reads wait until the connection closes
	closed    chan struct{}
	stallOnce sync.Once
	closeOnce sync.Once
}

func newFaultConn(c net.Conn) *faultConn {
	return &faultConn{Conn: c, stalled: make(chan struct{}), closed: make(chan struct{})}
}

// Read reads, unless the connection stalled: then it waits for Close.
func (f *faultConn) Read(p []byte) (int, error) {
	select {
	case <-f.stalled:
		<-f.closed
		return 0, net.ErrClosed
	default:
	}
	return f.Conn.Read(p)
}

// stall makes the connection stop reading.
func (f *faultConn) stall() { f.stallOnce.Do(func() { close(f.stalled) }) }

// Close closes the connection, no close frame said.
func (f *faultConn) Close() error {
	f.closeOnce.Do(func() { close(f.closed) })
	return f.Conn.Close()
}

// reset closes the connection with a TCP reset.
func (f *faultConn) reset() {
	if tc, ok := f.Conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	f.Close()
}
