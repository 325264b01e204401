package reconstruct

import (
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// numbering assigns Wireshark's stream numbers when a filter expression
// selects part of the capture. Wireshark numbers tcp.stream over every
// packet of the file whatever the display filter, so a second tracker,
// which keeps no connection for anyone, sees every TCP packet: those the
// filter rejects through skip, those it passes through number, which
// stamps the segment with the stream the main tracker must give it. It
// costs a second tracking pass over the capture, only when a filter is set.
type numbering struct {
	dec     *decode.Decoder // its own: fragment reassembly state must not mix with the main decoder's
	seg     decode.Segment
	tracker *flow.Tracker
}

func newNumbering(cfg flow.Config) *numbering {
	cfg.Reuse = true
	return &numbering{dec: decode.NewDecoder(), tracker: flow.NewTracker(cfg, func(*flow.Conn) {})}
}

// skip follows a packet the filter rejected.
func (n *numbering) skip(pkt capture.Packet) {
	if n.dec.Decode(pkt, &n.seg) == decode.OK {
		n.tracker.Add(&n.seg)
	}
}

// number follows a packet the filter passed, decoded as seg, and stamps
// seg with its stream.
func (n *numbering) number(seg *decode.Segment) {
	seg.Stream = n.tracker.Add(seg) + 1
}
