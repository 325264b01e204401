package zeek

import (
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// EndpointState is Zeek's per-endpoint TCP state.
type EndpointState uint8

// Zeek's endpoint states (TCP_INACTIVE ... TCP_RESET).
const (
	Inactive EndpointState = iota
	SynSent
	SynAckSent
	Partial
	Established
	Closed
	Reset
)

var endpointNames = [...]string{"INACTIVE", "SYN_SENT", "SYN_ACK_SENT", "PARTIAL", "ESTABLISHED", "CLOSED", "RESET"}

func (s EndpointState) String() string {
	if int(s) < len(endpointNames) {
		return endpointNames[s]
	}
	return "?"
}

// maxHistory bounds the history string; the logarithmic repeat rule keeps
// real histories far shorter.
const maxHistory = 64

type endpoint struct {
	state      EndpointState
	wasClosed  bool // sent FIN before its RST
	isnKnown   bool
	start      tcpstate.Seq // ISN (or first seq - 1 for a partial start)
	last       tcpstate.Seq // highest seq sent or acknowledged by the peer
	highEnd    tcpstate.Seq // highest seq+len of payload sent
	highKnown  bool
	finSeen    bool
	lastSynRel uint32 // relative seq of the last recorded S/H
	lastFinRel uint32
	lastRstRel uint32
	once       uint8        // letters recorded at least once (A, D, I, Q, S/H, F, R)
	synAckAck  tcpstate.Seq // ack carried by this side's SYN-ACK
	retrans    logCounter
	gaps       logCounter
	zeroWin    logCounter
}

const (
	onceA uint8 = 1 << iota
	onceD
	onceI
	onceQ
	onceSYN
	onceFIN
	onceRST
)

// logCounter implements Zeek's logarithmic repeat rule: report on the 1st,
// 10th, 100th ... occurrence.
type logCounter struct {
	n, next uint32
}

func (c *logCounter) hit() bool {
	if c.next == 0 {
		c.next = 1
	}
	c.n++
	if c.n == c.next {
		c.next *= 10
		return true
	}
	return false
}

// Conn is Zeek's view of one connection. Packets are given with the side
// that sent them: side 0 is the sender of the first packet given.
type Conn struct {
	ep      [2]endpoint
	orig    uint8 // index of the originator in ep
	started bool
	hist    [maxHistory]byte
	nhist   int
	ports   Ports
}

// SetPorts chooses the likely server ports used for the creation flip
// (DefaultPorts when never called). Call it before the first Packet.
func (c *Conn) SetPorts(p Ports) { c.ports = p }

// OrigSide returns the side (0 = sender of the first packet) Zeek calls
// the originator.
func (c *Conn) OrigSide() int { return int(c.orig) }

// Flipped reports whether Zeek's originator is not the first sender.
func (c *Conn) Flipped() bool { return c.orig != 0 }

// History returns the history string.
func (c *Conn) History() string { return string(c.hist[:c.nhist]) }

// HistoryBytes returns the history letters in c's own storage: read them,
// never change them, and copy what is kept past c's next change.
func (c *Conn) HistoryBytes() []byte { return c.hist[:c.nhist] }

// States returns Zeek's originator and responder endpoint states.
func (c *Conn) States() (orig, resp EndpointState) {
	return c.ep[c.orig].state, c.ep[1-c.orig].state
}

func (c *Conn) add(b byte) {
	if c.nhist < maxHistory {
		c.hist[c.nhist] = b
		c.nhist++
	}
}

// letter records a history letter for side (upper case for the originator).
func (c *Conn) letter(side uint8, upper byte) {
	if side != c.orig {
		upper += 'a' - 'A'
	}
	c.add(upper)
}

func (c *Conn) flip() { c.orig = 1 - c.orig }

// Packet feeds one segment sent by side (0 or 1).
func (c *Conn) Packet(side int, seg *decode.Segment) {
	s := uint8(side & 1)
	if !c.started {
		c.started = true
		c.creationFlip(s, seg)
	}
	syn, fin, rst := seg.Has(decode.SYN), seg.Has(decode.FIN), seg.Has(decode.RST)
	ack := seg.Has(decode.ACK)
	me, peer := &c.ep[s], &c.ep[1-s]
	seq := tcpstate.Seq(seg.Seq)

	// The SYN-ACK-first flip: history exactly "H" and a pure ACK or data
	// packet about to be recorded.
	if c.nhist == 1 && c.hist[0] == 'H' && !syn && !fin && !rst && (ack || seg.PayloadLen > 0) {
		c.flip()
		c.nhist = 0
		c.add('^')
		c.add('h')
	}

	c.recordLetters(s, seg, syn, fin, rst, ack)
	c.trackSeq(s, seg, syn, fin, rst)

	// Endpoint state machine (sender side), SYN then FIN then RST.
	if syn {
		switch me.state {
		case Inactive:
			if s == c.orig {
				if ack {
					me.state = SynAckSent
				} else {
					me.state = SynSent
				}
			} else {
				reversal := !ack && peer.state == SynAckSent && peer.synAckAck-1 == seq
				me.state = Established
				if peer.state == SynSent || peer.state == SynAckSent {
					peer.state = Established
				}
				if reversal {
					c.flip()
					c.add('^')
				}
			}
		case Partial:
			if !ack && peer.state == Inactive {
				me.state = SynSent
			}
		}
	}
	if fin && !rst {
		switch me.state {
		case Inactive, SynSent, SynAckSent, Partial, Established:
			me.state = Closed
			if peer.state == Reset && peer.wasClosed {
				peer.state = Closed
			}
		}
	}
	if rst {
		switch me.state {
		case Closed:
			if peer.state != Closed {
				me.wasClosed = true
				me.state = Reset
			}
		case Reset:
		default:
			me.state = Reset
		}
	}
	if !syn && !fin && !rst {
		switch me.state {
		case Inactive:
			switch {
			case s != c.orig && c.ep[c.orig].state == SynSent && seg.PayloadLen == 0:
				// Some stacks ACK a SYN before the SYN-ACK: stays inactive.
			case ack && peer.state == Established:
				me.state = Established
			default:
				me.state = Partial
			}
		}
	}
}

func (c *Conn) creationFlip(s uint8, seg *decode.Segment) {
	pureSYN := seg.Has(decode.SYN) && !seg.Has(decode.ACK)
	if pureSYN {
		return
	}
	ports := c.ports
	if ports == nil {
		ports = DefaultPorts
	}
	sp, dp := seg.Src.Port(), seg.Dst.Port()
	if !ports(sp) {
		return
	}
	if ports(dp) && (seg.Has(decode.SYN|decode.ACK) || sp >= dp) {
		return
	}
	c.flip()
	c.add('^')
}

func (c *Conn) recordLetters(s uint8, seg *decode.Segment, syn, fin, rst, ack bool) {
	me := &c.ep[s]
	n := 0
	for _, b := range [3]bool{syn, fin, rst} {
		if b {
			n++
		}
	}
	rel := uint32(tcpstate.Seq(seg.Seq) - me.start)
	switch {
	case n > 1:
		if fin && rst {
			if me.once&onceI == 0 {
				me.once |= onceI
				c.letter(s, 'I')
			}
		} else if me.once&onceQ == 0 {
			me.once |= onceQ
			c.letter(s, 'Q')
		}
	case syn:
		// The SYN's relative seq is 0 when it set the ISN.
		if !me.isnKnown {
			rel = 0
		}
		if me.once&onceSYN == 0 || rel != me.lastSynRel {
			me.once |= onceSYN
			if ack {
				c.letter(s, 'H')
			} else {
				c.letter(s, 'S')
			}
		}
		me.lastSynRel = rel
	case fin:
		end := rel + uint32(seg.PayloadLen)
		if me.once&onceFIN == 0 || end != me.lastFinRel {
			me.once |= onceFIN
			c.letter(s, 'F')
		}
		me.lastFinRel = end
	case rst:
		if me.once&onceRST == 0 || rel != me.lastRstRel {
			me.once |= onceRST
			c.letter(s, 'R')
		}
		me.lastRstRel = rel
	case seg.PayloadLen > 0:
		if me.once&onceD == 0 {
			me.once |= onceD
			c.letter(s, 'D')
		}
	case ack:
		if me.once&onceA == 0 {
			me.once |= onceA
			c.letter(s, 'A')
		}
	}
	// Retransmission: payload that does not advance the side's highest seq.
	if seg.PayloadLen > 0 && me.state != Reset && me.highKnown {
		end := tcpstate.Seq(seg.Seq).Add(uint32(seg.PayloadLen))
		if syn {
			end = end.Add(1)
		}
		if end.LessEq(me.highEnd) && me.retrans.hit() {
			c.letter(s, 'T')
		}
	}
	// Zero window.
	if seg.Window == 0 && !rst && me.state != Reset && !c.ep[1-s].finSeen && !syn {
		if me.zeroWin.hit() {
			c.letter(s, 'W')
		}
	}
}

// Gap records a content gap in the data side sent (the peer acknowledged
// bytes never seen): the G/g letter, with the logarithmic repeat rule.
func (c *Conn) Gap(side int) {
	s := uint8(side & 1)
	if c.ep[s].gaps.hit() {
		c.letter(s, 'G')
	}
}

// trackSeq maintains the ISN, the highest sequence numbers and FIN
// bookkeeping that sizes and the T letter need. It runs after the letters
// of the packet were recorded.
func (c *Conn) trackSeq(s uint8, seg *decode.Segment, syn, fin, rst bool) {
	me, peer := &c.ep[s], &c.ep[1-s]
	seq := tcpstate.Seq(seg.Seq)
	if !me.isnKnown {
		me.isnKnown = true
		if syn {
			me.start = seq
		} else {
			me.start = seq - 1
		}
		me.last = me.start.Add(1)
	}
	if syn && seg.Has(decode.ACK) {
		me.synAckAck = tcpstate.Seq(seg.Ack)
	}
	if rst {
		return
	}
	end := seq.Add(uint32(seg.PayloadLen))
	if syn {
		end = end.Add(1)
	}
	if fin {
		end = end.Add(1)
		me.finSeen = true
	}
	if me.last.LessThan(end) {
		me.last = end
	}
	dataEnd := seq.Add(uint32(seg.PayloadLen))
	if syn {
		dataEnd = dataEnd.Add(1)
	}
	if !me.highKnown || me.highEnd.LessThan(dataEnd) {
		me.highEnd = dataEnd
		me.highKnown = true
	}
	if seg.Has(decode.ACK) && peer.isnKnown {
		a := tcpstate.Seq(seg.Ack)
		// Only acknowledgements within 2^30 of the peer's data count: a
		// bogus ACK must not inflate the size.
		if peer.last.LessThan(a) && a.Sub(peer.last) < 1<<30 {
			peer.last = a
		}
	}
}

// size is the payload size of one side derived from sequence numbers.
func (e *endpoint) size() int64 {
	if !e.isnKnown {
		return 0
	}
	n := e.last.Sub(e.start) - 1
	if e.finSeen {
		n--
	}
	if n < 0 {
		return 0
	}
	return n
}

// Sizes returns the originator's and responder's payload bytes as Zeek
// computes them from sequence numbers.
func (c *Conn) Sizes() (orig, resp int64) {
	return c.ep[c.orig].size(), c.ep[1-c.orig].size()
}

// ConnState returns Zeek's conn_state for the connection as it stands.
func (c *Conn) ConnState() string {
	os, rs := c.States()
	oInactive := os == Inactive || os == Partial
	rInactive := rs == Inactive || rs == Partial
	switch {
	case rs == Reset:
		osz, rsz := c.Sizes()
		if os == SynSent || os == SynAckSent || (os == Reset && osz == 0 && rsz == 0) {
			return "REJ"
		}
		if oInactive {
			return "RSTRH"
		}
		return "RSTR"
	case os == Reset:
		if rInactive {
			if c.rstos0() {
				return "RSTOS0"
			}
			return "OTH"
		}
		return "RSTO"
	case os == Closed && rs == Closed:
		return "SF"
	case os == Closed:
		if rInactive {
			return "SH"
		}
		return "S2"
	case rs == Closed:
		if oInactive {
			return "SHR"
		}
		return "S3"
	case os == SynSent && rs == Inactive:
		return "S0"
	case os == Established && rs == Established:
		return "S1"
	}
	return "OTH"
}

// rstos0 matches the history against ^\^?S[^HAFGIQ]*R.
func (c *Conn) rstos0() bool {
	h := c.hist[:c.nhist]
	if len(h) > 0 && h[0] == '^' {
		h = h[1:]
	}
	if len(h) == 0 || h[0] != 'S' {
		return false
	}
	for _, b := range h[1:] {
		switch b {
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		case 'R':
			return true
		}
	}
	return false
}
