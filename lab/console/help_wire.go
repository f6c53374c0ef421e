package console

import "strings"

// wireOrder lists the wire object's methods as its help lists them.
var wireOrder = []string{
	"pause", "resume", "step", "release", "drop", "loss", "delay", "duplicate",
	"reorder", "rate", "seed", "clear",
}

// wireDocs are the help of the wire object and its methods.
var wireDocs = map[string]doc{
	"wire": {
		usage:   "wire",
		summary: "the wire between your host and the lab's switch",
		text: `The wire between your host and the lab's switch, which you can make
misbehave: hold packets and release them one at a time, lose, delay,
duplicate or reorder them, or slow the link down. Each setting applies to
both directions unless you name one with dir: dir='out' for the packets
your host sends (to the switch), dir='in' for those on their way to it
(from the switch), dir='both' (the default). Everything the wire does is in your trace (a "wire" event: held, released,
dropped, delayed, duplicated, reordered). Typed alone, wire shows its
settings each way, its seed and what it holds. The lab page's wire panel
does the same as these methods.

Random choices come from the seed: the same seed loses the same packets
every run. wire.clear() makes the link as it was.

Example: wire.loss(0.3, dir='in')`,
	},
	"pause": {
		usage:   "wire.pause(dir='both')",
		summary: "hold every new packet at the switch until released",
		text: `Step mode: from now on, every packet (of dir: 'out', 'in' or 'both', the
default) waits at the switch until wire.step(), wire.release() or wire.drop(). A held TCP segment is
really late: your stack retransmits it after its timeout, and the wire holds
that copy too, as a repeat, which wire.step() and wire.drop() pass over.

Example: wire.pause()`,
	},
	"resume": {
		usage:   "wire.resume(dir='both')",
		summary: "end step mode: release the held packets, hold no more",
		text: `End step mode (of dir, or both ways): the held packets are released,
oldest first, and new packets pass again. The other settings stay.

Example: wire.resume()`,
	},
	"step": {
		usage:   "wire.step()",
		summary: "release the next held packet; its summary, or None",
		text: `Release the oldest held packet, either direction, and return its summary.
A repeat (a retransmission of a TCP segment held or released before) waits
while anything else is held, so that each step moves a connection on.
If none is held, wait up to a second for one; None if none came.

Example: wire.step()`,
	},
	"release": {
		usage:   "wire.release()",
		summary: "release every held packet; how many",
		text: `Release every held packet, oldest first, and return how many. The wire
stays paused: new packets are held again (wire.clear() ends step mode).

Example: wire.release()`,
	},
	"drop": {
		usage:   "wire.drop()",
		summary: "drop the next held packet; its summary, or None",
		text: `Drop the oldest held packet (a repeat only when nothing else is held, as
wire.step()), as if it were lost on the way, and return its summary; None if
none is held.

Example: wire.drop()`,
	},
	"loss": {
		usage:   "wire.loss(p, dir='both')",
		summary: "lose each packet with probability p (0.0 to 1.0)",
		text: `Lose each packet with probability p, from 0.0 (none) to 1.0 (all). TCP
notices and retransmits; UDP does not: a lost datagram is gone.

Example: wire.loss(0.3)`,
	},
	"delay": {
		usage:   "wire.delay(seconds, jitter=0, dir='both')",
		summary: "delay each packet, each way, by seconds ± jitter",
		text: `Delay every packet by seconds (up to 10), each way: a round trip takes
twice as long more. With jitter, each packet's delay varies by up to jitter
either way, and packets may overtake each other.

Example: wire.delay(0.2, jitter=0.05)`,
	},
	"duplicate": {
		usage:   "wire.duplicate(p, dir='both')",
		summary: "send each packet twice with probability p",
		text: `Send each packet twice with probability p (0.0 to 1.0). TCP discards
the second copy; UDP hands both to the program.

Example: wire.duplicate(0.1)`,
	},
	"reorder": {
		usage:   "wire.reorder(p, dir='both')",
		summary: "hold a packet back until the next one has passed, with probability p",
		text: `With probability p (0.0 to 1.0), a packet waits until the next packet the
same way has passed (or 100 ms), so the two arrive swapped.

Example: wire.reorder(0.1)`,
	},
	"rate": {
		usage:   "wire.rate(bytes_per_second, dir='both')",
		summary: "limit the link to bytes_per_second each way (0: no limit)",
		text: `Limit the link to bytes_per_second (100 to 1000000000) each way: packets
queue behind each other as on a slow link. 0 removes the limit.

Example: wire.rate(64000)`,
	},
	"seed": {
		usage:   "wire.seed(n)",
		summary: "start the wire's random choices from n",
		text: `Start the wire's random choices again from n, a whole number: the same
seed and the same calls lose, duplicate and reorder the same packets.

Example: wire.seed(7)`,
	},
	"clear": {
		usage:   "wire.clear(dir='both')",
		summary: "end every impairment: the link is as it was",
		text: `End step mode and every impairment (of dir, or both ways): held packets
are released, delayed ones sent on at once, and the link is again exactly
as it was.

Example: wire.clear(dir='in')`,
	},
}

// wireHelp is what help(wire) prints.
func wireHelp() string {
	var sb strings.Builder
	sb.WriteString(wireDocs["wire"].render())
	sb.WriteString("\nIts methods:\n")
	for _, name := range wireOrder {
		sb.WriteString("  " + pad(wireDocs[name].usage, 45) + wireDocs[name].summary + "\n")
	}
	return sb.String()
}
