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
	cfg     Config
	trw     trwParams
	scratch []int64 // evidence frames of the connection being added
	// captureEnd is the latest last packet of any connection added: the
	// collector's clock; clock is it in unix nanoseconds (flow.UnixNanos).
	captureEnd time.Time
	clock      int64
	nextSweep  time.Time // clock value at which settle runs next

	// observed is the end of the capture in unix nanoseconds, set by
	// ObserveUntil before the tracker hands out the connections still open
	// (0 before): connections added after it were still open at the end.
	observed atomic.Int64
	// detectors are the finding kinds, in the order they see each
	// connection (those that claim connections first); reporters are the
	// same detectors in the order they report (see newDetectors).
	detectors, reporters []detector
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

// NewCollector returns a collector using cfg (zero fields take their
// defaults).
func NewCollector(cfg Config) *Collector {
	cfg.setDefaults()
	col := &Collector{cfg: cfg, trw: newTRWParams(&cfg)}
	col.detectors, col.reporters = newDetectors(col)
	return col
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
	claimed := false
	for _, d := range col.detectors {
		claimed = d.add(c, claimed) || claimed
	}
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

// settle bounds the collector's state to what happened after cutoff: each
// detector judges and forgets what has been idle since (sources not seen
// since, sides and flood targets that never reached their thresholds)
// and sweeps its peaks up to cutoff. It runs every Horizon/8 of capture
// time, so each pass visits the groups of at most about 1.125 horizons.
func (col *Collector) settle(cutoff time.Time) {
	for _, d := range col.detectors {
		d.settle(cutoff)
	}
}

// Findings returns every finding, sorted by first evidence frame, then
// subject, then kind. It may be called more than once.
func (col *Collector) Findings() []result.Finding {
	rc := &reportContext{
		scanners: make(map[netip.Addr]bool),
		flooded:  make(map[netip.AddrPort]bool),
	}
	for _, d := range col.reporters {
		d.report(rc)
	}
	all := rc.out
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
