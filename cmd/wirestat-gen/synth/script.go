package synth

import (
	"math"
	"math/rand/v2"
)

const (
	us = int64(1000)
	ms = 1000 * us
	s  = 1000 * ms
)

// builder writes one connection's script: the segments both sides send,
// with sequence and acknowledgement numbers kept consistent.
type builder struct {
	r     *rand.Rand
	p     []pkt
	t     int64 // time of the next segment, relative to the start
	end   int64 // latest time used so far
	rtt   int64
	seq   [2]uint32 // next sequence number per direction
	iss   uint32    // client ISS (preset for port reuse)
	plain bool      // no retransmissions or reordering, tiny payloads
}

// scriptInto builds the script of a connection of kind k into dst. With
// keepISS the client ISS already set in g.b is used (port reuse).
func (g *gen) scriptInto(dst []pkt, k Kind, keepISS bool) []pkt {
	b := &g.b
	b.r = g.r
	b.p = dst[:0]
	b.t, b.end = 0, 0
	b.plain = g.cfg.Open > 0
	b.rtt = int64(math.Exp(math.Log(100e3) + b.r.Float64()*(math.Log(80e6)-math.Log(100e3))))
	if !keepISS {
		b.iss = b.r.Uint32()
	}
	b.seq[0], b.seq[1] = b.iss, b.r.Uint32()

	switch k {
	case ClientClose, ServerClose:
		b.handshake()
		b.requests()
		if k == ClientClose {
			b.close(0)
		} else {
			b.close(1)
		}
	case CloseWaitServer:
		b.handshake()
		b.requests()
		b.halfClose(0)
	case CloseWaitClient:
		b.handshake()
		b.requests()
		b.halfClose(1)
	case Reset:
		b.handshake()
		b.requests()
		d := uint8(0)
		if b.r.IntN(4) == 0 {
			d = 1
		}
		b.emit(d, fRST|fACK, 0)
	case Refused:
		b.emit(0, fSYN, 0)
		b.t += b.rtt / 2
		b.add(pkt{at: b.t, seq: 0, ack: b.seq[0], flags: fRST | fACK, dir: 1})
	case SYNUnanswered:
		b.emit(0, fSYN, 0)
		retries := 1 + b.r.IntN(3)
		at := int64(0)
		for i := range retries {
			at += s << i // 1 s, 2 s, 4 s
			b.add(pkt{at: at, seq: b.iss, flags: fSYN, dir: 0})
		}
	case SYNACKUnanswered:
		b.emit(0, fSYN, 0)
		b.t += b.rtt / 2
		sa := b.t
		b.emit(1, fSYN|fACK, 0)
		srvISS := b.seq[1] - 1
		for i := range 1 + b.r.IntN(2) {
			sa += s << i
			b.add(pkt{at: sa, seq: srvISS, ack: b.iss + 1, flags: fSYN | fACK, dir: 1})
		}
	case Midstream:
		b.requests()
		if b.r.IntN(10) < 6 {
			b.close(uint8(b.r.IntN(2)))
		}
	case IdleOpen:
		b.handshake()
		if b.plain {
			b.t += 20 * us
			b.emit(0, fPSH|fACK, 100)
			b.t += b.rtt / 2
			b.emit(1, fPSH|fACK, 300)
			b.t += b.rtt / 2
			b.emit(0, fACK, 0)
		} else {
			b.requests()
		}
	case ScanProbe:
		b.rtt = 200 * us
		b.emit(0, fSYN, 0)
		b.t += b.rtt / 2
		switch n := b.r.IntN(100); {
		case n < 75: // closed port
			b.add(pkt{at: b.t, ack: b.seq[0], flags: fRST | fACK, dir: 1})
		case n < 85: // open port: the scanner resets the half-open connection
			b.emit(1, fSYN|fACK, 0)
			b.t += 50 * us
			b.add(pkt{at: b.t, seq: b.seq[0], flags: fRST, dir: 0})
		}
	}
	sortScript(b.p)
	return b.p
}

func (b *builder) add(p pkt) {
	b.p = append(b.p, p)
	b.end = max(b.end, p.at)
}

// emit sends n payload bytes with flags from direction d at the current
// time; ACK acknowledges everything the peer sent so far.
func (b *builder) emit(d uint8, flags uint8, n int) {
	p := pkt{at: b.t, seq: b.seq[d], n: uint16(n), flags: flags, dir: d}
	if flags&fACK != 0 {
		p.ack = b.seq[1-d]
	}
	b.seq[d] += uint32(n)
	if flags&(fSYN|fFIN) != 0 {
		b.seq[d]++
	}
	b.add(p)
}

func (b *builder) handshake() {
	b.emit(0, fSYN, 0)
	b.t += b.rtt / 2
	b.emit(1, fSYN|fACK, 0)
	b.t += b.rtt / 2
	b.emit(0, fACK, 0)
}

// requests runs one to five request/response exchanges with idle gaps.
func (b *builder) requests() {
	n := 1
	if b.r.IntN(10) < 3 {
		n = 2 + b.r.IntN(4)
	}
	for i := range n {
		if i > 0 {
			b.t += 50*ms + b.r.Int64N(3*s)
		}
		b.exchange()
	}
}

// exchange sends a request from the client and a response from the
// server, with delayed ACKs, flow-control pauses, and the occasional
// retransmission (after a 200 ms RTO) or reordered pair of segments.
func (b *builder) exchange() {
	b.t += 20 * us
	reqSegs := 1
	if b.r.IntN(10) == 0 {
		reqSegs = 2 + b.r.IntN(2)
	}
	for i := range reqSegs {
		n := 1460
		if i == reqSegs-1 {
			n = 40 + b.r.IntN(900)
		}
		b.emit(0, fPSH|fACK, n)
		b.t += 15 * us
	}
	b.t += b.rtt/2 + b.r.Int64N(20*ms)

	var m int
	switch x := b.r.IntN(100); {
	case x < 70:
		m = 1 + b.r.IntN(4)
	case x < 95:
		m = 5 + b.r.IntN(26)
	default:
		m = 31 + b.r.IntN(270)
	}
	last := -1
	for i := range m {
		n := 1460
		if i == m-1 {
			n = b.r.IntN(1461)
		}
		flags := uint8(fACK)
		if i == m-1 {
			flags |= fPSH
		}
		seq := b.seq[1]
		b.emit(1, flags, n)
		cur := len(b.p) - 1
		if !b.plain && b.r.IntN(1000) < 15 {
			// Lost after the capture point: retransmitted after the RTO.
			b.t += 200*ms + b.rtt
			b.add(pkt{at: b.t, seq: seq, ack: b.seq[0], n: uint16(n), flags: flags, dir: 1})
		} else if !b.plain && last >= 0 && b.r.IntN(100) == 0 {
			// Reordered on the way: this segment is seen before the last one.
			b.p[last].at, b.p[cur].at = b.p[cur].at, b.p[last].at
		}
		last = cur
		b.t += 12 * us
		if i%2 == 1 || i == m-1 {
			b.add(pkt{at: b.t + b.rtt, seq: b.seq[0], ack: b.seq[1], flags: fACK, dir: 0})
		}
		if i%20 == 19 {
			b.t += b.rtt
		}
	}
	b.t = b.end + 10*us
}

// close is an orderly close started by direction d.
func (b *builder) close(d uint8) {
	b.t += b.r.Int64N(5 * ms)
	b.emit(d, fFIN|fACK, 0)
	b.t += b.rtt / 2
	if b.r.IntN(2) == 0 {
		b.emit(1-d, fFIN|fACK, 0)
	} else {
		b.emit(1-d, fACK, 0)
		b.t += b.r.Int64N(5 * ms)
		b.emit(1-d, fFIN|fACK, 0)
	}
	b.t += b.rtt / 2
	b.emit(d, fACK, 0)
}

// halfClose: d sends FIN, the peer acknowledges it and never closes.
func (b *builder) halfClose(d uint8) {
	b.t += b.r.Int64N(5 * ms)
	b.emit(d, fFIN|fACK, 0)
	b.t += b.rtt / 2
	b.emit(1-d, fACK, 0)
}
