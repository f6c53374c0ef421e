package bridge

import (
	"net/netip"
	"reflect"
	"time"

	"github.com/socketlab/socketlab/lab"
)

// EventFootprint is about how many bytes of memory e holds: the event, the
// parts and lists it points to, and their strings. A mirrored event is
// bounded by it (MaxMirrorFootprint) as well as by its JSON's bytes, which
// a list of empty objects multiplies by 16 once decoded.
func EventFootprint(e *lab.Event) int {
	return int(reflect.TypeFor[lab.Event]().Size()) + footprint(reflect.ValueOf(e).Elem())
}

// flat are the types whose values hold nothing beyond their size that is
// theirs alone: a time's location and an address's zone are shared.
var flat = map[reflect.Type]bool{
	reflect.TypeFor[time.Time]():      true,
	reflect.TypeFor[netip.Addr]():     true,
	reflect.TypeFor[netip.AddrPort](): true,
	reflect.TypeFor[netip.Prefix]():   true,
}

// footprint is what v points to, beyond its own size.
func footprint(v reflect.Value) int {
	if flat[v.Type()] {
		return 0
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		return int(v.Type().Elem().Size()) + footprint(v.Elem())
	case reflect.String:
		return v.Len()
	case reflect.Slice:
		n := v.Cap() * int(v.Type().Elem().Size())
		for i := range v.Len() {
			n += footprint(v.Index(i))
		}
		return n
	case reflect.Array:
		n := 0
		for i := range v.Len() {
			n += footprint(v.Index(i))
		}
		return n
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += footprint(v.Field(i))
		}
		return n
	case reflect.Map:
		n := v.Len() * int(v.Type().Key().Size()+v.Type().Elem().Size())
		for it := v.MapRange(); it.Next(); {
			n += footprint(it.Key()) + footprint(it.Value())
		}
		return n
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		return int(v.Elem().Type().Size()) + footprint(v.Elem())
	}
	return 0
}
