package findings

import (
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// Collector groups finished connections into findings. Feed it every
// connection with Add, in the order the tracker hands them out, and call
// Findings at the end. It keeps only compact aggregates per group (server
// host:port, source host, ...), never the connections themselves, and
// settles the per-source and per-side state that has been idle for
// Config.Horizon of capture time, so its memory follows the busiest
// stretch of the capture rather than its length (see Config.Horizon for
// what settling means). It is not safe for concurrent use.
type Collector struct {
	cfg Config
	trw trwParams

	attempts   map[failKey]*serverAttempts    // syn_unanswered, syn_rejected, synack_unanswered of settled sources
	retrans    map[netip.AddrPort]*retransAgg // syn_retransmitted
	halfClosed map[sideKey]*halfClosedAgg
	sides      map[sideKey]*sideAgg // time_wait_accumulation
	// pendingSides are the sides without a TIME_WAIT endpoint so far.
	pendingSides map[packedSide]sideCounts
	resets       map[sideKey]*resetAgg
	sources      map[netip.Addr]*source       // scan, and the failed attempts of each source
	floods       map[netip.AddrPort]*floodAgg // syn_flood
	scratch      []int64
	captureEnd   time.Time // latest last packet of any connection added: the collector's clock
	clock        int64     // captureEnd in unix nanoseconds (flow.UnixNanos)

	// Settled sources: the findings of those found scanning, and their
	// addresses (a scanner's probe resets are not reported).
	pastScans    []keyedFinding
	pastScanners map[netip.Addr]bool
	nextSweep    time.Time // clock value at which settle runs next

	// observed is the end of the capture in unix nanoseconds, set by
	// ObserveUntil before the tracker hands out the connections still open
	// (0 before): connections added after it were still open at the end.
	observed atomic.Int64
	// youngHalfClosed are the half-closed sides whose CLOSE_WAIT had not
	// lasted HalfClosedMinAge by the end of the capture.
	youngHalfClosed map[sideKey]*halfClosedAgg
	// blindHalfClosed are the half-closed sides whose CLOSE_WAIT endpoint
	// sent no packet the capture holds.
	blindHalfClosed map[sideKey]*halfClosedAgg
	// assumedHalfClosed are the half-closed sides whose CLOSE_WAIT is only
	// assumed: the capture began after the connection had started, and the
	// side may have sent its own FIN before it (see flow's mid-stream rule).
	assumedHalfClosed map[sideKey]*halfClosedAgg
	// spoke holds the server host:ports the capture holds packets of in
	// a completed handshake: their direction is in the capture. Bounded
	// like the tracker's listeners.
	spoke map[netip.AddrPort]struct{}
	// detectors are the finding kinds kept apart (detector.go).
	detectors []detector
}

// ObserveUntil tells the collector that the capture ends at t (the last
// packet, or the --at instant; with Config.Now the later of t and Now()).
// Call it before handing out the connections still open at the end, from
// any goroutine: the connections added afterwards are judged as still in
// progress at the end of the capture (a CLOSE_WAIT's age, a SYN-ACK's last
// round trip, the "at end of capture" of the summaries).
func (col *Collector) ObserveUntil(t time.Time) {
	if col.cfg.Now != nil {
		if now := col.cfg.Now(); now.After(t) {
			t = now
		}
	}
	col.observed.Store(t.UnixNano())
}

// endOfCapture returns the end of the capture as known when c is added,
// and whether c was still open then (added after ObserveUntil).
func (col *Collector) endOfCapture(c *finished.Conn) (time.Time, bool) {
	end := col.captureEnd
	if c.End.After(end) {
		end = c.End
	}
	if o := col.observed.Load(); o != 0 {
		if t := time.Unix(0, o); t.After(end) {
			end = t
		}
		return end, true
	}
	return end, false
}

// keyedFinding is a finding with the frame it sorts by.
type keyedFinding struct {
	frame int64
	f     result.Finding
}

// NewCollector returns a collector using cfg (zero fields take their
// defaults).
func NewCollector(cfg Config) *Collector {
	cfg.setDefaults()
	col := &Collector{
		cfg:               cfg,
		trw:               newTRWParams(&cfg),
		attempts:          make(map[failKey]*serverAttempts),
		retrans:           make(map[netip.AddrPort]*retransAgg),
		halfClosed:        make(map[sideKey]*halfClosedAgg),
		youngHalfClosed:   make(map[sideKey]*halfClosedAgg),
		blindHalfClosed:   make(map[sideKey]*halfClosedAgg),
		assumedHalfClosed: make(map[sideKey]*halfClosedAgg),
		spoke:             make(map[netip.AddrPort]struct{}),
		sides:             make(map[sideKey]*sideAgg),
		pendingSides:      make(map[packedSide]sideCounts),
		resets:            make(map[sideKey]*resetAgg),
		sources:           make(map[netip.Addr]*source),
		floods:            make(map[netip.AddrPort]*floodAgg),
		pastScanners:      make(map[netip.Addr]bool),
	}
	col.detectors = newDetectors(col)
	return col
}

// group is what every aggregate shares: counts, evidence and time span.
type group struct {
	count       int64
	streams     lowest
	frames      lowest
	first, last time.Time
	firstFrame  int64 // lowest first frame of the connections, fallback sort key
}

func (g *group) addConn(cfg *Config, c *finished.Conn, frames []int64) {
	g.count++
	g.streams.add(cfg.MaxStreams, c.Stream)
	for _, f := range frames {
		g.frames.add(cfg.MaxFrames, f)
	}
	if g.first.IsZero() || c.Start.Before(g.first) {
		g.first = c.Start
	}
	if c.End.After(g.last) {
		g.last = c.End
	}
	if g.firstFrame == 0 || c.FirstFrame < g.firstFrame {
		g.firstFrame = c.FirstFrame
	}
}

func (g *group) merge(cfg *Config, o *group) {
	g.count += o.count
	g.streams.merge(cfg.MaxStreams, &o.streams)
	g.frames.merge(cfg.MaxFrames, &o.frames)
	if g.first.IsZero() || (!o.first.IsZero() && o.first.Before(g.first)) {
		g.first = o.first
	}
	if o.last.After(g.last) {
		g.last = o.last
	}
	if g.firstFrame == 0 || (o.firstFrame != 0 && o.firstFrame < g.firstFrame) {
		g.firstFrame = o.firstFrame
	}
}

// finding fills the fields every kind shares. filterExtra is the flag
// condition ANDed with the stream list.
func (g *group) finding(cfg *Config, k Kind, sev Severity, subject, summary, filterExtra string, details map[string]any) result.Finding {
	f := result.Finding{
		Kind:     k.String(),
		Severity: sev.String(),
		Subject:  subject,
		Summary:  summary,
		Count:    g.count,
		Streams:  g.streams.list(cfg.MaxStreams),
		Frames:   g.frames.list(cfg.MaxFrames),
		First:    g.first,
		Last:     g.last,
		Details:  details,
	}
	if len(f.Streams) > 0 {
		f.Filter = streamFilter(f.Streams, filterExtra)
	}
	if g.streams.truncated || g.frames.truncated {
		details["truncated"] = true
	}
	return f
}

// sortKey is the frame a finding sorts by: its first evidence frame, or
// the first frame of its first connection when no evidence frame is known.
func (g *group) sortKey() int64 {
	if f := g.frames.first(); f > 0 {
		return f
	}
	return g.firstFrame
}

// sideKey names one endpoint side of a group of connections: a server
// host:port, or a client host towards one server host:port (a client's
// ephemeral ports do not make a useful group).
type sideKey struct {
	role flow.Role
	host netip.AddrPort // server: host:port; client: host with port 0
	peer netip.AddrPort // client: the server host:port; server: zero
}

// packedSide is a sideKey packed into bytes: the key of the many pending
// sides (a client host towards a server is one per client), at half the
// size of a sideKey. Zones are left out: decoded addresses have none.
type packedSide [37]byte

func (k sideKey) packed() packedSide {
	var p packedSide
	h, q := k.host.Addr().As16(), k.peer.Addr().As16()
	copy(p[0:16], h[:])
	copy(p[16:32], q[:])
	p[32], p[33] = byte(k.host.Port()>>8), byte(k.host.Port())
	p[34], p[35] = byte(k.peer.Port()>>8), byte(k.peer.Port())
	p[36] = byte(k.role) & 1
	if k.host.Addr().Is4() {
		p[36] |= 2
	}
	if k.peer.Addr().Is4() {
		p[36] |= 4
	}
	if !k.peer.IsValid() {
		p[36] |= 8
	}
	if !k.host.IsValid() {
		p[36] |= 16
	}
	return p
}

func sideOf(c *finished.Conn, r flow.Role) sideKey {
	if r == flow.Server {
		return sideKey{role: flow.Server, host: c.EP[flow.Server].Addr}
	}
	return sideKey{
		role: flow.Client,
		host: netip.AddrPortFrom(c.EP[flow.Client].Addr.Addr(), 0),
		peer: c.EP[flow.Server].Addr,
	}
}

// subject is the finding subject: host:port for a server side, host for a
// client side.
func (k sideKey) subject() string {
	if k.role == flow.Server {
		return hostPortString(k.host)
	}
	return hostString(k.host.Addr())
}

// describe names the side in a sentence: "10.0.0.2:80" or "client
// 10.0.0.1 (connections to 10.0.0.2:80)".
func (k sideKey) describe() string {
	if k.role == flow.Server {
		return hostPortString(k.host)
	}
	return "client " + hostString(k.host.Addr()) + " (connections to " + hostPortString(k.peer) + ")"
}

func (k sideKey) details(d map[string]any) map[string]any {
	d["side"] = k.role.String()
	if k.role == flow.Client {
		d["peer"] = hostPortString(k.peer)
	}
	return d
}

// Add folds one finished connection into the aggregates. c is not kept.
func (col *Collector) Add(c *finished.Conn) {
	if c == nil || c.QuotedOnly {
		return
	}
	if c.End.After(col.captureEnd) {
		col.captureEnd = c.End
		col.clock = flow.UnixNanos(c.End)
	}
	if !col.captureEnd.Before(col.nextSweep) {
		col.settle(col.captureEnd.Add(-col.cfg.Horizon))
		col.nextSweep = col.captureEnd.Add(col.cfg.Horizon / 8)
	}
	o := c.Handshake
	claimed := false
	for _, d := range col.detectors {
		claimed = d.add(c) || claimed
	}
	if claimed {
		// A probe, or backscatter: the target's reset or CLOSE_WAIT is
		// the answer to it, not an aborted, refused or leaked connection.
		return
	}
	if o == finished.Completed && c.EP[flow.Server].Packets > 0 {
		col.spoke[c.EP[flow.Server].Addr] = struct{}{}
	}
	if s := col.addSource(c); s != nil {
		// A SYN-ACK in the capture's last round trip may have been
		// answered after it ended: not unanswered (it still counts as
		// half-open for the flood detector).
		if o != finished.SYNACKUnanswered || !col.inLastRoundTrip(c) {
			col.addAttempt(s, c)
		}
	}
	col.addRetransmitted(c)
	col.addFlood(c)
	col.addHalfClosed(c)
	col.addTimeWait(c)
	col.addReset(c)
}

// end is the end of the capture: the latest last packet of the
// connections added, or the instant given to ObserveUntil when later.
func (col *Collector) end() time.Time {
	end := col.captureEnd
	if o := col.observed.Load(); o != 0 {
		if t := time.Unix(0, o); t.After(end) {
			end = t
		}
	}
	return end
}

// inLastRoundTrip reports whether connection c, still open at the end of
// the capture, sent its first SYN-ACK less than a round trip before the end
// (max of Config.HandshakeRTT and its own SYN to SYN-ACK time): the
// client's answer may be on its way. A SYN-ACK retransmitted later does not
// count: the client had a round trip to answer the first.
func (col *Collector) inLastRoundTrip(c *finished.Conn) bool {
	end, open := col.endOfCapture(c)
	if !open {
		return false
	}
	sa, syn := synTimes(c, flow.Server), synTimes(c, flow.Client)
	if len(sa) == 0 {
		return false
	}
	rtt := col.cfg.HandshakeRTT
	for i := len(syn) - 1; i >= 0; i-- {
		if !syn[i].After(sa[0]) {
			rtt = max(rtt, sa[0].Sub(syn[i]))
			break
		}
	}
	return end.Sub(sa[0]) < rtt
}

// Advance moves the collector's clock to now when it is later than every
// connection added: a live capture's wall clock, so ages at the end (how
// long a CLOSE_WAIT has waited) count the quiet time after the last
// packet. Time never goes backwards.
func (col *Collector) Advance(now time.Time) {
	if now.After(col.captureEnd) {
		col.captureEnd = now
		col.clock = flow.UnixNanos(now)
	}
}

// settle bounds the collector's state to what happened after cutoff:
// sources not seen since are judged and forgotten, the TIME_WAIT and flood
// peaks are swept up to cutoff, and sides and flood targets idle since
// cutoff that never reached their thresholds are forgotten. It runs every
// Horizon/8 of capture time, so each pass visits the groups of at most
// about 1.125 horizons.
func (col *Collector) settle(cutoff time.Time) {
	cut := flow.UnixNanos(cutoff)
	for a, s := range col.sources {
		if s.seen < cut {
			col.retireSource(a, s)
			delete(col.sources, a)
		}
	}
	to := cutoff.UnixNano()
	for k, p := range col.pendingSides {
		if p.seen < cut {
			delete(col.pendingSides, k)
		}
	}
	for k, a := range col.sides {
		a.settle(to)
		if a.seen.Before(cutoff) && len(a.tw) == 0 &&
			a.peakN < col.cfg.TimeWaitThreshold && a.atEnd < col.cfg.TimeWaitThreshold {
			delete(col.sides, k)
		}
	}
	window := col.cfg.FloodWindow.Nanoseconds()
	for _, d := range col.detectors {
		d.settle(cutoff)
	}
	for k, a := range col.floods {
		a.settle(to, window)
		if a.seen.Before(cutoff) && len(a.times) == 0 && a.best < col.cfg.FloodHalfOpen {
			delete(col.floods, k)
		}
	}
}

// Findings returns every finding, sorted by first evidence frame, then
// subject, then kind. It may be called more than once.
func (col *Collector) Findings() []result.Finding {
	all := slices.Clone(col.pastScans)
	emit := func(g *group, f result.Finding) {
		all = append(all, keyedFinding{g.sortKey(), f})
	}
	scanners := col.scanFindings(emit)
	for a := range col.pastScanners {
		scanners[a] = true
	}
	for _, d := range col.detectors {
		d.report(scanners, emit)
	}
	flooded := col.floodFindings(emit)
	col.attemptFindings(scanners, flooded, emit)
	col.retransFindings(emit)
	col.halfClosedFindings(emit)
	col.youngHalfClosedFindings(col.youngHalfClosed, halfClosedYoung, emit)
	col.youngHalfClosedFindings(col.blindHalfClosed, halfClosedBlind, emit)
	col.youngHalfClosedFindings(col.assumedHalfClosed, halfClosedAssumed, emit)
	col.timeWaitFindings(emit)
	col.resetFindings(scanners, emit)
	slices.SortStableFunc(all, func(a, b keyedFinding) int {
		switch {
		case a.frame != b.frame:
			return cmpInt(a.frame, b.frame)
		case a.f.Subject != b.f.Subject:
			return strings.Compare(a.f.Subject, b.f.Subject)
		case a.f.Kind != b.f.Kind:
			return strings.Compare(a.f.Kind, b.f.Kind)
		}
		return strings.Compare(a.f.Summary, b.f.Summary)
	})
	out := make([]result.Finding, len(all))
	for i := range all {
		out[i] = all[i].f
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// secs converts a duration to seconds rounded to the millisecond.
func secs(d time.Duration) float64 { return round3(d.Seconds()) }

// stateCounts turns per-state counters into a details map keyed by state
// name.
func stateCounts(n *[tcpstate.NumStates]int64) map[string]int64 {
	m := make(map[string]int64)
	for s, v := range n {
		if v > 0 {
			m[tcpstate.State(s).String()] = v
		}
	}
	return m
}
