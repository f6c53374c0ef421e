package check

import (
	"maps"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab"
)

// The fields a question may read are listed in four places that must
// agree: Fields (by event kind), fieldNames (the student's words), read
// (which reads them) and the authors' table in exercises/README.md.
func TestQuestionFieldsAgree(t *testing.T) {
	listed := map[string]bool{}
	for _, fields := range Fields {
		for _, f := range fields {
			listed[f] = true
		}
	}
	for f := range listed {
		if _, ok := fieldNames[f]; !ok {
			t.Errorf("field %s is in Fields but not in fieldNames", f)
		}
	}
	for f := range fieldNames {
		if !listed[f] {
			t.Errorf("field %s is in fieldNames but not in Fields", f)
		}
	}

	// read reads every field of its kind from an event that has it.
	ap := netip.MustParseAddrPort
	events := map[lab.Kind][]lab.Event{
		lab.KindPacket: {
			{Kind: lab.KindPacket, Packet: &lab.Packet{Length: 60, IPv4: lab.IPv4{TTL: 64}, TCP: &lab.TCP{SrcPort: 1, DstPort: 2, PayloadLen: 3, Window: 4, Seq: 5, Ack: 6, Flags: lab.TCPFlags{ACK: true}}}},
			{Kind: lab.KindPacket, Packet: &lab.Packet{Length: 30, IPv4: lab.IPv4{TTL: 64}, UDP: &lab.UDP{SrcPort: 1, DstPort: 2, PayloadLen: 3}}},
		},
		lab.KindCall:  {{Kind: lab.KindCall, Call: &lab.Call{Local: ap("10.0.1.1:5000"), Peer: ap("10.0.0.1:7"), Bytes: 3}}},
		lab.KindState: {{Kind: lab.KindState, State: &lab.StateChange{Local: ap("10.0.1.1:5000"), Peer: ap("10.0.0.1:7")}}},
	}
	if !slices.Equal(slices.Sorted(maps.Keys(events)), slices.Sorted(maps.Keys(Fields))) {
		t.Fatalf("the test has events of kinds %v, Fields has %v: add one", slices.Sorted(maps.Keys(events)), slices.Sorted(maps.Keys(Fields)))
	}
	for kind, fields := range Fields {
		for _, f := range fields {
			if !slices.ContainsFunc(events[kind], func(e lab.Event) bool { return read(e, f) != nil }) {
				t.Errorf("read does not read field %s of a %s", f, kind)
			}
		}
	}

	// The authors' table: each row's first column names fields.
	b, err := os.ReadFile("../../exercises/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "| field | for | the number |\n|---|---|---|\n")
	if !ok {
		t.Fatal("exercises/README.md has no table of the fields a question reads")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	documented := map[string]bool{}
	name := regexp.MustCompile("`([^`]+)`")
	for row := range strings.Lines(table) {
		first := strings.Split(row, "|")[1]
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	if !maps.Equal(documented, listed) {
		t.Errorf("exercises/README.md documents fields %v; Fields has %v", slices.Sorted(maps.Keys(documented)), slices.Sorted(maps.Keys(listed)))
	}
}
