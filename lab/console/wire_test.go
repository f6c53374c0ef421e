package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/console"
	"github.com/socketlab/socketlab/lab/room"
)

// The wire object sets its port's wire, prints its state, and refuses
// arguments out of bounds as Python would.
func TestWire(t *testing.T) {
	l := newLab(t, room.Config{})
	for _, line := range []string{`wire.seed(7)`, `wire.loss(0.3)`, `wire.delay(0.2, jitter=0.05)`, `wire.duplicate(0.1)`, `wire.reorder(0.1)`, `wire.rate(64000)`, `wire.pause()`} {
		if res := l.exec(line); res.Error != "" || res.Output != "" {
			t.Fatalf("%s: %+v", line, res)
		}
	}
	want := "<wire: paused, loss 30%, delay 200ms ± 50ms, duplicate 10%, reorder 10%, rate 64000 B/s; seed 7; 0 held, 0 delayed, 0 dropped>\n"
	if res := l.exec(`wire`); res.Output != want {
		t.Errorf("wire printed %q, want %q", res.Output, want)
	}
	if res := l.exec(`wire.clear(dir='in'); wire.loss(0.5, dir='in'); wire`); res.Output != "<wire: out "+want[len("<wire: "):strings.Index(want, ";")]+"; in loss 50%; seed 7; 0 held, 0 delayed, 0 dropped>\n" {
		t.Errorf("one way cleared: %q %s", res.Output, res.Error)
	}
	if res := l.exec(`wire.clear(); wire`); res.Output != "<wire: clear; seed 7; 0 held, 0 delayed, 0 dropped>\n" {
		t.Errorf("after clear: %q %s", res.Output, res.Error)
	}
	for line, want := range map[string]string{
		`wire.loss(1.5)`:           "ValueError: loss must be a probability from 0.0 to 1.0, not 1.5",
		`wire.loss("a")`:           "TypeError: must be real number, not str",
		`wire.loss()`:              "TypeError: loss() missing required argument 'p' (pos 1)",
		`wire.loss(0.1, "in")`:     "TypeError: loss() takes 1 positional argument but 2 were given",
		`wire.loss(0.1, dir="up")`: "ValueError: dir must be 'out', 'in' or 'both', not 'up'",
		`wire.delay()`:             "TypeError: delay() missing required argument 'seconds' (pos 1)",
		`wire.delay(11)`:           "ValueError: delay must be from 0 to 10 seconds, not 11",
		`wire.delay(1, jit=1)`:     "TypeError: delay() got an unexpected keyword argument 'jit'",
		`wire.rate(50)`:            "ValueError: rate must be 0 (no limit) or from 100 to 1000000000 bytes a second, not 50",
		`wire.rate(1.5)`:           "TypeError: 'float' object cannot be interpreted as an integer",
		`wire.seed(-1)`:            "ValueError: seed must be a non-negative integer, not -1",
		`wire.pause(1)`:            "TypeError: pause() takes 0 positional arguments but 1 was given",
		`wire.cut()`:               "AttributeError: 'wire' object has no attribute 'cut'",
	} {
		if res := l.exec(line); res.Error != want {
			t.Errorf("%s raised %q, want %q", line, res.Error, want)
		}
	}
	if res := l.exec(`help(wire)`); !strings.Contains(res.Output, "wire.step()") {
		t.Errorf("help(wire):\n%s", res.Output)
	}
}

// A console without a wire says so.
func TestWireNone(t *testing.T) {
	c := console.New(nil)
	defer c.Close()
	res := c.Exec(context.Background(), `wire.loss(0.1)`)
	if res.Exception != "RuntimeError" {
		t.Errorf("wire.loss without a wire: %+v", res)
	}
}
