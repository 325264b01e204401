package flow

import (
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/tcpstate"
	"github.com/wirestat/wirestat/reconstruct/zeek"
)

// Role indexes a connection's endpoints.
type Role uint8

const (
	Client Role = 0
	Server Role = 1
)

func (r Role) String() string {
	if r == Client {
		return "client"
	}
	return "server"
}

// MaxSYNTimes is how many SYN (or SYN-ACK) send times an endpoint keeps for
// retransmission analysis.
const MaxSYNTimes = 8

// MaxFlagFrames is how many FIN and RST frame numbers an endpoint keeps.
const MaxFlagFrames = 4

// Endpoint is one side of a connection.
type Endpoint struct {
	Addr  netip.AddrPort
	State tcpstate.State
	// Since is the time of the endpoint's last state change (or of the
	// connection's first packet when it never changed).
	Since      time.Time
	SinceFrame int64

	Packets      int64
	PayloadBytes int64
	IPBytes      int64

	SentSYN bool // sent a SYN or SYN-ACK
	SentFIN bool
	SentRST bool
	// SYNs counts SYN (client) or SYN-ACK (server) transmissions with the
	// same ISN; SYNTimes keeps the first MaxSYNTimes of their times.
	SYNs      int
	SYNTimes  [MaxSYNTimes]time.Time
	SYNFrames [MaxSYNTimes]int64
	// FINs and RSTs count every FIN and RST segment sent (retransmissions
	// and unacceptable resets included); the first MaxFlagFrames frame
	// numbers of each are kept.
	FINs      int
	FINFrames [MaxFlagFrames]int64
	RSTs      int
	RSTFrames [MaxFlagFrames]int64
	// FINTime is when the endpoint first sent FIN (valid when SentFIN).
	FINTime  time.Time
	FINFrame int64
	// PayloadAfterPeerFIN counts payload bytes this endpoint sent after
	// the peer's FIN (data flowing on a half-closed connection).
	PayloadAfterPeerFIN int64

	isn      tcpstate.Seq // valid when isnKnown
	isnKnown bool
	finSeq   tcpstate.Seq // sequence number of the FIN octet, valid when SentFIN
	sndNxt   tcpstate.Seq // highest seq + len sent, valid when nxtKnown
	nxtKnown bool
	ackSent  tcpstate.Seq // highest ACK sent, valid when ackKnown
	ackKnown bool
	window   uint32 // last advertised window, scaled
	winKnown bool
	wscale   int8 // window scale offered in the SYN, -1 when none
	timeWait time.Time
	holes    [maxHoles]hole // sequence ranges skipped and not seen yet
	nholes   uint8
}

// maxHoles bounds the holes tracked per endpoint; beyond it the oldest
// hole is forgotten.
const maxHoles = 4

// hole is the sequence range [start, end) an endpoint skipped.
type hole struct{ start, end tcpstate.Seq }

func (e *Endpoint) addHole(start, end tcpstate.Seq) {
	if e.nholes == maxHoles {
		copy(e.holes[:], e.holes[1:])
		e.nholes--
	}
	e.holes[e.nholes] = hole{start, end}
	e.nholes++
}

// fillHoles removes the part of each hole that [start, end) covers. A
// segment inside a hole keeps the hole's larger remaining side.
func (e *Endpoint) fillHoles(start, end tcpstate.Seq) {
	for i := 0; i < int(e.nholes); {
		h := &e.holes[i]
		switch {
		case !start.LessThan(h.end) || !h.start.LessThan(end):
			// no overlap
		case start.LessEq(h.start) && h.end.LessEq(end):
			e.nholes--
			e.holes[i] = e.holes[e.nholes]
			continue
		case start.LessEq(h.start):
			h.start = end
		case h.end.LessEq(end):
			h.end = start
		default:
			if start.Sub(h.start) >= h.end.Sub(end) {
				h.end = start
			} else {
				h.start = end
			}
		}
		i++
	}
}

// Transition is one state change of one endpoint.
type Transition struct {
	Frame    int64
	Time     time.Time
	Endpoint Role
	From, To tcpstate.State
	Cause    string
}

// Anomalies counts what a correct pair of stacks would not produce, as seen
// on one connection.
type Anomalies struct {
	InvalidEvents  int // an event the state machine marks invalid in the endpoint's state
	IllegalFlags   int // flag combinations no stack sends (SYN+FIN, null, FIN without ACK...)
	OutOfWindowRST int // resets whose sequence number is not acceptable
	BadSYNACK      int // SYN-ACKs that do not acknowledge the client's SYN
}

// Conn is one TCP connection (one Wireshark tcp.stream).
type Conn struct {
	Key    Key
	Stream int64
	// ClientDir is the direction in which the client sends.
	ClientDir     Dir
	RolesInferred bool
	// Midstream is set when the capture missed the handshake.
	Midstream bool
	// QuotedOnly is set while every frame of the connection was a TCP
	// header quoted in an ICMP error.
	QuotedOnly bool
	EP         [2]Endpoint // indexed by Role

	FirstFrame, LastFrame int64
	Start, End            time.Time
	Transitions           []Transition
	Anomalies             Anomalies
	// MissedBytes counts sequence space acknowledged by one side but never
	// seen from the other (capture loss), as Zeek's missed_bytes.
	MissedBytes int64
	// ClosedBy is the role that sent the first FIN or RST, -1 when none,
	// 2 when both closed simultaneously.
	ClosedBy int8

	Zeek zeek.Conn
	// zeekFirst is the direction of the first packet Zeek saw (its side 0).
	zeekFirst Dir

	base      [2]uint32 // Wireshark base sequence numbers per Dir
	baseKnown [2]bool
	doneAt    time.Time // when both endpoints became final; zero while open
	lastSeen  time.Time
	listener  bool // the server's SYN-ACK was counted for its listener
	evicted   bool
	gen       uint32 // incremented each time the Conn is recycled
}

// Role returns the role of the sender in direction d.
func (c *Conn) Role(d Dir) Role {
	if d == c.ClientDir {
		return Client
	}
	return Server
}

// ZeekOrigIsClient reports whether Zeek's originator is the client.
func (c *Conn) ZeekOrigIsClient() bool {
	origDir := c.zeekFirst
	if c.Zeek.Flipped() {
		origDir = 1 - origDir
	}
	return origDir == c.ClientDir
}

// Evicted reports whether the connection was handed out early because the
// table was full.
func (c *Conn) Evicted() bool { return c.evicted }

// Done reports whether both endpoints are gone (closed, reset, past
// TIME_WAIT) or never showed any state.
func (c *Conn) Done() bool {
	for i := range c.EP {
		if s := c.EP[i].State; s != tcpstate.Closed && s != tcpstate.StateNone {
			return false
		}
	}
	return c.EP[Client].State == tcpstate.Closed || c.EP[Server].State == tcpstate.Closed
}

// HandshakeDone reports whether both endpoints reached a synchronized state.
func (c *Conn) HandshakeDone() bool {
	return c.EP[Client].SentSYN && c.EP[Server].SentSYN && !c.Midstream && c.everSynchronized()
}

func (c *Conn) everSynchronized() bool {
	for _, t := range c.Transitions {
		if t.To == tcpstate.Established {
			return true
		}
	}
	return false
}
