package bridge

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/socketlab/socketlab/lab"
)

// The lab server's events are most of what the bridge writes as text, a
// couple for each packet a student sends to a service; encoding/json's
// reflection is most of their cost. AppendEventMessage encodes them
// directly, byte for byte as encoding/json does, and leaves anything else
// to it (BenchmarkEncodeEvent). Clients decode them with encoding/json: a
// traced client reads events at the speed a student makes calls.

// AppendEventMessage appends to b the text message that carries e, exactly
// as json.Marshal(EventMessage{Type: TypeEvent, Event: *e}) writes it. It
// writes calls and state changes; for any other event, or a time that JSON
// cannot hold, it reports false and leaves b as it was, for json.Marshal.
func AppendEventMessage(b []byte, e *lab.Event) ([]byte, bool) {
	start := len(b)
	hasCall, hasState := e.Call != nil, e.State != nil
	if e.Packet != nil || e.Session != nil || e.Wire != nil || hasCall == hasState {
		return b, false
	}
	b = append(b, `{"type":"event","event":{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	if e.Before != 0 {
		b = append(b, `,"before":`...)
		b = strconv.AppendUint(b, e.Before, 10)
	}
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
		if c.Local.IsValid() {
			b = append(b, `,"local":`...)
			b = appendAddrPort(b, c.Local)
		}
		if c.Peer.IsValid() {
			b = append(b, `,"peer":`...)
			b = appendAddrPort(b, c.Peer)
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
		b = appendAddrPort(b, s.Local)
		if s.Peer.IsValid() {
			b = append(b, `,"peer":`...)
			b = appendAddrPort(b, s.Peer)
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

// appendAddrPort appends a as its MarshalText does, quoted: "" for the
// zero AddrPort. An IPv6 zone, which may need escaping, takes the slow
// way.
func appendAddrPort(b []byte, a netip.AddrPort) []byte {
	if a.Addr().Zone() != "" {
		return appendString(b, a.String())
	}
	b = append(b, '"')
	b = a.AppendTo(b)
	return append(b, '"')
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
