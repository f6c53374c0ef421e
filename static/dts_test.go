package static_test

import (
	"encoding"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/bridge"
	"github.com/socketlab/socketlab/lab/check"
)

// dtsInterface names the interface of socketlab.d.ts that types each Go
// type window.socketlab hands to the page, where the names differ.
var dtsInterface = map[reflect.Type]string{
	reflect.TypeFor[lab.Event]():            "EventBase",
	reflect.TypeFor[lab.SocketInfo]():       "SocketRow",
	reflect.TypeFor[bridge.WorkshopHello](): "Workshop",
	reflect.TypeFor[bridge.Student]():       "WorkshopStudent",
	reflect.TypeFor[lab.ProgressRecord]():   "ProgressRecord",
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// TestTypesDeclareEveryField keeps socketlab.d.ts honest: every JSON field
// of lab.Event and the types it holds (walked by reflection), of the socket
// table's rows, of TCP's flag bits, of an answer's verdict, of the
// workshop (socketlab.workshop()) and of the lab server's services
// (socketlab.ready's) is a field of
// the interface that types it, and that interface has no field Go does not
// send.
func TestTypesDeclareEveryField(t *testing.T) {
	b, err := os.ReadFile("socketlab.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	interfaces := parseInterfaces(string(b))
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		// A type that marshals itself as text (time.Time, netip.AddrPort)
		// is a string in JSON, not an object.
		if typ.Kind() != reflect.Struct || typ.Implements(textMarshaler) || seen[typ] {
			return
		}
		seen[typ] = true
		name := dtsInterface[typ]
		if name == "" {
			name = typ.Name()
		}
		fields, ok := interfaces[name]
		if !ok {
			t.Errorf("socketlab.d.ts has no interface %s for Go's %v", name, typ)
		}
		var want []string
		for _, f := range jsonFields(typ) {
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || tag == "-" {
				continue
			}
			if tag == "" {
				tag = f.Name
			}
			want = append(want, tag)
			if ok && !slices.Contains(fields, tag) {
				t.Errorf("socketlab.d.ts: interface %s lacks %q, the JSON name of %v.%s", name, tag, typ, f.Name)
			}
			walk(f.Type)
		}
		for _, f := range fields {
			if !slices.Contains(want, f) {
				t.Errorf("socketlab.d.ts: interface %s has %q, which Go's %v does not send", name, f, typ)
			}
		}
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[lab.Event](),
		reflect.TypeFor[lab.SocketInfo](),
		reflect.TypeFor[lab.TCPFlagBit](),
		reflect.TypeFor[check.Verdict](),
		reflect.TypeFor[bridge.WorkshopHello](),
		reflect.TypeFor[lab.ProgressRecord](),
		reflect.TypeFor[bridge.Service](),
		reflect.TypeFor[lab.WireResult](),
	} {
		walk(typ)
	}
	// The walk must reach every kind of event's payload.
	for _, typ := range []reflect.Type{
		reflect.TypeFor[lab.Call](), reflect.TypeFor[lab.Packet](), reflect.TypeFor[lab.StateChange](),
		reflect.TypeFor[lab.SessionEvent](), reflect.TypeFor[lab.TCPOption](), reflect.TypeFor[lab.ICMP](),
	} {
		if !seen[typ] {
			t.Errorf("the walk from lab.Event did not reach %v", typ)
		}
	}
}

// jsonFields are a struct's fields as encoding/json sees them: an
// embedded struct without a name of its own gives its fields.
func jsonFields(typ reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for f := range typ.Fields() {
		if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		out = append(out, f)
	}
	return out
}

// interfaceRE matches the start of an interface declaration; fieldRE a
// field of one (a line "name: type;" or "name?: type;" at the body's
// indent).
var (
	interfaceRE = regexp.MustCompile(`(?m)^export interface (\w+)(?: extends [\w, ]+)? \{`)
	fieldRE     = regexp.MustCompile(`(?m)^  (?:readonly )?(\w+)\??:`)
)

// parseInterfaces returns the fields of each interface in a .d.ts, by name.
func parseInterfaces(src string) map[string][]string {
	out := map[string][]string{}
	for _, m := range interfaceRE.FindAllStringSubmatchIndex(src, -1) {
		body := src[m[1]:]
		if end := strings.Index(body, "\n}"); end >= 0 {
			body = body[:end]
		}
		var fields []string
		for _, f := range fieldRE.FindAllStringSubmatch(body, -1) {
			fields = append(fields, f[1])
		}
		out[src[m[2]:m[3]]] = fields
	}
	return out
}
