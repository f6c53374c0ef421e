package lab

import (
	"strings"
	"testing"
	"time"
)

// Seeds fit in a JavaScript number; a room's wire has no hold and keeps
// the bounds of a student's.
func TestWireChecks(t *testing.T) {
	if err := (WireCommand{Verb: WireVerbSeed, Seed: MaxWireSeed}).Check(); err != nil {
		t.Errorf("seed 2**53-1: %v", err)
	}
	if err := (WireCommand{Verb: WireVerbSeed, Seed: MaxWireSeed + 1}).Check(); err == nil || !strings.Contains(err.Error(), "2**53-1") {
		t.Errorf("seed 2**53: %v; want refused", err)
	}
	good := RoomWire{WireDirs: WireDirs{Out: WireSettings{Loss: 1, Delay: time.Second, Jitter: time.Millisecond, Rate: MinWireRate}}, Seed: 7}
	if err := good.Check(); err != nil {
		t.Errorf("%+v: %v", good, err)
	}
	for _, bad := range []RoomWire{
		{WireDirs: WireDirs{In: WireSettings{Hold: true}}},
		{WireDirs: WireDirs{Out: WireSettings{Loss: -0.1}}},
		{WireDirs: WireDirs{In: WireSettings{Duplicate: 2}}},
		{WireDirs: WireDirs{In: WireSettings{Delay: MaxWireDelay + 1}}},
		{WireDirs: WireDirs{In: WireSettings{Jitter: -1}}},
		{WireDirs: WireDirs{Out: WireSettings{Rate: MinWireRate - 1}}},
		{Seed: MaxWireSeed + 1},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
