package findings

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// halfClosedAgg aggregates connections left half-closed, keyed by their
// CLOSE_WAIT side.
type halfClosedAgg struct {
	group
	maxAge        time.Duration // longest time from the peer's FIN to the connection's last packet
	firstFIN      time.Time     // earliest FIN, for the age at the end of the capture
	dataAfterFIN  int64         // connections where the CLOSE_WAIT side still sent data
	bytesAfterFIN int64
	closerStates  [tcpstate.NumStates]int64 // final state of the side that sent FIN
	peers         peerSet                   // hosts of the FIN side
	atEnd         int64                     // connections still open at the end of the capture
}

func (col *Collector) addHalfClosed(c *finished.Conn) {
	for _, cw := range [2]flow.Role{flow.Client, flow.Server} {
		fin := 1 - cw
		w, f := &c.EP[cw], &c.EP[fin]
		if w.State != tcpstate.CloseWait || w.SentFIN || !f.SentFIN {
			continue
		}
		end, open := col.endOfCapture(c)
		aggs := col.halfClosed
		switch {
		case w.Packets == 0:
			// The capture holds none of the CLOSE_WAIT side's packets
			// (one direction only): its close() would not show.
			aggs = col.blindHalfClosed
		case w.Evidence == tcpstate.Assumed:
			// Picked up mid-stream: the side may have closed first,
			// before the capture began.
			aggs = col.assumedHalfClosed
		case end.Sub(f.FINTime()) < col.cfg.HalfClosedMinAge:
			aggs = col.youngHalfClosed
		}
		age := c.End.Sub(f.FINTime())
		key := sideOf(c, cw)
		a := aggs[key]
		if a == nil {
			a = &halfClosedAgg{}
			aggs[key] = a
		}
		if open {
			a.atEnd++
		}
		fr := finFrames(col.scratch[:0], c, fin)
		col.scratch = fr
		a.addConn(&col.cfg, c, fr)
		a.maxAge = max(a.maxAge, age)
		a.peers.add(f.Addr.Addr())
		if a.firstFIN.IsZero() || f.FINTime().Before(a.firstFIN) {
			a.firstFIN = f.FINTime()
		}
		if w.PayloadAfterPeerFIN > 0 {
			a.dataAfterFIN++
			a.bytesAfterFIN += w.PayloadAfterPeerFIN
		}
		a.closerStates[f.State]++
	}
}

func (col *Collector) halfClosedFindings(emit func(*group, result.Finding)) {
	for _, key := range sortedSides(col.halfClosed, nil) {
		a := col.halfClosed[key]
		peer := "client"
		if key.role == flow.Client {
			peer = "server"
		}
		d := key.details(map[string]any{
			"close_wait_side":                key.role.String(),
			"fin_side":                       peer,
			"connections":                    a.count,
			"max_seconds_since_fin":          secs(col.end().Sub(a.firstFIN)),
			"at_end_of_capture":              a.atEnd,
			"max_seconds_fin_to_last_packet": secs(a.maxAge),
			"data_after_fin":                 a.dataAfterFIN,
			"payload_bytes_after_fin":        a.bytesAfterFIN,
			"fin_side_states":                stateCounts(&a.closerStates),
		})
		flowed := "no data flowed after the FIN"
		if a.dataAfterFIN > 0 {
			flowed = fmt.Sprintf("%d of them still sent data after it (a deliberate half-close, or an application that has not noticed)", a.dataAfterFIN)
		}
		sum := fmt.Sprintf("%s is in CLOSE_WAIT%s on %s: the %s sent FIN (it waits in %s) up to %s before the end of the capture, and the application here has not called close(), the signature of a socket leak; %s",
			key.describe(), atEndOfCapture(a.atEnd, a.count), plural(a.count, "connection"), peer, dominantState(&a.closerStates), fmtSecs(secs(col.end().Sub(a.firstFIN))), flowed)
		im := col.sideImpact(key, &a.group, a.peers.len(), col.cfg.HalfClosedMany)
		sev := col.cfg.severityOf(HalfClosed, im)
		emit(&a.group, a.group.finding(&col.cfg, HalfClosed, sev, key.subject(), sum, fltFIN, withImpact(d, im)))
	}
}

// Why a half-closed side is only info (youngHalfClosedFindings).
type halfClosedWhy uint8

const (
	halfClosedYoung   halfClosedWhy = iota // the peer's FIN came too recently
	halfClosedBlind                        // the CLOSE_WAIT side sent nothing the capture holds
	halfClosedAssumed                      // its CLOSE_WAIT rests on a mid-stream pickup's assumption
)

// youngHalfClosedFindings reports, as info, the sides whose connections
// were half-closed too recently before the end of the capture to call it a
// leak, whose CLOSE_WAIT side sent no packet the capture holds (blind), or
// whose CLOSE_WAIT is only assumed, unless the side has a half_closed
// finding of lasting CLOSE_WAITs.
func (col *Collector) youngHalfClosedFindings(aggs map[sideKey]*halfClosedAgg, why halfClosedWhy, emit func(*group, result.Finding)) {
	for _, key := range sortedSides(aggs, nil) {
		if col.halfClosed[key] != nil {
			continue
		}
		a := aggs[key]
		peer := "client"
		if key.role == flow.Client {
			peer = "server"
		}
		d := key.details(map[string]any{
			"close_wait_side":                key.role.String(),
			"fin_side":                       peer,
			"connections":                    a.count,
			"max_seconds_since_fin":          secs(col.end().Sub(a.firstFIN)),
			"max_seconds_fin_to_last_packet": secs(a.maxAge),
			"at_end_of_capture":              a.atEnd,
			"data_after_fin":                 a.dataAfterFIN,
			"payload_bytes_after_fin":        a.bytesAfterFIN,
			"fin_side_states":                stateCounts(&a.closerStates),
		})
		im := impact{n: a.count, total: max(a.count, col.established(key)), peers: a.peers.len(), many: col.cfg.HalfClosedMany}
		withImpact(d, im)
		var sum string
		switch why {
		case halfClosedBlind:
			d["one_direction"] = true
			sum = fmt.Sprintf("%s received a FIN on %s and is inferred to be in CLOSE_WAIT, but the capture holds none of its packets on them (one direction only): whether its application closed cannot be seen",
				key.describe(), plural(a.count, "connection"))
		case halfClosedAssumed:
			d["assumed"] = true
			sum = fmt.Sprintf("%s received a FIN on %s and is assumed to be in CLOSE_WAIT: the capture began after those connections started and holds no data from this side, which may have closed first before it (then it is in TIME_WAIT)",
				key.describe(), plural(a.count, "connection"))
		default:
			d["recent_fin"] = true
			sum = fmt.Sprintf("%s is in CLOSE_WAIT at end of capture on %s, but the %s's FIN came only %s before the end (less than %s): too recent to tell a socket leak from a close in progress",
				key.describe(), plural(a.count, "connection"), peer, fmtSecs(secs(col.end().Sub(a.firstFIN))), fmtSecs(secs(col.cfg.HalfClosedMinAge)))
		}
		emit(&a.group, a.group.finding(&col.cfg, HalfClosed, Info, key.subject(), sum, fltFIN, d))
	}
}

// atEndOfCapture says, for a summary, how many of n connections were still
// in the reported state when the capture ended: " at end of capture" when
// all were, " (k at end of capture)" when some were.
func atEndOfCapture(k, n int64) string {
	switch {
	case k == 0:
		return ""
	case k == n:
		return " at end of capture"
	}
	return fmt.Sprintf(" (%d at end of capture)", k)
}

// dominantState names the most frequent state (FIN_WAIT_2 normally).
func dominantState(n *[tcpstate.NumStates]int64) string {
	best := 0
	for s := range n {
		if n[s] > n[best] {
			best = s
		}
	}
	return tcpstate.State(best).String()
}

// sideAgg aggregates one side (server host:port, or client host towards a
// server) for TIME_WAIT accounting: every connection counts. The peak of
// concurrent TIME_WAIT endpoints is swept incrementally: intervals are kept
// (16 bytes each) only while they may still overlap instants after the
// settled frontier; the peak before it is final.
type sideAgg struct {
	group                // connections whose endpoint entered TIME_WAIT
	conns       int64    // all connections of the side
	activeClose int64    // connections this side closed first (FIN or RST)
	established int64    // endpoints still ESTABLISHED when handed out
	atEnd       int64    // endpoints still in TIME_WAIT when handed out
	tw          []twSpan // TIME_WAIT intervals ending after settled
	settled     int64    // unix nanoseconds; peakN covers the instants before it
	peakN       int64    // most TIME_WAIT endpoints at one instant before settled
	peakAt      int64    // first instant peakN was reached
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

func (col *Collector) addTimeWait(c *finished.Conn) {
	// Only connections that were established count, so failed probes (a
	// scan's millions) create no side entries.
	if !c.Midstream && !c.BothSynchronized() {
		return
	}
	for _, r := range [2]flow.Role{flow.Client, flow.Server} {
		tw := &c.TimeWait[r]
		ok := tw.Entered
		key := sideOf(c, r)
		a := col.sides[key]
		if a == nil && !ok {
			pk := key.packed()
			p := col.pendingSides[pk]
			count(c, r, &p.conns, &p.activeClose, &p.established)
			p.seen = col.clock
			col.pendingSides[pk] = p
			continue
		}
		if a == nil {
			a = &sideAgg{settled: math.MinInt64}
			// The side's earlier connections, counted while it was pending.
			pk := key.packed()
			if p, found := col.pendingSides[pk]; found {
				a.conns, a.activeClose, a.established = p.conns, p.activeClose, p.established
				delete(col.pendingSides, pk)
			}
			col.sides[key] = a
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

func (col *Collector) timeWaitFindings(emit func(*group, result.Finding)) {
	// A side with fewer TIME_WAIT endpoints in all than the threshold
	// cannot reach it at once: most sides are skipped before sorting.
	enough := func(a *sideAgg) bool { return a.count >= col.cfg.TimeWaitThreshold }
	for _, key := range sortedSides(col.sides, enough) {
		a := col.sides[key]
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
		emit(&a.group, a.group.finding(&col.cfg, TimeWaitAccumulation, sev, key.subject(), sum, fltFIN, d))
	}
}

// resetAgg aggregates connections aborted by a reset after establishment,
// keyed by the resetting side.
type resetAgg struct {
	group
	byState [tcpstate.NumStates]int64 // state of the resetter before its RST
	// probes counts resets of connections that carried no payload either
	// way: a connect scan (nmap -sT) ends each open port's handshake so.
	probes int64
	peers  peerSet // hosts of the reset side's peers
}

func (col *Collector) addReset(c *finished.Conn) {
	r, from := c.Reset.By, c.Reset.From
	if !c.Reset.Sent || !from.Synchronized() {
		return
	}
	if !c.Midstream && !c.BothSynchronized() {
		return
	}
	key := sideOf(c, r)
	a := col.resets[key]
	if a == nil {
		a = &resetAgg{}
		col.resets[key] = a
	}
	fr := rstFrames(col.scratch[:0], c, flow.Client)
	fr = rstFrames(fr, c, flow.Server)
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	a.byState[from]++
	a.peers.add(c.EP[1-r].Addr.Addr())
	if c.EP[flow.Client].PayloadBytes == 0 && c.EP[flow.Server].PayloadBytes == 0 {
		a.probes++
	}
}

func (col *Collector) resetFindings(scanners map[netip.Addr]bool, emit func(*group, result.Finding)) {
	for _, key := range sortedSides(col.resets, nil) {
		a := col.resets[key]
		if key.role == flow.Client && scanners[key.host.Addr()] && a.probes == a.count {
			// A detected scanner closing its probe handshakes: part of
			// the scan finding, not an application aborting connections.
			continue
		}
		d := key.details(map[string]any{
			"count":    a.count,
			"by_state": stateCounts(&a.byState),
		})
		sum := fmt.Sprintf("%s aborted %s with a reset after the handshake (%s)",
			key.describe(), plural(a.count, "established connection"), resetWhy(&a.byState))
		im := col.sideImpact(key, &a.group, a.peers.len(), col.cfg.ManyConnections)
		sev := col.cfg.severityOf(Reset, im)
		emit(&a.group, a.group.finding(&col.cfg, Reset, sev, key.subject(), sum, fltRST, withImpact(d, im)))
	}
}

// resetWhy explains the states a side reset from.
func resetWhy(n *[tcpstate.NumStates]int64) string {
	var parts []string
	for s, v := range n {
		if v == 0 {
			continue
		}
		var why string
		switch tcpstate.State(s) {
		case tcpstate.Established:
			why = "instead of a FIN: an abortive close (SO_LINGER 0) or a crash"
		case tcpstate.CloseWait:
			why = "after the peer's FIN, with unread data or SO_LINGER 0"
		case tcpstate.FinWait1, tcpstate.FinWait2, tcpstate.Closing, tcpstate.LastAck:
			why = "after its own FIN: data arrived for a closed socket"
		case tcpstate.TimeWait:
			why = "in TIME_WAIT"
		default:
			why = "unexpected state"
		}
		parts = append(parts, fmt.Sprintf("%d in %s: %s", v, tcpstate.State(s), why))
	}
	return joinSemi(parts)
}

func joinSemi(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

// sortedSides returns a map's side keys in a fixed order, those whose
// value passes keep (all when keep is nil).
func sortedSides[V any](m map[sideKey]V, keep func(V) bool) []sideKey {
	var keys []sideKey
	for k, v := range m {
		if keep == nil || keep(v) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b sideKey) int {
		if c := a.host.Compare(b.host); c != 0 {
			return c
		}
		if a.role != b.role {
			return int(a.role) - int(b.role)
		}
		return a.peer.Compare(b.peer)
	})
	return keys
}

// sideImpact is the impact of the connections of side key that group g
// holds, among all the side's established connections.
func (col *Collector) sideImpact(key sideKey, g *group, peers int, many int64) impact {
	return impact{
		n:     g.count,
		total: max(g.count, col.established(key)),
		peers: peers,
		span:  g.last.Sub(g.first),
		many:  many,
	}
}
