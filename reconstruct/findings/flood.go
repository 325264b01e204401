package findings

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// floodAgg aggregates half-open handshakes towards one server host:port.
type floodAgg struct {
	group
	times         []int64 // first-SYN times, unix nanoseconds (8 bytes per half-open)
	sources       map[netip.Addr]struct{}
	sourcesCapped bool
}

func (col *Collector) addFlood(c *flow.Conn, o outcome) {
	if !o.halfOpen() {
		return
	}
	server := c.EP[flow.Server].Addr
	a := col.floods[server]
	if a == nil {
		a = &floodAgg{sources: make(map[netip.Addr]struct{})}
		col.floods[server] = a
	}
	at := c.Start
	if ts := synTimes(&c.EP[flow.Client]); len(ts) > 0 {
		at = ts[0]
	}
	a.times = append(a.times, at.UnixNano())
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
}

// floodFindings reports servers that received at least FloodHalfOpen
// half-open handshakes within FloodWindow and returns the set of them.
func (col *Collector) floodFindings(emit func(*group, result.Finding)) map[netip.AddrPort]bool {
	flooded := make(map[netip.AddrPort]bool)
	window := col.cfg.FloodWindow.Nanoseconds()
	for _, server := range sortedAddrPorts(col.floods) {
		a := col.floods[server]
		if len(a.times) < col.cfg.FloodHalfOpen {
			continue
		}
		ts := slices.Clone(a.times)
		slices.Sort(ts)
		var best, bestAt, lo int
		for hi := range ts {
			for ts[lo] <= ts[hi]-window {
				lo++
			}
			if n := hi - lo + 1; n > best {
				best, bestAt = n, lo
			}
		}
		if best < col.cfg.FloodHalfOpen {
			continue
		}
		flooded[server] = true
		ws := durationOf(col.cfg.FloodWindow)
		rate := round3(float64(best) / ws)
		subj := hostPortString(server)
		d := map[string]any{
			"half_open":      a.count,
			"sources":        len(a.sources),
			"window_seconds": ws,
			"peak":           best,
			"peak_rate":      rate,
			"peak_start":     time.Unix(0, ts[bestAt]).UTC(),
		}
		if a.sourcesCapped {
			d["sources_capped"] = true
		}
		sum := fmt.Sprintf("%s received %s that never completed, from %s; peak %d within %s (%g per second): a SYN flood filling the server's SYN backlog",
			subj, plural(a.count, "handshake"), plural(int64(len(a.sources)), "source"), best, fmtSecs(ws), rate)
		f := a.group.finding(&col.cfg, SYNFlood, High, subj, sum, fltPureSYN, d)
		if a.streams.truncated {
			f.Filter = ipField(server.Addr(), "dst") + "==" + hostString(server.Addr()) +
				" && tcp.dstport==" + fmt.Sprint(server.Port()) + " && " + fltPureSYN
		}
		emit(&a.group, f)
	}
	return flooded
}
