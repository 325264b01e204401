package findings

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// floodAgg aggregates half-open handshakes towards one server host:port.
// The busiest FloodWindow is found incrementally: first-SYN times are kept
// (8 bytes per half-open) only while a window ending after the settled
// frontier can still hold them; the best window ending before it is final.
type floodAgg struct {
	group
	times         []int64 // first-SYN times after settled-FloodWindow, unix nanoseconds
	sources       map[netip.Addr]struct{}
	sourcesCapped bool
	settled       int64 // unix nanoseconds; best covers the windows ending before it
	best          int   // most half-opens in one window ending before settled
	bestStart     int64 // first half-open of that window
	bestEnd       int64 // last half-open of that window
	seen          time.Time
	// How the half-opens ended: the SYN never answered, the SYN-ACK never
	// acknowledged, the SYN-ACK reset by the client (a spoofed source's
	// real owner refusing it).
	unanswered, synackUnanswered, aborted int64
}

// floodDetector finds servers that received at least FloodHalfOpen
// half-open handshakes within FloodWindow.
type floodDetector struct {
	col     *Collector
	servers map[netip.AddrPort]*floodAgg
}

// add counts c's handshake when it did not complete; claimed connections
// are no handshake.
func (fd *floodDetector) add(c *finished.Conn, claimed bool) bool {
	if claimed || !c.Handshake.HalfOpen() {
		return false
	}
	col := fd.col
	server := c.EP[flow.Server].Addr
	a := fd.servers[server]
	if a == nil {
		a = &floodAgg{sources: make(map[netip.Addr]struct{}), settled: math.MinInt64}
		fd.servers[server] = a
	}
	a.seen = col.captureEnd
	switch c.Handshake {
	case finished.Unanswered:
		a.unanswered++
	case finished.SYNACKUnanswered:
		a.synackUnanswered++
	default:
		a.aborted++
	}
	at := c.Start
	if ts := synTimes(c, flow.Client); len(ts) > 0 {
		at = ts[0]
	}
	// A half-open older than the frontier's windows (handed out more than
	// Horizon late) no longer changes the peak.
	if t := at.UnixNano(); a.settled == math.MinInt64 || t > a.settled-col.cfg.FloodWindow.Nanoseconds() {
		a.times = append(a.times, t)
	}
	src := c.EP[flow.Client].Addr.Addr()
	if _, ok := a.sources[src]; !ok {
		if len(a.sources) < col.cfg.MaxFloodSources {
			a.sources[src] = struct{}{}
		} else {
			a.sourcesCapped = true
		}
	}
	fr := synFrames(col.scratch[:0], c, flow.Client)
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	return false
}

// settle sweeps the busiest windows up to cutoff and forgets the servers
// idle since that never reached FloodHalfOpen.
func (fd *floodDetector) settle(cutoff time.Time) {
	to, window := cutoff.UnixNano(), fd.col.cfg.FloodWindow.Nanoseconds()
	for k, a := range fd.servers {
		a.settle(to, window)
		if a.seen.Before(cutoff) && len(a.times) == 0 && a.best < fd.col.cfg.FloodHalfOpen {
			delete(fd.servers, k)
		}
	}
}

// busiest slides the window over the sorted times and returns the most
// half-opens in one window (start, end] ending at a time t with
// from <= t < to, and the first and last times of that window, if that
// exceeds above (else above, 0, 0). Every time within window before such a
// t must be in ts.
func busiest(ts []int64, window, from, to int64, above int) (best int, start, end int64) {
	best = above
	lo := 0
	for hi := range ts {
		if ts[hi] >= to {
			break
		}
		for ts[lo] <= ts[hi]-window {
			lo++
		}
		if n := hi - lo + 1; n > best && ts[hi] >= from {
			best, start, end = n, ts[lo], ts[hi]
		}
	}
	return best, start, end
}

// settle makes the peak final for the windows ending before to and drops
// the times no later window can hold.
func (a *floodAgg) settle(to, window int64) {
	if to <= a.settled {
		return
	}
	slices.Sort(a.times)
	if n, start, end := busiest(a.times, window, a.settled, to, a.best); n > a.best {
		a.best, a.bestStart, a.bestEnd = n, start, end
	}
	i := 0
	for i < len(a.times) && a.times[i] <= to-window {
		i++
	}
	keep := append(a.times[:0], a.times[i:]...)
	if cap(keep) > 64 && cap(keep) > 4*len(keep) {
		keep = slices.Clone(keep)
	}
	a.times, a.settled = keep, to
}

// peakSoFar returns the busiest window's count and first and last times,
// without settling.
func (a *floodAgg) peakSoFar(window int64) (int, int64, int64) {
	ts := slices.Clone(a.times)
	slices.Sort(ts)
	if n, start, end := busiest(ts, window, a.settled, math.MaxInt64, a.best); n > a.best {
		return n, start, end
	}
	return a.best, a.bestStart, a.bestEnd
}

// what says what the half-opens did to the server, from how they ended.
func (a *floodAgg) what() string {
	answered := a.synackUnanswered + a.aborted
	switch {
	case a.unanswered == a.count:
		return "a SYN flood the server never answered (its SYNs dropped by a filter, or its backlog already full)"
	case answered == a.count && a.aborted == a.count:
		return "a SYN flood from spoofed sources, whose real owners reset the server's SYN-ACKs, each held in the server's SYN backlog until then"
	case a.unanswered == 0:
		return "a SYN flood filling the server's SYN backlog with handshakes it answered and nobody completed"
	}
	return fmt.Sprintf("a SYN flood filling the server's SYN backlog (%d answered with SYN-ACK, %d never answered: the backlog overflowed)", answered, a.unanswered)
}

// report emits the servers that received at least FloodHalfOpen
// half-open handshakes within FloodWindow and adds them to rc.flooded.
func (fd *floodDetector) report(rc *reportContext) {
	col := fd.col
	window := col.cfg.FloodWindow.Nanoseconds()
	for _, server := range sortedAddrPorts(fd.servers) {
		a := fd.servers[server]
		if a.count < int64(col.cfg.FloodHalfOpen) {
			continue
		}
		best, bestStart, bestEnd := a.peakSoFar(window)
		if best < col.cfg.FloodHalfOpen {
			continue
		}
		rc.flooded[server] = true
		ws := durationOf(col.cfg.FloodWindow)
		rate := round3(float64(best) / ws)
		// The burst's own rate: the peak over the time from its first to
		// its last SYN (at least a millisecond), not over the window.
		burst := max(time.Duration(bestEnd-bestStart), time.Millisecond)
		burstRate := round3(float64(best) / burst.Seconds())
		subj := hostPortString(server)
		d := map[string]any{
			"half_open":         a.count,
			"sources":           len(a.sources),
			"window_seconds":    ws,
			"peak":              best,
			"peak_rate":         rate,
			"peak_start":        time.Unix(0, bestStart).UTC(),
			"burst_seconds":     secs(burst),
			"burst_rate":        burstRate,
			"unanswered":        a.unanswered,
			"synack_unanswered": a.synackUnanswered,
			"reset_by_client":   a.aborted,
		}
		if a.sourcesCapped {
			d["sources_capped"] = true
		}
		sum := fmt.Sprintf("%s received %s that never completed, from %s; peak %d in %s (%g per second over the burst): %s",
			subj, plural(a.count, "handshake"), plural(int64(len(a.sources)), "source"), best, fmtSecs(secs(burst)), burstRate, a.what())
		f := a.group.finding(&col.cfg, SYNFlood, High, subj, sum, fltPureSYN, d)
		if a.streams.truncated {
			f.Filter = ipField(server.Addr(), "dst") + "==" + hostString(server.Addr()) +
				" && tcp.dstport==" + fmt.Sprint(server.Port()) + " && " + fltPureSYN
		}
		rc.emit(&a.group, f)
	}
}
