package flow

import (
	"math"
	"net/netip"
	"sort"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/osfp"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
	"github.com/wirestat/wirestat/reconstruct/zeek"
)

// Config holds the tracker's timing and size limits. Zero fields take the
// defaults documented on each.
type Config struct {
	// MSL is the maximum segment lifetime; TIME_WAIT lasts 2*MSL of capture
	// time. Default 60 s (Linux; Windows hosts use 120 s).
	MSL time.Duration
	// Linger keeps a finished connection (both endpoints closed) in the
	// table this long so late packets still join it. Default 30 s.
	Linger time.Duration
	// IdleTimeout hands out a connection with no packets for this long
	// when neither endpoint reached a synchronized state (an unanswered,
	// refused or abandoned attempt). A connection that completed its
	// handshake is kept, frozen, however long it is quiet, so that one
	// stream is never split on time, as Wireshark never splits one; the
	// table stays bounded by MaxConns. Default 1 h.
	IdleTimeout time.Duration
	// TombstoneTTL is how long the 4-tuple of a connection handed out
	// (finished, an attempt handed out idle, or evicted) remembers its
	// stream number and base sequence numbers, so that a later packet
	// continues the stream in a new record (Conn.Part) numbered as
	// Wireshark numbers it. Default (0): no time limit; the tombstones are
	// bounded by MaxConns, the oldest forgotten first.
	TombstoneTTL time.Duration
	// MaxConns bounds the table, live and frozen connections together;
	// when full the least recently active tenth is handed out early and
	// counted as evicted. A live connection takes about 1.5 KB, a frozen
	// one about 400 bytes with its table entry, so the default bound keeps
	// a table of idle connections near 0.4 GB. The tombstones of finished
	// 4-tuples are bounded by the same number (the oldest are dropped
	// first). Default 1,000,000.
	MaxConns int
	// ColdAfter freezes a connection with no packet for this long of
	// capture time into a compact record (about a fifth of a live one),
	// thawed losslessly when it is needed again. A connection whose
	// endpoints are both closed or in TIME_WAIT is frozen at once. Default
	// 2 s; negative never freezes.
	ColdAfter time.Duration
	// OSTimeWait times each endpoint's TIME_WAIT by the default of the
	// operating system its SYN or SYN-ACK fingerprints (osfp.TimeWait),
	// and by 2*MSL when its OS is unknown. Off: 2*MSL for every endpoint.
	OSTimeWait bool
	// Reuse recycles a connection's memory once the emit callback has
	// returned: emit must then keep nothing of the *Conn. Off by default.
	Reuse bool
	// ZeekPorts are the likely server ports of the Zeek view's role flips
	// (zeek.DefaultPorts when nil).
	ZeekPorts zeek.Ports
	// Forget, when set, learns each stream number the tracker will never
	// name again: a tombstone dropped without its stream continuing
	// (see TombstoneTTL and MaxConns). A stream handed out by Flush leaves
	// no tombstone and is not reported.
	Forget func(stream int64)
	// OnTransition, when set, sees every state change as it is recorded:
	// tr is the connection's last transition. Neither c nor tr may be kept
	// after the call.
	OnTransition func(c *Conn, tr *Transition)
}

func (c *Config) setDefaults() {
	if c.MSL <= 0 {
		c.MSL = 60 * time.Second
	}
	if c.Linger <= 0 {
		c.Linger = 30 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.ColdAfter == 0 {
		c.ColdAfter = DefaultColdAfter
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
}

// DefaultIdleTimeout is Config.IdleTimeout's default.
const DefaultIdleTimeout = time.Hour

// DefaultMaxConns is Config.MaxConns's default.
const DefaultMaxConns = 1_000_000

// DefaultColdAfter is Config.ColdAfter's default.
const DefaultColdAfter = 2 * time.Second

// Listener is a host:port that answered a SYN with a SYN-ACK.
type Listener struct {
	Addr        netip.AddrPort
	FirstFrame  int64
	Connections int64
}

// Stats counts tracker-level events.
type Stats struct {
	Connections int64 // connections created (streams plus continuations)
	Evicted     int64 // connections handed out early because the table was full
	IdleExpired int64 // connections handed out after IdleTimeout without packets
	Continued   int64 // connections re-created from a tombstone by late packets
	Frozen      int64 // times a connection was frozen (see Config.ColdAfter)
	Thawed      int64 // times a frozen connection was thawed
}

type tomb struct {
	stream    int64
	part      int32 // the part of the stream handed out (Conn.Part)
	base      [2]uint32
	baseKnown [2]bool
	at        int64 // unix nanoseconds: when the connection was handed out
}

// timer is a TIME_WAIT deadline of one endpoint. It names its connection
// by 4-tuple and id, so it outlives the connection's freezing, and a timer
// whose connection is gone or was replaced is stale.
type timer struct {
	at   int64 // unix nanoseconds
	key  mapKey
	id   uint32
	role Role
}

// lingerRef is a finished connection waiting out Config.Linger.
type lingerRef struct {
	at  int64 // unix nanoseconds: when the connection finished (Conn.doneAt)
	key mapKey
	id  uint32
}

type tombRef struct {
	key mapKey
	at  int64
}

// Tracker turns segments into connections.
type Tracker struct {
	cfg        Config
	conns      map[mapKey]*Conn
	frozen     frozenTable // connections without packets for ColdAfter
	records    recordStore // the frozen connections' records
	connsPeak  int         // most live connections since conns was last rebuilt
	pinned     bool        // records are named from outside the table (Flush, evict): no compaction
	tombs      map[mapKey]tomb
	tombQueue  []tombRef   // the tombstones, by time
	timeWaits  []timer     // TIME_WAIT deadlines in time order (2*MSL is constant)
	lingering  []lingerRef // finished connections in doneAt order
	free       []*Conn     // recycled connections (Config.Reuse)
	listeners  map[netip.AddrPort]*Listener
	nextStream int64
	nextID     uint32
	lastCold   int64  // unix nanoseconds of the last freezing pass
	coldCap    int    // live table size that triggers an early freezing pass
	scratch    []byte // freezing buffer
	emit       func(*Conn)
	now        int64 // unix nanoseconds of the clock (math.MinInt64 before the first packet)
	lastSweep  int64 // unix nanoseconds of the last idle sweep (math.MinInt64: none yet)
	stats      Stats
	osGuesses  []*osGuess                  // distinct OS guesses, by number
	osIndex    map[osfp.Signature]*osGuess // a signature's guess (nil: none matched)
	handing    HandOut                     // the hand-out in progress (HandingOut)
	due        []dueLinger                 // scratch of advance
}

// NewTracker returns a tracker that calls emit for every connection once it
// is finished (or at Flush). emit must not keep the *Conn after returning.
func NewTracker(cfg Config, emit func(*Conn)) *Tracker {
	cfg.setDefaults()
	return &Tracker{
		cfg:       cfg,
		conns:     make(map[mapKey]*Conn),
		frozen:    newFrozenTable(0),
		records:   newRecordStore(),
		tombs:     make(map[mapKey]tomb),
		listeners: make(map[netip.AddrPort]*Listener),
		emit:      emit,
		now:       math.MinInt64,
		lastSweep: math.MinInt64,
	}
}

// Stats returns the tracker's counters.
func (t *Tracker) Stats() Stats { return t.stats }

// Open returns the number of connections in the table, frozen or not.
func (t *Tracker) Open() int { return len(t.conns) + t.frozen.len() }

// Each calls fn for every connection in the table, in no particular
// order, without changing it: a frozen connection is read into a scratch
// Conn that fn must not keep (nor any Conn) after it returns, nor modify.
func (t *Tracker) Each(fn func(c *Conn)) {
	for _, c := range t.conns {
		fn(c)
	}
	if t.frozen.len() == 0 {
		return
	}
	var scratch Conn
	for mk, f := range t.frozen.all() {
		if err := scratch.readFrozen(mk.unpacked(), f.frozenHead, t.records.get(f.rec), t.osByIndex); err != nil {
			continue // only a bug corrupts a record; Each only reads
		}
		fn(&scratch)
	}
}

// Listeners returns the listeners seen, ordered by first frame.
func (t *Tracker) Listeners() []Listener {
	out := make([]Listener, 0, len(t.listeners))
	for _, l := range t.listeners {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FirstFrame < out[j].FirstFrame })
	return out
}

func pureSYN(seg *decode.Segment) bool {
	return seg.Flags&decode.SYN != 0 && seg.Flags&decode.ACK == 0
}

// Add processes one segment and returns the stream number of the
// connection it joined. Segments must come in capture order.
func (t *Tracker) Add(seg *decode.Segment) int64 {
	at := UnixNanos(seg.Time)
	if at > t.now {
		t.advance(at)
	}
	mk, dir := canonPacked(seg.Src, seg.Dst)
	c := t.conns[mk]
	if c == nil {
		c = t.thaw(mk)
	}
	forced := seg.Stream - 1 // -1: the tracker numbers the stream itself
	if forced >= 0 && c != nil && c.Stream != forced {
		// The whole capture's numbering starts a new stream here.
		t.handing = HandOut{Phase: PhasePacket}
		t.finish(c)
		c = t.newConn(segKey(seg), dir, seg, forced)
	} else if c != nil && startsNewStream(c.base, c.baseKnown, dir, seg) {
		// Wireshark: a pure SYN with a new sequence number starts a new
		// stream on the same 4-tuple (port reuse). An endpoint still in
		// TIME_WAIT accepts the new SYN and the old connection is gone
		// (RFC 9293 §3.10.7.4, RFC 6191).
		for r := range c.EP {
			if c.EP[r].State == tcpstate.TimeWait {
				t.setState(c, Role(r), tcpstate.Closed, seg, tcpstate.Inferred, CauseReused)
			}
		}
		t.handing = HandOut{Phase: PhasePacket}
		t.finish(c)
		c = t.newConn(segKey(seg), dir, seg, forced)
	} else if c == nil {
		stream := forced
		if tb, ok := t.tombs[mk]; ok {
			if forced < 0 && !startsNewStream(tb.base, tb.baseKnown, dir, seg) {
				stream = tb.stream
				t.stats.Continued++
			}
			delete(t.tombs, mk)
			c = t.newConn(segKey(seg), dir, seg, stream)
			if stream >= 0 && stream == tb.stream {
				c.base, c.baseKnown = tb.base, tb.baseKnown
				c.Part = max(tb.part, 1) + 1
			} else {
				t.forget(tb.stream)
			}
		} else {
			c = t.newConn(segKey(seg), dir, seg, forced)
		}
	}
	if seg.Frame > c.LastFrame {
		c.LastFrame = seg.Frame
	}
	c.End = seg.Time
	c.lastSeen = at
	if seg.Quoted {
		return c.Stream
	}
	c.QuotedOnly = false
	t.updateBase(c, dir, seg)
	t.step(c, dir, seg)
	t.checkDone(c, at)
	stream := c.Stream
	if t.cfg.ColdAfter >= 0 && c.quiescent() {
		// Nothing more is expected of it: freeze it while its record is
		// still in the processor's cache.
		t.freeze(mk, c)
	}
	return stream
}

// updateBase maintains Wireshark's base sequence numbers, which decide
// whether a later SYN is a retransmission or a new stream.
func (t *Tracker) updateBase(c *Conn, dir Dir, seg *decode.Segment) {
	if seg.HeaderLen < 20 || seg.BadHeaderLen {
		return
	}
	syn := seg.Flags&decode.SYN != 0
	switch {
	case syn && seg.Flags&decode.ACK != 0:
		c.base[dir], c.baseKnown[dir] = seg.Seq, true
	case !c.baseKnown[dir]:
		if syn {
			c.base[dir] = seg.Seq
		} else {
			c.base[dir] = seg.Seq - 1
		}
		c.baseKnown[dir] = true
	}
	if seg.Flags&decode.ACK != 0 && !c.baseKnown[1-dir] {
		c.base[1-dir], c.baseKnown[1-dir] = seg.Ack-1, true
	}
}

func (t *Tracker) newConn(key Key, dir Dir, seg *decode.Segment, stream int64) *Conn {
	if t.Open() >= t.cfg.MaxConns {
		t.handing = HandOut{Phase: PhasePacket}
		t.evict()
	}
	t.growCold()
	if stream < 0 {
		stream = t.nextStream
		t.nextStream++
	}
	t.stats.Connections++
	c := t.alloc()
	t.nextID++
	*c = Conn{
		id:          t.nextID,
		Transitions: c.Transitions[:0],
		Key:         key,
		Stream:      stream,
		FirstFrame:  seg.Frame,
		LastFrame:   seg.Frame,
		Start:       seg.Time,
		End:         seg.Time,
		ClosedBy:    ClosedByNone,
		QuotedOnly:  seg.Quoted,
		FirstFlags:  seg.Flags,
		zeekFirst:   dir,
	}
	c.Zeek.SetPorts(t.cfg.ZeekPorts)
	c.ClientDir = inferClient(dir, seg, &c.RolesInferred)
	for _, r := range [2]Role{Client, Server} {
		d := c.ClientDir
		if r == Server {
			d = 1 - d
		}
		c.EP[r].Addr = key.Src(d)
		c.EP[r].since = UnixNanos(seg.Time)
		c.EP[r].SinceFrame = seg.Frame
		c.EP[r].wscale = -1
	}
	flags := seg.Flags
	if !seg.Quoted && flags&(decode.SYN|decode.RST) == 0 {
		// Midstream pickup: the handshake happened before the capture.
		// Only the sender is known to exist: the receiver stays UNKNOWN
		// until it answers or the sender's acknowledgements prove it sent.
		c.Midstream = true
		t.setState(c, c.Role(dir), tcpstate.Established, seg, tcpstate.Assumed, CauseMidstream)
	}
	t.conns[key.packed()] = c
	t.connsPeak = max(t.connsPeak, len(t.conns))
	return c
}

// forget reports a stream number that is gone for good (Config.Forget).
func (t *Tracker) forget(stream int64) {
	if t.cfg.Forget != nil {
		t.cfg.Forget(stream)
	}
}

// inferClient decides which direction the client sends in from a
// connection's first segment, travelling in direction d.
func inferClient(d Dir, seg *decode.Segment, inferred *bool) Dir {
	switch {
	case seg.Quoted:
		// A quoted header is what the sender of the original segment sent.
	case pureSYN(seg):
		return d
	case seg.Flags&(decode.SYN|decode.ACK) == decode.SYN|decode.ACK:
		*inferred = true
		return 1 - d
	}
	*inferred = true
	sp, dp := seg.Src.Port(), seg.Dst.Port()
	switch ss, ds := serverPort(sp), serverPort(dp); {
	case ss && !ds:
		return 1 - d
	case ds && !ss:
		return d
	case ss && ds && sp < dp:
		return 1 - d
	case ss && ds:
		return d
	}
	switch se, de := sp >= ephemeralBase, dp >= ephemeralBase; {
	case se && !de:
		return d
	case de && !se:
		return 1 - d
	}
	return d
}

// ephemeralBase is the lowest port of the dynamic range operating systems
// draw client ports from (Linux 32768, IANA 49152).
const ephemeralBase = 32768

func serverPort(p uint16) bool { return p < 1024 || zeek.LikelyServerPort(p) }

func (t *Tracker) setState(c *Conn, r Role, to tcpstate.State, seg *decode.Segment, ev tcpstate.Evidence, why Cause) {
	ep := &c.EP[r]
	if ep.State == to {
		return
	}
	switch {
	case to == tcpstate.SynSent, to == tcpstate.SynReceived, why == CauseAckedSYNACK, why == CauseUnseenHandshake:
		// In the handshake neither endpoint can have closed.
		c.EP[0].spoke, c.EP[1].spoke = true, true
	}
	if c.Midstream && !ep.closeUnsure {
		// A connection picked up mid-stream cannot show a FIN sent before
		// the capture: an endpoint that receives a FIN may have sent its
		// own already (TIME_WAIT or CLOSING, not CLOSE_WAIT), one that
		// sends a FIN may have received its peer's (LAST_ACK, not
		// FIN_WAIT_1), unless the endpoint in question sent data or a FIN
		// since the pickup. Its closing states are then only assumed.
		switch {
		case to == tcpstate.CloseWait && !ep.spoke,
			to == tcpstate.FinWait1 && !c.EP[1-r].spoke:
			ep.closeUnsure = true
		}
	}
	if ep.closeUnsure {
		ev = tcpstate.Assumed
	}
	ep.Evidence = ev
	if c.Transitions == nil {
		// Room for a handshake's worth of state changes; a full open and
		// close (about eleven) grows it twice.
		c.Transitions = make([]Transition, 0, 4)
	}
	c.Transitions = append(c.Transitions, Transition{
		Frame: seg.Frame, at: UnixNanos(seg.Time), Endpoint: r, From: ep.State, To: to, cause: why, Evidence: ev,
	})
	ep.State = to
	c.synced = c.synced || to.Synchronized()
	ep.since = UnixNanos(seg.Time)
	ep.SinceFrame = seg.Frame
	if to == tcpstate.TimeWait {
		t.startTimeWait(c, r, seg.Time)
	}
	if t.cfg.OnTransition != nil {
		t.cfg.OnTransition(c, &c.Transitions[len(c.Transitions)-1])
	}
}

// startTimeWait (re)starts endpoint r's 2*MSL timer at time at.
func (t *Tracker) startTimeWait(c *Conn, r Role, at time.Time) {
	ep := &c.EP[r]
	ep.timeWait = UnixNanos(at.Add(t.timeWait(ep)))
	t.timeWaits = append(t.timeWaits, timer{at: ep.timeWait, key: c.Key.packed(), id: c.id, role: r})
}

// checkDone starts the linger of a connection whose endpoints are all gone
// (at, unix nanoseconds), once.
func (t *Tracker) checkDone(c *Conn, at int64) {
	if c.done && !c.Done() {
		c.done, c.doneAt = false, 0 // reopened: its linger is void
	}
	if !c.done && c.Done() {
		c.done, c.doneAt = true, at
		t.lingering = append(t.lingering, lingerRef{at: at, key: c.Key.packed(), id: c.id})
	}
}

// startsNewStream applies Wireshark's rule: a pure SYN whose sequence
// number differs from the known base sequence number of its direction
// starts a new stream on the same 4-tuple.
func startsNewStream(base [2]uint32, known [2]bool, dir Dir, seg *decode.Segment) bool {
	return pureSYN(seg) && known[dir] && base[dir] != seg.Seq
}

// apply runs one event through the machine for endpoint r.
func (t *Tracker) apply(c *Conn, r Role, role tcpstate.Role, ev tcpstate.Event, seg *decode.Segment) {
	t.applyAs(c, r, role, ev, seg, tcpstate.EvidenceOf(role, ev), EventCause(role, ev))
}

// applyAs is apply for an event the capture did not show itself, with the
// evidence and cause the deduction gives it.
func (t *Tracker) applyAs(c *Conn, r Role, role tcpstate.Role, ev tcpstate.Event, seg *decode.Segment, evid tcpstate.Evidence, why Cause) {
	next, res := tcpstate.Next(c.EP[r].State, role, ev)
	switch res {
	case tcpstate.Moved:
		t.setState(c, r, next, seg, evid, why)
	case tcpstate.Invalid:
		c.Anomalies.InvalidEvents++
	}
}

// legalFlags reports whether a flag combination (PSH, ECE, CWR, NS
// ignored) is one a TCP stack sends.
func legalFlags(f uint16) bool {
	switch f & (decode.FIN | decode.SYN | decode.RST | decode.ACK | decode.URG) {
	case decode.SYN, decode.SYN | decode.URG, decode.SYN | decode.ACK,
		decode.RST, decode.RST | decode.ACK,
		decode.FIN | decode.ACK, decode.FIN | decode.ACK | decode.URG,
		decode.ACK, decode.ACK | decode.URG:
		return true
	}
	return false
}
