package packet

import (
	"io"

	"github.com/socketlab/socketlab/lab"
)

// WriteTrace writes the packets among events as a pcap file with
// nanosecond timestamps: the capture of the host whose trace it is.
func WriteTrace(w io.Writer, events []lab.Event) error {
	pw, err := NewPcapWriter(w, true)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Kind == lab.KindPacket && e.Packet != nil {
			if err := pw.WritePacket(e.Time, e.Packet.Data); err != nil {
				return err
			}
		}
	}
	return nil
}
