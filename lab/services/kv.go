package services

import (
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/match"
	"github.com/tidwall/redcon"
)

// The key-value database's bounds: keys in a store, a key's and a value's
// size, the bytes of keys and values in all, and a request's size (a
// longer one is a protocol error, and the connection ends, as Redis's
// would).
const (
	maxKeys       = 256
	maxKeyBytes   = 256
	maxValueBytes = 4 << 10
	maxKVBytes    = 256 << 10
	maxRequest    = 8 << 10
)

// kvstore is the key-value database's data. The lab server keeps one:
// per student alone, per workshop in one, so that what one connection
// SETs another GETs, long after both closed. Its zero value is empty.
type kvstore struct {
	mu    sync.Mutex
	keys  map[string]kvEntry
	bytes int // len(key)+len(value) of every key
}

// kvEntry is a key's value and when it expires (zero: never).
type kvEntry struct {
	value   []byte
	expires time.Time
}

// keyValue serves one connection of the key-value database: RESP (the
// Redis protocol) or inline commands, a line each ("SET name ada\r\n"),
// read and written with github.com/tidwall/redcon's Reader and Writer.
func (s *Server) keyValue(c net.Conn) { serveKV(c, &s.kv, s.now) }

// serveKV answers the commands read from rw until it ends, QUIT, or a
// protocol error.
func serveKV(rw io.ReadWriter, kv *kvstore, now func() time.Time) {
	in := &budgetReader{r: rw, left: maxRequest}
	rd := redcon.NewReader(in)
	w := redcon.NewWriter(rw)
	for {
		cmd, err := rd.ReadCommand()
		if err != nil {
			if in.err == nil { // the request, not the connection
				w.WriteError("ERR " + protocolError(err))
				w.Flush()
			}
			return
		}
		in.left = maxRequest
		quit := kv.do(w, cmd.Args, now())
		if w.Flush() != nil || quit {
			return
		}
	}
}

// protocolError is err as Redis words a protocol error; redcon's say so
// already.
func protocolError(err error) string {
	if msg := err.Error(); strings.HasPrefix(msg, "Protocol error") {
		return msg
	}
	return "Protocol error: " + err.Error()
}

// budgetReader reads at most left bytes of r, then fails: the bytes of one
// request. err is r's own error, if it failed.
type budgetReader struct {
	r    io.Reader
	left int
	err  error
}

var errRequestTooLong = errors.New("request longer than " + strconv.Itoa(maxRequest) + " bytes")

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errRequestTooLong
	}
	n, err := b.r.Read(p[:min(len(p), b.left)])
	b.left -= n
	b.err = err
	return n, err
}

// do runs one command, writing its reply to w; true for QUIT.
func (kv *kvstore) do(w *redcon.Writer, args [][]byte, now time.Time) bool {
	name := strings.ToUpper(string(args[0]))
	arity, known := kvArity[name]
	switch {
	case !known:
		w.WriteError("ERR unknown command '" + printable(args[0], 40) + "': try PING, SET, GET, DEL, INCR, EXISTS, KEYS, EXPIRE, TTL")
		return false
	case arity > 0 && len(args) != arity, arity < 0 && len(args) < -arity:
		w.WriteError("ERR wrong number of arguments for '" + strings.ToLower(name) + "' command")
		return false
	}
	kv.mu.Lock()
	defer kv.mu.Unlock()
	switch name {
	case "PING":
		if len(args) == 2 {
			w.WriteBulk(args[1])
		} else {
			w.WriteString("PONG")
		}
	case "QUIT":
		w.WriteString("OK")
		return true
	case "SET":
		if err := kv.set(string(args[1]), args[2], now); err != "" {
			w.WriteError(err)
		} else {
			w.WriteString("OK")
		}
	case "GET":
		if e, ok := kv.get(string(args[1]), now); ok {
			w.WriteBulk(e.value)
		} else {
			w.WriteNull()
		}
	case "DEL", "EXISTS":
		n := 0
		for _, k := range args[1:] {
			if _, ok := kv.get(string(k), now); ok {
				n++
				if name == "DEL" {
					kv.remove(string(k))
				}
			}
		}
		w.WriteInt(n)
	case "INCR":
		kv.incr(w, string(args[1]), now)
	case "KEYS":
		pattern := string(args[1])
		var keys []string
		for k := range kv.keys {
			if _, ok := kv.get(k, now); ok && match.Match(k, pattern) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		w.WriteArray(len(keys))
		for _, k := range keys {
			w.WriteBulkString(k)
		}
	case "EXPIRE":
		secs, err := strconv.ParseInt(string(args[2]), 10, 32)
		e, ok := kv.get(string(args[1]), now)
		switch {
		case err != nil:
			w.WriteError("ERR value is not an integer or out of range")
		case !ok:
			w.WriteInt(0)
		case secs <= 0:
			kv.remove(string(args[1]))
			w.WriteInt(1)
		default:
			e.expires = now.Add(time.Duration(secs) * time.Second)
			kv.keys[string(args[1])] = e
			w.WriteInt(1)
		}
	case "TTL":
		e, ok := kv.get(string(args[1]), now)
		switch {
		case !ok:
			w.WriteInt(-2)
		case e.expires.IsZero():
			w.WriteInt(-1)
		default:
			w.WriteInt64(int64((e.expires.Sub(now) + time.Second - 1) / time.Second))
		}
	}
	return false
}

// kvArity is each command's number of arguments, its name included;
// negative: at least that many.
var kvArity = map[string]int{
	"PING": -1, "QUIT": 1, "SET": 3, "GET": 2, "DEL": -2, "EXISTS": -2,
	"INCR": 2, "KEYS": 2, "EXPIRE": 3, "TTL": 2,
}

// get is key's entry, if it has one that has not expired; an expired one
// is removed. kv.mu is held.
func (kv *kvstore) get(key string, now time.Time) (kvEntry, bool) {
	e, ok := kv.keys[key]
	if ok && !e.expires.IsZero() && !now.Before(e.expires) {
		kv.remove(key)
		return kvEntry{}, false
	}
	return e, ok
}

// remove deletes key. kv.mu is held.
func (kv *kvstore) remove(key string) {
	if e, ok := kv.keys[key]; ok {
		kv.bytes -= len(key) + len(e.value)
		delete(kv.keys, key)
	}
}

// set gives key value, with no expiry, within the store's bounds; the
// error reply if it cannot. kv.mu is held.
func (kv *kvstore) set(key string, value []byte, now time.Time) string {
	if len(key) > maxKeyBytes || len(value) > maxValueBytes {
		return "ERR the lab's database takes keys of at most " + strconv.Itoa(maxKeyBytes) +
			" bytes and values of at most " + strconv.Itoa(maxValueBytes)
	}
	old, had := kv.get(key, now)
	size := kv.bytes + len(key) + len(value)
	if had {
		size -= len(key) + len(old.value)
	}
	if !had && len(kv.keys) >= maxKeys {
		kv.sweep(now)
	}
	if !had && len(kv.keys) >= maxKeys || size > maxKVBytes {
		return "ERR OOM: the lab's database holds at most " + strconv.Itoa(maxKeys) + " keys and " +
			strconv.Itoa(maxKVBytes>>10) + " KiB: DEL some"
	}
	if kv.keys == nil {
		kv.keys = map[string]kvEntry{}
	}
	kv.keys[key] = kvEntry{value: slices.Clone(value)}
	kv.bytes = size
	return ""
}

// sweep removes every expired key. kv.mu is held.
func (kv *kvstore) sweep(now time.Time) {
	for k := range kv.keys {
		kv.get(k, now)
	}
}

// incr adds one to the number key holds (0 if none), keeping its expiry.
// kv.mu is held.
func (kv *kvstore) incr(w *redcon.Writer, key string, now time.Time) {
	e, had := kv.get(key, now)
	n := int64(0)
	if had {
		var err error
		if n, err = strconv.ParseInt(string(e.value), 10, 64); err != nil || n == 1<<63-1 {
			w.WriteError("ERR value is not an integer or out of range")
			return
		}
	}
	n++
	if err := kv.set(key, strconv.AppendInt(nil, n, 10), now); err != "" {
		w.WriteError(err)
		return
	}
	if !e.expires.IsZero() {
		e2 := kv.keys[key]
		e2.expires = e.expires
		kv.keys[key] = e2
	}
	w.WriteInt64(n)
}

// printable is b cut to n bytes, with anything but printable ASCII as
// '?', to quote in an error reply.
func printable(b []byte, n int) string {
	out := []byte(string(b[:min(len(b), n)]))
	for i, c := range out {
		if c < ' ' || c > '~' {
			out[i] = '?'
		}
	}
	return string(out)
}
