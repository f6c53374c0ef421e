package bridge

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/socketlab/socketlab/lab"
)

// The lab server's events are most of what the bridge writes as text, a
// couple for each packet a student sends to a service; encoding/json's
// reflection is most of their cost. AppendEventMessage and
// decodeEventMessage encode and decode them directly, byte for byte as
// encoding/json does, and leave anything else to it.

// AppendEventMessage appends to b the text message that carries e, exactly
// as json.Marshal(EventMessage{Type: TypeEvent, Event: *e}) writes it. It
// writes calls and state changes; for any other event, or a time that JSON
// cannot hold, it reports false and leaves b as it was, for json.Marshal.
func AppendEventMessage(b []byte, e *lab.Event) ([]byte, bool) {
	start := len(b)
	hasCall, hasState := e.Call != nil, e.State != nil
	if e.Packet != nil || e.Session != nil || hasCall == hasState {
		return b, false
	}
	b = append(b, `{"type":"event","event":{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"time":`...)
	var ok bool
	if b, ok = appendTime(b, e.Time); !ok {
		return b[:start], false
	}
	b = append(b, `,"host":`...)
	b = appendString(b, e.Host)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(e.Kind))
	if c := e.Call; c != nil {
		b = append(b, `,"call":{"socket":`...)
		b = strconv.AppendInt(b, int64(c.Socket), 10)
		b = append(b, `,"proto":`...)
		b = appendString(b, c.Proto)
		b = append(b, `,"name":`...)
		b = appendString(b, c.Name)
		b = append(b, `,"args":`...)
		if c.Args == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i, a := range c.Args {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, a)
			}
			b = append(b, ']')
		}
		b = append(b, `,"result":`...)
		b = appendString(b, c.Result)
		if c.Error != "" {
			b = append(b, `,"error":`...)
			b = appendString(b, c.Error)
		}
		if c.Errno != 0 {
			b = append(b, `,"errno":`...)
			b = strconv.AppendInt(b, int64(c.Errno), 10)
		}
		if c.Exception != "" {
			b = append(b, `,"exception":`...)
			b = appendString(b, c.Exception)
		}
		if c.Local != "" {
			b = append(b, `,"local":`...)
			b = appendString(b, c.Local)
		}
		if c.Peer != "" {
			b = append(b, `,"peer":`...)
			b = appendString(b, c.Peer)
		}
		if c.Bytes != 0 {
			b = append(b, `,"bytes":`...)
			b = strconv.AppendInt(b, int64(c.Bytes), 10)
		}
		if c.NewFD != 0 {
			b = append(b, `,"new_socket":`...)
			b = strconv.AppendInt(b, int64(c.NewFD), 10)
		}
		b = append(b, `,"start":`...)
		if b, ok = appendTime(b, c.Start); !ok {
			return b[:start], false
		}
		b = append(b, `,"end":`...)
		if b, ok = appendTime(b, c.End); !ok {
			return b[:start], false
		}
		b = append(b, '}')
	}
	if s := e.State; s != nil {
		b = append(b, `,"state":{"socket":`...)
		b = strconv.AppendInt(b, int64(s.Socket), 10)
		b = append(b, `,"proto":`...)
		b = appendString(b, s.Proto)
		b = append(b, `,"local":`...)
		b = appendString(b, s.Local)
		if s.Peer != "" {
			b = append(b, `,"peer":`...)
			b = appendString(b, s.Peer)
		}
		b = append(b, `,"from":`...)
		b = appendString(b, string(s.From))
		b = append(b, `,"to":`...)
		b = appendString(b, string(s.To))
		b = append(b, '}')
	}
	return append(b, "}}"...), true
}

// appendTime appends t as time.Time's MarshalJSON does; false for a time
// it refuses (a year outside 0 to 9999, a zone offset in seconds).
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off%60 != 0 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters included, invalid UTF-8 as U+FFFD).
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decoder decodes the event messages AppendEventMessage writes, as
// json.Unmarshal into an EventMessage would. It gives up, reporting false,
// at anything it does not expect: the caller then asks json.Unmarshal. It
// keeps one copy of the strings events repeat (addresses, names, states),
// so that an event costs few allocations. It is not safe for concurrent
// use.
type decoder struct {
	b       []byte
	i       int
	strs    map[string]string
	scratch []byte
}

// A decoder keeps at most maxInterned strings, none longer than
// maxInternLen.
const (
	maxInterned  = 1024
	maxInternLen = 32
)

// decodeEventMessage decodes b into m; false if it cannot, and m is then to
// be thrown away.
func (d *decoder) decodeEventMessage(b []byte, m *EventMessage) bool {
	d.b, d.i = b, 0
	ok := d.message(m) && d.end()
	d.b = nil
	return ok
}

// object reads a JSON object, handing each key to field, which reads its
// value and reports whether it could; an unknown key is field's false.
func (d *decoder) object(field func(key []byte) bool) bool {
	if !d.byte('{') {
		return false
	}
	for first := true; ; first = false {
		key, more, ok := d.key(first)
		switch {
		case !ok:
			return false
		case !more:
			return true
		}
		if !field(key) {
			return false
		}
	}
}

func (d *decoder) message(m *EventMessage) bool {
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			return d.str(&m.Type, true)
		case "event":
			return d.event(&m.Event)
		}
		return false
	})
}

func (d *decoder) event(e *lab.Event) bool {
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "seq":
			var ok bool
			e.Seq, ok = d.uint()
			return ok
		case "time":
			return d.time(&e.Time)
		case "host":
			return d.str(&e.Host, true)
		case "kind":
			var k string
			ok := d.str(&k, true)
			e.Kind = lab.Kind(k)
			return ok
		case "call":
			switch {
			case d.null():
				e.Call = nil
				return true
			case e.Call == nil:
				e.Call = new(lab.Call)
			}
			return d.call(e.Call)
		case "state":
			switch {
			case d.null():
				e.State = nil
				return true
			case e.State == nil:
				e.State = new(lab.StateChange)
			}
			return d.state(e.State)
		}
		return false
	})
}

func (d *decoder) call(c *lab.Call) bool {
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "socket":
			return d.intTo(&c.Socket)
		case "proto":
			return d.str(&c.Proto, true)
		case "name":
			return d.str(&c.Name, true)
		case "args":
			return d.strings(&c.Args)
		case "result":
			return d.str(&c.Result, true)
		case "error":
			return d.str(&c.Error, false)
		case "errno":
			var n int
			ok := d.intTo(&n)
			c.Errno = lab.Errno(n)
			return ok
		case "exception":
			return d.str(&c.Exception, true)
		case "local":
			return d.str(&c.Local, true)
		case "peer":
			return d.str(&c.Peer, true)
		case "bytes":
			return d.intTo(&c.Bytes)
		case "new_socket":
			return d.intTo(&c.NewFD)
		case "start":
			return d.time(&c.Start)
		case "end":
			return d.time(&c.End)
		}
		return false
	})
}

func (d *decoder) state(s *lab.StateChange) bool {
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "socket":
			return d.intTo(&s.Socket)
		case "proto":
			return d.str(&s.Proto, true)
		case "local":
			return d.str(&s.Local, true)
		case "peer":
			return d.str(&s.Peer, true)
		case "from":
			return d.stateName(&s.From)
		case "to":
			return d.stateName(&s.To)
		}
		return false
	})
}

// stateName reads a socket state, sharing the string it had when the
// same.
func (d *decoder) stateName(p *lab.SocketState) bool {
	v := string(*p)
	ok := d.str(&v, true)
	*p = lab.SocketState(v)
	return ok
}

// key reads the next key of an object whose '{' has been read, and the
// colon after it; more is false at the object's end. Keys are plain ASCII:
// anything else is left to encoding/json, which also matches them without
// regard to case.
func (d *decoder) key(first bool) (key []byte, more, ok bool) {
	if d.byte('}') {
		return nil, false, true
	}
	if !first && !d.byte(',') {
		return nil, false, false
	}
	if !d.byte('"') {
		return nil, false, false
	}
	j := d.i
	for j < len(d.b) && d.b[j] != '"' && d.b[j] != '\\' && d.b[j] >= 0x20 && d.b[j] < utf8.RuneSelf {
		j++
	}
	if j == len(d.b) || d.b[j] != '"' {
		return nil, false, false
	}
	key = d.b[d.i:j]
	d.i = j + 1
	if !d.byte(':') {
		return nil, false, false
	}
	return key, true, true
}

// byte consumes c, after any white space, if it is next.
func (d *decoder) byte(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (d *decoder) end() bool {
	d.space()
	return d.i == len(d.b)
}

// null consumes a null, if it is next.
func (d *decoder) null() bool {
	d.space()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// int reads an integer, as a JSON number without fraction or exponent.
func (d *decoder) int() (int64, bool) {
	d.space()
	neg := d.i < len(d.b) && d.b[d.i] == '-'
	if neg {
		d.i++
	}
	j := d.i
	var n int64
	for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' && j-d.i < 15 {
		n = n*10 + int64(d.b[j]-'0')
		j++
	}
	if j == d.i || j < len(d.b) && (d.b[j] >= '0' && d.b[j] <= '9' || d.b[j] == '.' || d.b[j] == 'e' || d.b[j] == 'E') || d.b[d.i] == '0' && j-d.i > 1 {
		return 0, false
	}
	d.i = j
	if neg {
		n = -n
	}
	return n, true
}

// uint reads an unsigned integer (not even -0).
func (d *decoder) uint() (uint64, bool) {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '-' {
		return 0, false
	}
	n, ok := d.int()
	return uint64(n), ok
}

func (d *decoder) intTo(p *int) bool {
	n, ok := d.int()
	*p = int(n)
	return ok
}

// time reads a time as time.Time's UnmarshalJSON does.
func (d *decoder) time(t *time.Time) bool {
	d.space()
	j := d.i
	if j >= len(d.b) || d.b[j] != '"' {
		return false
	}
	j++
	for j < len(d.b) && d.b[j] != '"' && d.b[j] != '\\' {
		j++
	}
	if j == len(d.b) || d.b[j] != '"' {
		return false
	}
	if t.UnmarshalJSON(d.b[d.i:j+1]) != nil {
		return false
	}
	d.i = j + 1
	return true
}

// strings reads an array of strings, or null.
func (d *decoder) strings(p *[]string) bool {
	if d.null() {
		*p = nil
		return true
	}
	if !d.byte('[') {
		return false
	}
	out := (*p)[:0]
	if out == nil {
		out = []string{}
	}
	if d.byte(']') {
		*p = out
		return true
	}
	for {
		var s string
		if !d.str(&s, false) {
			return false
		}
		out = append(out, s)
		if d.byte(']') {
			*p = out
			return true
		}
		if !d.byte(',') {
			return false
		}
	}
}

// str reads a string, kept once among the decoder's strings if intern is
// set. null leaves *p as it was, as encoding/json does.
func (d *decoder) str(p *string, intern bool) bool {
	if d.null() {
		return true
	}
	if !d.byte('"') {
		return false
	}
	// The closing quote is the first one after an even run of
	// backslashes.
	j := d.i
	for {
		k := bytes.IndexByte(d.b[j:], '"')
		if k < 0 {
			return false
		}
		j += k
		n := 0
		for m := j - 1; m >= d.i && d.b[m] == '\\'; m-- {
			n++
		}
		if n%2 == 0 {
			break
		}
		j++
	}
	raw := d.b[d.i:j]
	d.i = j + 1
	plain := true
	for _, c := range raw {
		if c < 0x20 {
			return false
		}
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
		}
	}
	if !plain {
		var ok bool
		if raw, ok = d.unquote(raw); !ok {
			return false
		}
	}
	if !intern || len(raw) > maxInternLen {
		*p = string(raw)
		return true
	}
	if s, ok := d.strs[string(raw)]; ok {
		*p = s
		return true
	}
	s := string(raw)
	if d.strs == nil {
		d.strs = map[string]string{}
	}
	if len(d.strs) < maxInterned {
		d.strs[s] = s
	}
	*p = s
	return true
}

// unquote undoes a JSON string's escapes into the decoder's scratch
// buffer; false for invalid UTF-8 and surrogates, left to encoding/json.
func (d *decoder) unquote(raw []byte) ([]byte, bool) {
	if !utf8.Valid(raw) {
		return nil, false
	}
	out := d.scratch[:0]
	for len(raw) > 0 {
		k := bytes.IndexByte(raw, '\\')
		if k < 0 {
			out = append(out, raw...)
			break
		}
		out = append(out, raw[:k]...)
		raw = raw[k:]
		if len(raw) < 2 {
			return nil, false
		}
		switch e := raw[1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if len(raw) < 6 {
				return nil, false
			}
			var r rune
			for _, h := range raw[2:6] {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 | rune(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					return nil, false
				}
			}
			if r >= 0xd800 && r < 0xe000 {
				return nil, false
			}
			out = utf8.AppendRune(out, r)
			raw = raw[6:]
			continue
		default:
			return nil, false
		}
		raw = raw[2:]
	}
	d.scratch = out
	return out, true
}
