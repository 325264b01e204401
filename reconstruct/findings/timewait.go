package findings

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// timeWaitDetector reports the sides where TIME_WAIT endpoints pile up
// (time_wait_accumulation). It counts every established connection of
// every side, so it also answers how many connections a side had
// (established), against which the other per-subject findings measure
// their impact.
type timeWaitDetector struct {
	col   *Collector
	sides map[sideKey]*sideAgg
	alloc slab[sideAgg]
	// pending are the sides without a TIME_WAIT endpoint so far.
	pending map[packedSide]sideCounts
}

func newTimeWaitDetector(col *Collector) *timeWaitDetector {
	return &timeWaitDetector{col: col, sides: make(map[sideKey]*sideAgg), pending: make(map[packedSide]sideCounts)}
}

// sideAgg aggregates one side (server host:port, or client host towards a
// server) for TIME_WAIT accounting: every connection counts. The peak of
// concurrent TIME_WAIT endpoints is swept incrementally: intervals are kept
// (16 bytes each) only while they may still overlap instants after the
// settled frontier; the peak before it is final.
type sideAgg struct {
	group                 // connections whose endpoint entered TIME_WAIT
	conns       int64     // all connections of the side
	activeClose int64     // connections this side closed first (FIN or RST)
	established int64     // endpoints still ESTABLISHED when handed out
	atEnd       int64     // endpoints still in TIME_WAIT when handed out
	tw          []twSpan  // TIME_WAIT intervals ending after settled
	tw1         [1]twSpan // tw's first storage: most sides have one at a time
	settled     int64     // unix nanoseconds; peakN covers the instants before it
	peakN       int64     // most TIME_WAIT endpoints at one instant before settled
	peakAt      int64     // first instant peakN was reached
	seen        time.Time
}

type twSpan struct{ enter, exit int64 } // unix nanoseconds, [enter, exit)

// sideCounts is a side none of whose endpoints entered TIME_WAIT yet: it
// cannot be reported before one does, so only the counters a report would
// need are kept (a fifth of a sideAgg; most client sides of a server that
// closes first stay so). The first TIME_WAIT turns it into a sideAgg.
type sideCounts struct {
	conns, activeClose, established int64
	seen                            int64 // collector clock (Collector.clock) when its last connection was added
}

// count adds connection c, seen from role r, to the counters every side
// keeps.
func count(c *finished.Conn, r flow.Role, conns, activeClose, established *int64) {
	*conns++
	if c.ClosedBy.Is(r) {
		*activeClose++
	}
	if c.EP[r].State == tcpstate.Established {
		*established++
	}
}

// add counts c on both its sides, and the TIME_WAIT of each endpoint
// that entered it; claimed connections (probes) are not connections.
func (td *timeWaitDetector) add(c *finished.Conn, claimed bool) bool {
	if claimed {
		return false
	}
	col := td.col
	// Only connections that were established count, so failed probes (a
	// scan's millions) create no side entries.
	if !c.Midstream && !c.BothSynchronized() {
		return false
	}
	for _, r := range [2]flow.Role{flow.Client, flow.Server} {
		tw := &c.TimeWait[r]
		ok := tw.Entered
		key := sideOf(c, r)
		a := td.sides[key]
		if a == nil && !ok {
			pk := key.packed()
			p := td.pending[pk]
			count(c, r, &p.conns, &p.activeClose, &p.established)
			p.seen = col.clock
			td.pending[pk] = p
			continue
		}
		if a == nil {
			a = td.alloc.new()
			a.settled = math.MinInt64
			a.tw = a.tw1[:0]
			// The side's earlier connections, counted while it was pending.
			pk := key.packed()
			if p, found := td.pending[pk]; found {
				a.conns, a.activeClose, a.established = p.conns, p.activeClose, p.established
				delete(td.pending, pk)
			}
			td.sides[key] = a
		}
		a.seen = col.captureEnd
		count(c, r, &a.conns, &a.activeClose, &a.established)
		if !ok {
			continue
		}
		if c.EP[r].State == tcpstate.TimeWait {
			a.atEnd++
		}
		// An interval that ended before the frontier (a connection handed
		// out more than Horizon late) no longer changes the peak.
		if sp := (twSpan{tw.Enter.UnixNano(), tw.Until(col.cfg.MSL).UnixNano()}); sp.exit > a.settled {
			a.tw = append(a.tw, sp)
		}
		fr := finFrames(col.scratch[:0], c, flow.Client)
		fr = finFrames(fr, c, flow.Server)
		col.scratch = fr
		a.addConn(&col.cfg, c, fr)
	}
	return false
}

// settle sweeps the TIME_WAIT peaks up to cutoff and forgets the sides
// idle since that never reached TimeWaitThreshold.
func (td *timeWaitDetector) settle(cutoff time.Time) {
	cut, to := flow.UnixNanos(cutoff), cutoff.UnixNano()
	for k, p := range td.pending {
		if p.seen < cut {
			delete(td.pending, k)
		}
	}
	for k, a := range td.sides {
		a.settle(to)
		if a.seen.Before(cutoff) && len(a.tw) == 0 &&
			a.peakN < td.col.cfg.TimeWaitThreshold && a.atEnd < td.col.cfg.TimeWaitThreshold {
			delete(td.sides, k)
		}
	}
}

// established returns the connections of side k that reached ESTABLISHED
// on both ends (or were picked up midstream), as counted for the
// TIME_WAIT accounting: the subject's own traffic. 0 when the side was
// forgotten after Horizon of inactivity.
func (td *timeWaitDetector) established(k sideKey) int64 {
	if a := td.sides[k]; a != nil {
		return a.conns
	}
	return td.pending[k.packed()].conns
}

// impact is the impact of the connections of side key that group g
// holds, among all the side's established connections.
func (td *timeWaitDetector) impact(key sideKey, g *group, peers int, many int64) impact {
	return impact{
		n:     g.count,
		total: max(g.count, td.established(key)),
		peers: peers,
		span:  g.last.Sub(g.first),
		many:  many,
	}
}

// settle makes the peak final for the instants before to and drops the
// intervals that ended by then.
func (a *sideAgg) settle(to int64) {
	if to <= a.settled {
		return
	}
	if n, at := peak(a.tw, a.settled, to, a.peakN); n > a.peakN {
		a.peakN, a.peakAt = n, at
	}
	keep := a.tw[:0]
	for _, sp := range a.tw {
		if sp.exit > to {
			keep = append(keep, sp)
		}
	}
	clear(a.tw[len(keep):])
	if cap(keep) > 64 && cap(keep) > 4*len(keep) {
		keep = slices.Clone(keep)
	}
	a.tw, a.settled = keep, to
}

// peakSoFar returns the largest number of TIME_WAIT endpoints open at one
// moment and when it was first reached, without settling.
func (a *sideAgg) peakSoFar() (n, at int64) {
	if n, at := peak(a.tw, a.settled, math.MaxInt64, a.peakN); n > a.peakN {
		return n, at
	}
	return a.peakN, a.peakAt
}

// peak sweeps the intervals and returns the largest number open at one
// instant t with from <= t < to, and the first such t, if that number
// exceeds above (else above, 0). Every interval open at an instant of
// [from, to) must be among spans. An interval counts at its enter time
// but not at its exit time.
func peak(spans []twSpan, from, to, above int64) (n int64, at int64) {
	type ev struct {
		t     int64
		delta int64
	}
	evs := make([]ev, 0, 2*len(spans))
	for _, s := range spans {
		evs = append(evs, ev{s.enter, 1}, ev{s.exit, -1})
	}
	// Leaving before entering at the same instant: intervals are [enter, exit).
	slices.SortFunc(evs, func(a, b ev) int {
		if a.t != b.t {
			return cmpInt(a.t, b.t)
		}
		return cmpInt(a.delta, b.delta)
	})
	var cur int64
	n = above
	for _, e := range evs {
		if e.t >= to {
			break
		}
		cur += e.delta
		if cur > n && e.t >= from {
			n, at = cur, e.t
		}
	}
	return n, at
}

func (td *timeWaitDetector) report(rc *reportContext) {
	col := td.col
	// A side with fewer TIME_WAIT endpoints in all than the threshold
	// cannot reach it at once: most sides are skipped before sorting.
	enough := func(a *sideAgg) bool { return a.count >= col.cfg.TimeWaitThreshold }
	for _, key := range sortedSides(td.sides, enough) {
		a := td.sides[key]
		pk, at := a.peakSoFar()
		if pk < col.cfg.TimeWaitThreshold && a.atEnd < col.cfg.TimeWaitThreshold {
			continue
		}
		twSecs := secs(2 * col.cfg.MSL)
		closer := key.role.String()
		d := key.details(map[string]any{
			"time_wait_total":    a.count,
			"time_wait_peak":     pk,
			"peak_time":          time.Unix(0, at).UTC(),
			"time_wait_at_end":   a.atEnd,
			"established_at_end": a.established,
			"connections":        a.conns,
			"closed_actively":    a.activeClose,
			"active_closer":      closer,
			"time_wait_seconds":  twSecs,
		})
		sum := fmt.Sprintf("%s actively closed %s; %d endpoints sat in TIME_WAIT (2*MSL = %s each), peak %d at once, %d at the end of the capture (against %d ESTABLISHED)",
			key.describe(), plural(a.activeClose, "connection"), a.count, fmtSecs(twSecs), pk, a.atEnd, a.established)
		sev := Low
		switch m := max(pk, a.atEnd); {
		case m >= col.cfg.TimeWaitHigh:
			sev = High
		case m >= col.cfg.TimeWaitMedium:
			sev = Medium
		}
		rc.emit(&a.group, a.group.finding(&col.cfg, TimeWaitAccumulation, sev, key.subject(), sum, fltFIN, d))
	}
}
