package flow

import (
	"math"
	"net/netip"
	"strconv"
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
	// Evidence says how State is known: observed in the endpoint's own
	// packets, inferred from the peer's, or assumed.
	Evidence tcpstate.Evidence
	// SinceFrame is the frame of the endpoint's last state change (or of
	// the connection's first packet when it never changed); Since returns
	// its time.
	SinceFrame int64
	since      int64 // unix nanoseconds

	Packets      int64
	PayloadBytes int64
	IPBytes      int64

	SentSYN bool // sent a SYN or SYN-ACK
	SentFIN bool
	SentRST bool
	// SYNs counts SYN (client) or SYN-ACK (server) transmissions with the
	// same ISN; Conn.SYNFrames and Conn.SYNTimes give the frames and times
	// of the first MaxSYNTimes.
	SYNs int
	// FINs and RSTs count every FIN and RST segment sent (retransmissions
	// and unacceptable resets included); Conn.FINFrames and Conn.RSTFrames
	// give the frames of the first MaxFlagFrames of each.
	FINs int
	RSTs int

	// Evidence frames as offsets from the connection's first frame and
	// SYN times as microseconds from its start: 4 bytes each.
	synFrame [MaxSYNTimes]uint32
	synAt    [MaxSYNTimes]uint32
	finFrame [MaxFlagFrames]uint32
	rstFrame [MaxFlagFrames]uint32
	// FINFrame is the frame of the endpoint's first FIN (valid when
	// SentFIN); FINTime returns its time.
	FINFrame int64
	finAt    int64 // unix nanoseconds
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
	wscale   int8           // window scale offered in the SYN, -1 when none
	timeWait int64          // unix nanoseconds: when TIME_WAIT ends
	holes    [maxHoles]hole // sequence ranges skipped and not seen yet
	nholes   uint8
	os       *osGuess // the OS its first SYN or SYN-ACK fingerprints; nil: unknown
	// spoke: the endpoint sent data, a SYN or a FIN the capture saw or
	// the peer's advancing acknowledgements prove, or the connection was
	// in its handshake, so it had not closed before the capture. closeUnsure: in a connection picked up
	// mid-stream, its closing states rest on the assumption that it (or
	// its peer) had not closed before the capture (see Tracker.setState).
	spoke       bool
	closeUnsure bool
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

// Since returns the time of the endpoint's last state change.
func (e *Endpoint) Since() time.Time { return fromNanos(e.since) }

// FINTime returns when the endpoint first sent FIN (valid when SentFIN).
func (e *Endpoint) FINTime() time.Time { return fromNanos(e.finAt) }

// UnixNanos returns t in unix nanoseconds, the clock the tracker (and the
// findings' per-client state) keep: 8 bytes and no pointer, where a
// time.Time takes 24 and holds a *Location the collector scans. Times
// outside int64 nanoseconds (years before 1678 or after 2261, such as the
// zero time of a pcapng simple packet block) are clamped; the zero time
// round-trips.
func UnixNanos(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec <= math.MinInt64/int64(time.Second):
		return math.MinInt64
	case sec >= math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// AppendSYNFrames appends the frames of endpoint r's first MaxSYNTimes
// SYNs (the client's) or SYN-ACKs (the server's), retransmissions included.
func (c *Conn) AppendSYNFrames(dst []int64, r Role) []int64 {
	ep := &c.EP[r]
	return c.appendFrames(dst, ep.synFrame[:min(ep.SYNs, MaxSYNTimes)])
}

// AppendSYNTimes appends the times of those SYNs or SYN-ACKs.
func (c *Conn) AppendSYNTimes(dst []time.Time, r Role) []time.Time {
	ep := &c.EP[r]
	for _, us := range ep.synAt[:min(ep.SYNs, MaxSYNTimes)] {
		dst = append(dst, c.Start.Add(time.Duration(us)*time.Microsecond).UTC())
	}
	return dst
}

// AppendFINFrames appends the frames of endpoint r's first MaxFlagFrames
// FINs, retransmissions included.
func (c *Conn) AppendFINFrames(dst []int64, r Role) []int64 {
	ep := &c.EP[r]
	return c.appendFrames(dst, ep.finFrame[:min(ep.FINs, MaxFlagFrames)])
}

// AppendRSTFrames appends the frames of endpoint r's first MaxFlagFrames
// resets.
func (c *Conn) AppendRSTFrames(dst []int64, r Role) []int64 {
	ep := &c.EP[r]
	return c.appendFrames(dst, ep.rstFrame[:min(ep.RSTs, MaxFlagFrames)])
}

func (c *Conn) appendFrames(dst []int64, offs []uint32) []int64 {
	for _, o := range offs {
		dst = append(dst, c.FirstFrame+int64(o))
	}
	return dst
}

// frameOffset and sinceStart pack a frame and a time relative to the
// connection's first frame and start (saturating).
func (c *Conn) frameOffset(f int64) uint32 {
	return uint32(min(max(f-c.FirstFrame, 0), math.MaxUint32))
}

func (c *Conn) sinceStart(t time.Time) uint32 {
	return uint32(min(max(t.Sub(c.Start)/time.Microsecond, 0), math.MaxUint32))
}

// Closer names who closed a connection first: the sender of its first FIN
// or RST.
type Closer int8

// The closers. The values of the client and the server are their Roles.
const (
	ClosedByNone   Closer = -1 // nobody sent FIN or RST
	ClosedByClient Closer = Closer(Client)
	ClosedByServer Closer = Closer(Server)
	ClosedByBoth   Closer = 2 // both sent FIN before receiving the other's
)

// closerOf is the Closer of role r.
func closerOf(r Role) Closer { return Closer(r) }

// Is reports whether role r closed first, alone or simultaneously.
func (c Closer) Is(r Role) bool { return c == closerOf(r) || c == ClosedByBoth }

// String returns client, server, both or none, as the report's closed_by.
func (c Closer) String() string {
	switch c {
	case ClosedByClient:
		return "client"
	case ClosedByServer:
		return "server"
	case ClosedByBoth:
		return "both"
	case ClosedByNone:
		return "none"
	}
	return "Closer(" + strconv.Itoa(int(c)) + ")"
}

// Transition is one state change of one endpoint (24 bytes).
type Transition struct {
	Frame    int64
	at       int64 // unix nanoseconds
	Endpoint Role
	From, To tcpstate.State
	cause    Cause
	// Evidence says how the change is known (see Endpoint.Evidence).
	Evidence tcpstate.Evidence
}

// Time returns when the transition happened (capture time).
func (t *Transition) Time() time.Time { return fromNanos(t.at) }

// Cause returns what moved the endpoint, e.g. EventCause(tcpstate.RoleRecv,
// tcpstate.EvFIN), whose String is "received FIN".
func (t *Transition) Cause() Cause { return t.cause }

// Event returns the state machine's role and event that moved the
// endpoint (tcpstate.RoleSent, tcpstate.EvRST for "sent RST"); ok is
// false for the passive observer's own causes (a mid-stream pickup, a
// deduction from missing packets).
func (t *Transition) Event() (r tcpstate.Role, e tcpstate.Event, ok bool) { return t.cause.Event() }

// Cause names what moved an endpoint: one of the machine's (role, event)
// pairs (EventCause), or one of the passive observer's rules below them.
// Compare causes, not their text: String is for people and may be
// reworded.
type Cause uint8

// The passive observer's causes, after the machine's 2*tcpstate.NumEvents.
const (
	CauseMidstream         Cause = Cause(2*tcpstate.NumEvents) + iota // picked up mid-stream
	CauseSimultaneousClose                                            // sent FIN before receiving the peer's
	CauseReused                                                       // the 4-tuple was reused by a new connection
	// Deductions from a capture that misses packets (one direction, a
	// late start, capture loss); their evidence is Inferred.
	CauseUnseenSYNACK        // the peer acknowledged a SYN-ACK the capture missed: it was sent
	CauseAckedSYNACK         // the endpoint acknowledged a SYN-ACK the capture missed
	CauseUnseenHandshake     // the server went on after a handshake ACK the capture missed
	CausePeerData            // the endpoint's data was acknowledged (mid-stream pickup)
	CauseUnseenFIN           // the peer acknowledged a FIN the capture missed: it was sent
	CauseAckedFIN            // the endpoint acknowledged a FIN the capture missed
	CauseFINNotRetransmitted // a FIN the capture missed was acknowledged and never retransmitted
	numCauses
)

var causeText = [numCauses]string{
	"sent SYN", "sent SYN-ACK", "sent ACK of SYN", "sent FIN", "sent ACK of FIN", "sent RST", "2*MSL elapsed",
	"received SYN", "received SYN-ACK", "received ACK of SYN", "received FIN", "received ACK of FIN", "received RST", "2*MSL elapsed",
	CauseMidstream:         "midstream pickup",
	CauseSimultaneousClose: "sent FIN before receiving peer's FIN",
	CauseReused:            "4-tuple reused by a new connection",

	CauseUnseenSYNACK:        "sent SYN-ACK (not captured: the peer acknowledged it)",
	CauseAckedSYNACK:         "acknowledged a SYN-ACK the capture missed",
	CauseUnseenHandshake:     "sent after the handshake's ACK (not captured)",
	CausePeerData:            "sent data (not captured: the peer acknowledged it)",
	CauseUnseenFIN:           "sent FIN (not captured: the peer acknowledged it)",
	CauseAckedFIN:            "acknowledged a FIN the capture missed",
	CauseFINNotRetransmitted: "FIN acknowledged (not captured: never retransmitted)",
}

// EventCause is the cause of the state machine's event e seen in role r.
func EventCause(r tcpstate.Role, e tcpstate.Event) Cause {
	return Cause(int(r)*tcpstate.NumEvents + int(e))
}

// Event returns the machine's role and event of a cause made by
// EventCause; ok is false for the observer's own causes.
func (c Cause) Event() (r tcpstate.Role, e tcpstate.Event, ok bool) {
	if c >= Cause(2*tcpstate.NumEvents) {
		return 0, 0, false
	}
	return tcpstate.Role(int(c) / tcpstate.NumEvents), tcpstate.Event(int(c) % tcpstate.NumEvents), true
}

// String returns the cause as the report's transition cause, e.g.
// "received FIN" or "midstream pickup".
func (c Cause) String() string {
	if c < numCauses {
		return causeText[c]
	}
	return "cause(" + string(rune('0'+c%10)) + ")"
}

// Anomalies counts what a correct pair of stacks would not produce, as seen
// on one connection.
type Anomalies struct {
	InvalidEvents  int // an event the state machine marks invalid in the endpoint's state
	IllegalFlags   int // flag combinations no stack sends (SYN+FIN, null, FIN without ACK...)
	OutOfWindowRST int // resets whose sequence number is not acceptable
	BadSYNACK      int // SYN-ACKs that do not acknowledge the client's SYN
	// named counts each AnomalyKind and keeps its first frame
	// (Conn.AppendAnomalies).
	named [numAnomalyKinds]namedAnomaly
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
	// ClosedBy says who sent the first FIN or RST.
	ClosedBy Closer
	// Part is 0 for a whole stream. A connection the tracker had to hand
	// out before its stream ended (the table was full, a live capture's
	// IdleTimeout, packets after the linger) continues in a new record of
	// the same Stream: its Part is 2, then 3, and so on.
	Part int32
	// FirstFlags are the TCP flags of the connection's first packet, whose
	// sender FirstSender returns (a probe's flags: nmap -sA, -sF, -sN...).
	FirstFlags uint16

	Zeek zeek.Conn
	// zeekFirst is the direction of the first packet Zeek saw (its side 0).
	zeekFirst Dir

	base      [2]uint32 // Wireshark base sequence numbers per Dir
	baseKnown [2]bool
	doneAt    int64 // unix nanoseconds when both endpoints became final, valid when done
	done      bool
	lastSeen  int64 // unix nanoseconds
	listener  bool  // the server's SYN-ACK was counted for its listener
	evicted   bool
	synced    bool   // an endpoint reached a synchronized state (see Config.IdleTimeout)
	id        uint32 // the tracker's number for this connection record: timers name it
	// finCand is a FIN the capture missed that one endpoint's
	// acknowledgement implies, until it is committed or refuted (infer.go).
	finCand finCandidate
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

// FirstSender returns the role of the endpoint that sent the connection's
// first packet.
func (c *Conn) FirstSender() Role { return c.Role(c.zeekFirst) }

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

// quiescent reports whether neither endpoint expects more packets: each is
// CLOSED, in TIME_WAIT or never showed a state.
func (c *Conn) quiescent() bool {
	for i := range c.EP {
		switch c.EP[i].State {
		case tcpstate.Closed, tcpstate.TimeWait, tcpstate.StateNone:
		default:
			return false
		}
	}
	return true
}
