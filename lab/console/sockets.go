package console

import (
	binenc "encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/sock"
)

// socketObj is a socket object of the language.
type socketObj struct {
	s      *sock.Socket
	typ    sock.Type
	fd     int
	closed atomic.Bool
}

func (*socketObj) typeName() string { return "socket" }

// close closes the socket once.
func (so *socketObj) close() error {
	if so.closed.Swap(true) {
		return nil
	}
	return so.s.Close()
}

// kind is the socket's type, as socket.type gives it.
func (so *socketObj) kind() enumValue {
	if so.typ == sock.Datagram {
		return sockDgram
	}
	return sockStream
}

// repr formats the socket as Python does, with its addresses. It asks
// the socket, untraced, so that printing a socket adds nothing to the
// trace.
func (so *socketObj) repr() string { return so.s.Repr() }

func normalAddr(a netip.AddrPort) netip.AddrPort {
	if !a.Addr().IsValid() {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), a.Port())
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// addrValue is an address as Python gives it: ('10.0.0.1', 7).
func addrValue(a netip.AddrPort) value {
	a = normalAddr(a)
	return pair(strValue(a.Addr().String()), intValue(a.Port()))
}

// errBadFD is what some calls on a closed socket raise. Most calls go
// to the socket anyway, which raises it too, so that the trace shows them.
var errBadFD = errnoError(lab.EBADF)

// socketMethod is a method of a socket.
type socketMethod func(ev *evaluator, so *socketObj, a *args) (value, *pyError)

// socketMethods are the methods of sockets.
var socketMethods = map[string]socketMethod{
	"accept":      sockAccept,
	"bind":        sockBind,
	"close":       sockClose,
	"connect":     sockConnect,
	"connect_ex":  sockConnectEx,
	"fileno":      sockFileno,
	"getpeername": sockGetpeername,
	"getsockname": sockGetsockname,
	"getsockopt":  sockGetsockopt,
	"gettimeout":  sockGettimeout,
	"listen":      sockListen,
	"recv":        sockRecv,
	"recvfrom":    sockRecvfrom,
	"send":        sockSend,
	"sendall":     sockSendall,
	"sendto":      sockSendto,
	"setblocking": sockSetblocking,
	"setsockopt":  sockSetsockopt,
	"settimeout":  sockSettimeout,
	"shutdown":    sockShutdown,
}

var none value = noneValue{}

func sockAccept(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.wantSelfOnly(); err != nil {
		return nil, err
	}
	s, addr, err := so.s.Accept(ev.ctx)
	if err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	conn, perr := ev.c.adopt(s, so.typ)
	if perr != nil {
		return nil, perr
	}
	return pair(conn, addrValue(addr)), nil
}

func sockBind(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	addr, err := ev.toAddr("bind", a.pos[0])
	if err != nil {
		return nil, err
	}
	if err := so.s.Bind(addr); err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return none, nil
}

func sockClose(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.wantSelfOnly(); err != nil {
		return nil, err
	}
	ev.c.forget(so)
	if err := so.close(); err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return none, nil
}

// firstRetransmission is when the host's TCP sends an unanswered SYN
// again: gVisor's initial retransmission timeout, as Linux's (RFC 6298).
const firstRetransmission = time.Second

func sockConnect(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	addr, err := ev.toAddr("connect", a.pos[0])
	if err != nil {
		return nil, err
	}
	if err := so.s.Connect(ev.ctx, addr); err != nil {
		perr := fromSock(ev.ctx, err)
		if hint := ev.c.refusedHint(addr); perr.class == "ConnectionRefusedError" && so.typ == sock.Stream && hint != "" {
			perr = &pyError{class: perr.class, text: perr.text, hint: hint}
		}
		if d, ok := so.s.Timeout(); perr.class == "TimeoutError" && so.typ == sock.Stream && ok && d > 0 && d < firstRetransmission {
			perr = &pyError{class: perr.class, text: perr.text, hint: fmt.Sprintf(
				"the timeout (%v) ran out before TCP sends its SYN again (after %v, then twice as long each time): settimeout(3) shows the retries",
				d, firstRetransmission)}
		}
		return nil, perr
	}
	return none, nil
}

// sockConnectEx is connect returning the errno instead of raising it, as
// Python's connect_ex does: 0 when it connected, the errno's number when
// the socket's connect failed (EINPROGRESS, 115, on a non-blocking
// socket; EAGAIN, 11, when its timeout ran out, as CPython gives).
// What is not the socket's failure still raises: a bad address, a name
// that does not resolve, an interruption.
func sockConnectEx(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	addr, perr := ev.toAddr("connect_ex", a.pos[0])
	if perr != nil {
		return nil, perr
	}
	errno, err := so.s.ConnectEx(ev.ctx, addr)
	if err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return intValue(errno), nil
}

func sockFileno(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(0, 0); err != nil {
		return nil, err
	}
	if so.closed.Load() {
		return intValue(-1), nil
	}
	return intValue(so.fd), nil
}

func sockGetpeername(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(0, 0); err != nil {
		return nil, err
	}
	addr, err := so.s.PeerAddr()
	if err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return addrValue(addr), nil
}

func sockGetsockname(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(0, 0); err != nil {
		return nil, err
	}
	addr, err := so.s.LocalAddr()
	if err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return addrValue(addr), nil
}

func sockGettimeout(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(0, 0); err != nil {
		return nil, err
	}
	d, ok := so.s.Timeout()
	if !ok {
		return none, nil
	}
	return floatValue(d.Seconds()), nil
}

func sockListen(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(0, 1); err != nil {
		return nil, err
	}
	backlog := int64(maxBacklog)
	if len(a.pos) == 1 {
		n, err := toInt(a.pos[0])
		if err != nil {
			return nil, err
		}
		backlog = min(max(n, 0), maxBacklog)
	}
	if err := so.s.Listen(int(backlog)); err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return none, nil
}

// recvSize reads the size argument of recv and recvfrom.
func recvSize(method string, a *args) (int, *pyError) {
	n, err := toInt(a.pos[0])
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, valueError("negative buffersize in %s", method)
	}
	if len(a.pos) > 1 {
		if err := flags(a.pos[1]); err != nil {
			return 0, err
		}
	}
	return int(min(n, math.MaxInt)), nil
}

// flags checks the flags argument of a call: the language has none.
func flags(v value) *pyError {
	n, err := toInt(v)
	if err != nil {
		return err
	}
	if n != 0 {
		return errnoError(lab.EOPNOTSUPP)
	}
	return nil
}

func sockRecv(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 2); err != nil {
		return nil, err
	}
	n, err := recvSize("recv", a)
	if err != nil {
		return nil, err
	}
	b, serr := so.s.Recv(ev.ctx, n)
	if serr != nil {
		return nil, fromSock(ev.ctx, serr)
	}
	return bytesValue(b), nil
}

func sockRecvfrom(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 2); err != nil {
		return nil, err
	}
	n, err := recvSize("recvfrom", a)
	if err != nil {
		return nil, err
	}
	b, addr, serr := so.s.RecvFrom(ev.ctx, n)
	if serr != nil {
		return nil, fromSock(ev.ctx, serr)
	}
	return pair(bytesValue(b), addrValue(addr)), nil
}

// sendData reads the data and flags arguments of send and sendall.
func sendData(a *args) ([]byte, *pyError) {
	data, err := toSendBytes(a.pos[0])
	if err != nil {
		return nil, err
	}
	if len(a.pos) > 1 {
		if err := flags(a.pos[1]); err != nil {
			return nil, err
		}
	}
	return []byte(data), nil
}

// toSendBytes reads the data a send call sends: bytes, as toBytes does,
// with a hint for a str, the commonest mistake.
func toSendBytes(v value) (string, *pyError) {
	data, err := toBytes(v)
	if s, ok := v.(strValue); ok && err != nil {
		err.hint = "send bytes: " + bytesLiteral(string(s))
	}
	return data, err
}

// bytesLiteral is how to write s as bytes: b"..." for short ASCII text,
// else with encode.
func bytesLiteral(s string) string {
	const most = 40
	var sb strings.Builder
	sb.WriteString(`b"`)
	for _, r := range s {
		switch {
		case r >= utf8.RuneSelf || sb.Len() > most:
			return `"...".encode()`
		case r == '"' || r == '\\':
			sb.WriteString(`\` + string(r))
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String() + `"`
}

func sockSend(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 2); err != nil {
		return nil, err
	}
	data, err := sendData(a)
	if err != nil {
		return nil, err
	}
	n, serr := so.s.Send(ev.ctx, data)
	if serr != nil {
		return nil, fromSock(ev.ctx, serr)
	}
	return intValue(n), nil
}

func sockSendall(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 2); err != nil {
		return nil, err
	}
	data, err := sendData(a)
	if err != nil {
		return nil, err
	}
	if serr := so.s.SendAll(ev.ctx, data); serr != nil {
		return nil, fromSock(ev.ctx, serr)
	}
	return none, nil
}

func sockSendto(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if len(a.kw) > 0 {
		return nil, typeError("sendto() takes no keyword arguments")
	}
	if n := len(a.pos); n < 2 || n > 3 {
		return nil, typeError("sendto() takes 2 or 3 arguments (%d given)", n)
	}
	data, err := toSendBytes(a.pos[0])
	if err != nil {
		return nil, err
	}
	if len(a.pos) == 3 {
		if err := flags(a.pos[1]); err != nil {
			return nil, err
		}
	}
	addr, err := ev.toAddr("sendto", a.pos[len(a.pos)-1])
	if err != nil {
		return nil, err
	}
	n, serr := so.s.SendTo(ev.ctx, []byte(data), addr)
	if serr != nil {
		return nil, fromSock(ev.ctx, serr)
	}
	return intValue(n), nil
}

func sockSetblocking(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	n, err := toInt(a.pos[0])
	if err != nil {
		return nil, err
	}
	so.s.SetBlocking(n != 0)
	return none, closedError(so)
}

// sockoptArgs reads the level and option name of setsockopt and
// getsockopt.
func sockoptArgs(a *args) (level, name int, err *pyError) {
	l, err := toInt(a.pos[0])
	if err != nil {
		return 0, 0, err
	}
	n, err := toInt(a.pos[1])
	if err != nil {
		return 0, 0, err
	}
	if int64(int32(l)) != l || int64(int32(n)) != n {
		return 0, 0, raise("OverflowError", "signed integer is greater than maximum")
	}
	return int(l), int(n), nil
}

func sockSetsockopt(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(3, 3); err != nil {
		return nil, err
	}
	level, name, err := sockoptArgs(a)
	if err != nil {
		return nil, err
	}
	v, ok := asIndex(a.pos[2])
	if !ok {
		return nil, typeError("a bytes-like object is required, not '%s'", a.pos[2].typeName())
	}
	if int64(int32(v)) != v {
		return nil, raise("OverflowError", "signed integer is greater than maximum")
	}
	if err := so.s.SetSockOpt(level, name, int(v)); err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return none, nil
}

func sockGetsockopt(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(2, 3); err != nil {
		return nil, err
	}
	buflen := int64(-1)
	if len(a.pos) == 3 {
		n, err := toInt(a.pos[2])
		if err != nil {
			return nil, err
		}
		if n <= 0 || n > 1024 {
			return nil, raise("OSError", "getsockopt buflen out of range")
		}
		buflen = n
	}
	level, name, err := sockoptArgs(a)
	if err != nil {
		return nil, err
	}
	v, serr := so.s.GetSockOpt(level, name)
	if serr != nil {
		return nil, fromSock(ev.ctx, serr)
	}
	if buflen > 0 {
		// The option's bytes, as the kernel gives them: a 4-byte int in
		// the host's order, little-endian here as on x86.
		b := binenc.LittleEndian.AppendUint32(nil, uint32(v))
		return bytesValue(b[:min(int(buflen), len(b))]), nil
	}
	return intValue(v), nil
}

func sockSettimeout(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	if _, ok := a.pos[0].(noneValue); ok {
		so.s.SetBlocking(true)
		return none, closedError(so)
	}
	f, ok := asFloat(a.pos[0])
	switch {
	case !ok:
		return nil, typeError("'%s' object cannot be interpreted as an integer", a.pos[0].typeName())
	case math.IsNaN(f):
		return nil, valueError("Invalid value NaN (not a number)")
	case f < 0:
		return nil, valueError("Timeout value out of range")
	case f > maxTimeout:
		return nil, raise("OverflowError", "timestamp out of range for platform time_t")
	}
	// Round up, as Python does, so that a tiny timeout is not 0, which
	// would make the socket non-blocking.
	so.s.SetTimeout(time.Duration(math.Ceil(f * float64(time.Second))))
	return none, closedError(so)
}

// closedError is EBADF if so is closed, else nil. settimeout and
// setblocking keep the timeout even so, as Python does, which sets it
// before it finds the socket closed.
func closedError(so *socketObj) *pyError {
	if so.closed.Load() {
		return errBadFD
	}
	return nil
}

func sockShutdown(ev *evaluator, so *socketObj, a *args) (value, *pyError) {
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	how, err := toInt(a.pos[0])
	if err != nil {
		return nil, err
	}
	if how < 0 || how > 2 {
		return nil, errnoError(lab.EINVAL)
	}
	if err := so.s.Shutdown(sock.How(how)); err != nil {
		return nil, fromSock(ev.ctx, err)
	}
	return none, nil
}

// toAddr reads an AF_INET address, a (host, port) tuple, as Python does.
func (ev *evaluator) toAddr(method string, v value) (netip.AddrPort, *pyError) {
	t, ok := v.(*tupleValue)
	if !ok {
		return netip.AddrPort{}, typeError("%s(): AF_INET address must be tuple, not %s", method, v.typeName())
	}
	if len(t.items) != 2 {
		return netip.AddrPort{}, typeError("AF_INET address must be a pair (host, port)")
	}
	var host string
	switch h := t.items[0].(type) {
	case strValue:
		host = string(h)
	case bytesValue:
		host = string(h)
	default:
		return netip.AddrPort{}, typeError("str, bytes or bytearray expected, not %s", h.typeName())
	}
	port, err := toInt(t.items[1])
	if err != nil {
		return netip.AddrPort{}, err
	}
	if port < 0 || port > 65535 {
		return netip.AddrPort{}, raise("OverflowError", "%s(): port must be 0-65535.", method)
	}
	addr, err := ev.resolve(host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// resolve turns a host into an IPv4 address: "" (any address),
// "<broadcast>", this host's name (see gethostname), which is its own
// address, a dotted quad, or a name, which the host's resolver asks the
// lab's DNS server for, its calls traced like any others ("localhost" the
// resolver knows: 127.0.0.1, the loopback).
func (ev *evaluator) resolve(host string) (netip.Addr, *pyError) {
	switch host {
	case "":
		return netip.IPv4Unspecified(), nil
	case "<broadcast>":
		return netip.AddrFrom4([4]byte{255, 255, 255, 255}), nil
	case ev.c.hostname():
		if ev.c.st == nil {
			return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
		}
		return ev.c.st.Addr(), nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.Is4() {
			return netip.Addr{}, &pyError{class: "gaierror", text: "socket.gaierror: [Errno -9] Address family for hostname not supported"}
		}
		return addr, nil
	}
	if ev.c.st == nil {
		return netip.Addr{}, gaierror
	}
	addr, err := ev.c.st.LookupHost(ev.ctx, host)
	switch {
	case err == nil:
		return addr, nil
	case errors.Is(err, sock.ErrNoSuchHost):
		return netip.Addr{}, gaierror
	case errors.Is(err, sock.ErrNoAddress):
		return netip.Addr{}, &pyError{class: "gaierror", text: "socket.gaierror: [Errno -5] No address associated with hostname"}
	case errors.Is(err, sock.ErrNoAnswer):
		return netip.Addr{}, &pyError{class: "gaierror", text: "socket.gaierror: [Errno -3] Temporary failure in name resolution"}
	}
	return netip.Addr{}, fromSock(ev.ctx, err)
}

// hostname is the host's name, as gethostname gives it: in the lab, its
// address.
func (c *Console) hostname() string {
	if c.st == nil {
		return "localhost"
	}
	return c.st.Addr().String()
}

func gethostname(ev *evaluator, a *args) (value, *pyError) {
	if err := a.want(0, 0); err != nil {
		return nil, err
	}
	return strValue(ev.c.hostname()), nil
}

func gethostbyname(ev *evaluator, a *args) (value, *pyError) {
	if len(a.kw) == 0 && len(a.pos) != 1 {
		return nil, typeError("gethostbyname() takes exactly 1 argument (%d given)", len(a.pos))
	}
	if err := a.want(1, 1); err != nil {
		return nil, err
	}
	host, ok := a.pos[0].(strValue)
	if !ok {
		return nil, typeError("gethostbyname() argument 1 must be str, bytes or bytearray, not %s", a.pos[0].typeName())
	}
	addr, err := ev.resolve(string(host))
	if err != nil {
		return nil, err
	}
	return strValue(addr.String()), nil
}

// getaddrinfo is getaddrinfo(host, port, family=0, type=0, proto=0,
// flags=0): the addresses to try for host and port, one 5-tuple (family,
// type, proto, canonname, sockaddr) for each socket type asked for.
func getaddrinfo(ev *evaluator, a *args) (value, *pyError) {
	vals, err := a.bind("host", "port", "family", "type", "proto", "flags")
	if err != nil {
		return nil, err
	}
	switch {
	case vals[0] == nil && vals[1] == nil:
		return nil, typeError("getaddrinfo() missing 2 required positional arguments: 'host' and 'port'")
	case vals[0] == nil:
		return nil, typeError("getaddrinfo() missing 1 required positional argument: 'host'")
	case vals[1] == nil:
		return nil, typeError("getaddrinfo() missing 1 required positional argument: 'port'")
	}
	var host string
	switch h := vals[0].(type) {
	case noneValue:
	case strValue:
		host = string(h)
	case bytesValue:
		host = string(h)
	default:
		return nil, typeError("getaddrinfo() argument 1 must be string or None")
	}
	var port int64
	switch p := vals[1].(type) {
	case noneValue:
	case strValue:
		n, perr := strconv.ParseUint(string(p), 10, 16)
		if perr != nil {
			return nil, &pyError{class: "gaierror", text: "socket.gaierror: [Errno -8] Servname not supported for ai_socktype"}
		}
		port = int64(n)
	default:
		n, ierr := toInt(p)
		if ierr != nil {
			return nil, typeError("getaddrinfo() argument 2 must be int, str or None")
		}
		if n < 0 || n > 65535 {
			return nil, raise("OverflowError", "getaddrinfo(): port must be 0-65535.")
		}
		port = n
	}
	if v := vals[2]; v != nil {
		n, ierr := toInt(v)
		if ierr != nil {
			return nil, ierr
		}
		if n != 0 && n != afInet.n {
			return nil, &pyError{class: "gaierror", text: "socket.gaierror: [Errno -9] Address family for hostname not supported"}
		}
	}
	// With no type, Linux answers for raw sockets too, which the lab
	// cannot make: they are in the list, as in CPython's.
	kinds := []enumValue{sockStream, sockDgram, sockRaw}
	if v := vals[3]; v != nil {
		n, ierr := toInt(v)
		if ierr != nil {
			return nil, ierr
		}
		switch n {
		case 0:
		case sockStream.n:
			kinds = kinds[:1]
		case sockDgram.n:
			kinds = kinds[1:2]
		default:
			return nil, &pyError{class: "gaierror", text: "socket.gaierror: [Errno -7] ai_socktype not supported"}
		}
	}
	addr := netip.IPv4Unspecified()
	if host != "" {
		var rerr *pyError
		if addr, rerr = ev.resolve(host); rerr != nil {
			return nil, rerr
		}
	}
	items := make([]value, 0, len(kinds))
	for _, k := range kinds {
		proto := map[enumValue]intValue{sockStream: 6, sockDgram: 17}[k]
		t, terr := newTuple([]value{afInet, k, proto, strValue(""), pair(strValue(addr.String()), intValue(port))})
		if terr != nil {
			return nil, terr
		}
		items = append(items, t)
	}
	list, terr := newTuple(items)
	if terr != nil {
		return nil, terr
	}
	list.list = true
	return list, nil
}

// newSocket is socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0,
// fileno=None), and socket(TCP) and socket(UDP).
func newSocket(ev *evaluator, a *args) (value, *pyError) {
	a.name = "socket.__init__"
	if n := len(a.pos); n > 4 {
		return nil, typeError("socket.__init__() takes from 1 to 5 positional arguments but %d were given", n+1)
	}
	vals, err := a.bind("family", "type", "proto", "fileno")
	if err != nil {
		return nil, err
	}
	if sh, ok := vals[0].(shorthandValue); ok {
		if len(a.pos)+len(a.kw) > 1 {
			return nil, typeError("socket(%s) takes no other arguments: %s is short for %s", sh.name, sh.name, shorthandCall(sh))
		}
		return ev.c.newSocket(ev, sh.typ)
	}
	family, typ, proto := int64(2), int64(1), int64(0)
	for i, p := range []*int64{&family, &typ, &proto} {
		if vals[i] == nil {
			continue
		}
		if *p, err = toInt(vals[i]); err != nil {
			return nil, err
		}
	}
	if vals[3] != nil {
		if _, ok := vals[3].(noneValue); !ok {
			return nil, errBadFD
		}
	}
	if family != 2 {
		return nil, errnoError(lab.EAFNOSUPPORT)
	}
	t := sock.Stream
	switch typ {
	case 1:
		if proto != 0 && proto != 6 {
			return nil, raise("OSError", "[Errno 93] Protocol not supported")
		}
	case 2:
		t = sock.Datagram
		if proto != 0 && proto != 17 {
			return nil, raise("OSError", "[Errno 93] Protocol not supported")
		}
	default:
		return nil, raise("OSError", "[Errno 94] Socket type not supported")
	}
	return ev.c.newSocket(ev, t)
}

// createConnection is create_connection(address, timeout=None,
// source_address=None): a TCP socket, with the timeout, bound to the
// source address if given, connected to address; closed again if the
// connect fails.
func createConnection(ev *evaluator, a *args) (value, *pyError) {
	vals, err := a.bind("address", "timeout", "source_address", "all_errors")
	if err != nil {
		return nil, err
	}
	if vals[0] == nil {
		return nil, typeError("create_connection() missing 1 required positional argument: 'address'")
	}
	so, err := ev.c.newSocket(ev, sock.Stream)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		arg value
		do  socketMethod
	}{{vals[1], sockSettimeout}, {vals[2], sockBind}, {vals[0], sockConnect}}
	for _, step := range steps {
		if _, isNone := step.arg.(noneValue); step.arg == nil || isNone {
			continue
		}
		if _, err := step.do(ev, so, &args{name: "create_connection", pos: []value{step.arg}}); err != nil {
			ev.c.forget(so)
			so.close()
			return nil, err
		}
	}
	return so, nil
}
