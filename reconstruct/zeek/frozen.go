package zeek

import (
	"github.com/wirestat/wirestat/reconstruct/internal/varint"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// AppendFrozen appends everything of c but its Ports to b, compactly:
// sequence numbers as varint offsets from each side's start.
// ReadFrozen reverses it.
func (c *Conn) AppendFrozen(b []byte) []byte {
	b = varint.AppendBools(b, c.orig != 0, c.started)
	b = varint.AppendU(b, uint64(c.nhist))
	b = append(b, c.hist[:min(max(c.nhist, 0), maxHistory)]...)
	for i := range c.ep {
		e := &c.ep[i]
		b = append(b, byte(e.state), e.once)
		b = varint.AppendBools(b, e.wasClosed, e.isnKnown, e.highKnown, e.finSeen)
		b = varint.AppendU32(b, uint32(e.start))
		for _, s := range [...]tcpstate.Seq{e.last, e.highEnd, e.synAckAck} {
			b = varint.AppendU(b, uint64(uint32(s-e.start)))
		}
		for _, v := range [...]uint32{e.lastSynRel, e.lastFinRel, e.lastRstRel,
			e.retrans.n, e.retrans.next, e.gaps.n, e.gaps.next, e.zeroWin.n, e.zeroWin.next} {
			b = varint.AppendU(b, uint64(v))
		}
	}
	return b
}

// ReadFrozen restores c from what AppendFrozen wrote, keeping c's Ports.
// A short record leaves an error in r.
func (c *Conn) ReadFrozen(r *varint.Reader) {
	var orig bool
	r.Bools(&orig, &c.started)
	c.orig = 0
	if orig {
		c.orig = 1
	}
	n := r.U()
	c.hist = [maxHistory]byte{}
	c.nhist = 0
	if n > maxHistory {
		r.Fail() // no history is that long
		return
	}
	for i := range int(n) {
		c.hist[i] = r.Byte()
	}
	c.nhist = int(n)
	for i := range c.ep {
		e := &c.ep[i]
		e.state = EndpointState(r.Byte())
		e.once = r.Byte()
		r.Bools(&e.wasClosed, &e.isnKnown, &e.highKnown, &e.finSeen)
		e.start = tcpstate.Seq(r.U32())
		for _, s := range [...]*tcpstate.Seq{&e.last, &e.highEnd, &e.synAckAck} {
			*s = e.start + tcpstate.Seq(uint32(r.U()))
		}
		for _, v := range [...]*uint32{&e.lastSynRel, &e.lastFinRel, &e.lastRstRel,
			&e.retrans.n, &e.retrans.next, &e.gaps.n, &e.gaps.next, &e.zeroWin.n, &e.zeroWin.next} {
			*v = uint32(r.U())
		}
	}
}
