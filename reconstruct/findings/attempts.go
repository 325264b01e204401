package findings

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// attemptKey groups failed handshakes by kind, server host:port and source
// host. The source is kept apart so that a scanner's probes can be left out
// of the per-server findings (they are reported once, as the scan).
type attemptKey struct {
	kind   Kind // SYNUnanswered, SYNRejected or SYNACKUnanswered
	server netip.AddrPort
	src    netip.Addr
}

// attemptAgg aggregates failed handshakes of one attemptKey.
type attemptAgg struct {
	group
	packets    int64     // SYNs (syn_*) or SYN-ACKs (synack_unanswered) sent
	maxRetries int       // most retransmissions in one attempt
	intervals  []float64 // seconds between the SYNs of that attempt
}

func (a *attemptAgg) merge(cfg *Config, o *attemptAgg) {
	a.group.merge(cfg, &o.group)
	a.packets += o.packets
	if o.maxRetries > a.maxRetries || a.intervals == nil {
		a.maxRetries, a.intervals = o.maxRetries, o.intervals
	}
}

func (col *Collector) addAttempt(c *flow.Conn, o outcome) {
	var k Kind
	switch o {
	case outUnanswered:
		k = SYNUnanswered
	case outRejected:
		k = SYNRejected
	case outSYNACKUnanswered:
		k = SYNACKUnanswered
	default:
		return
	}
	key := attemptKey{kind: k, server: c.EP[flow.Server].Addr, src: c.EP[flow.Client].Addr.Addr()}
	a := col.attempts[key]
	if a == nil {
		a = &attemptAgg{}
		col.attempts[key] = a
	}
	fr := col.scratch[:0]
	ep := &c.EP[flow.Client]
	switch k {
	case SYNUnanswered:
		fr = synFrames(fr, c, flow.Client)
	case SYNRejected:
		fr = synFrames(fr, c, flow.Client)
		fr = rstFrames(fr, c, flow.Server)
	case SYNACKUnanswered:
		ep = &c.EP[flow.Server]
		fr = synFrames(fr, c, flow.Server)
	}
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	a.packets += int64(ep.SYNs)
	if r := ep.SYNs - 1; r > a.maxRetries || a.count == 1 {
		a.maxRetries = max(r, 0)
		a.intervals = retryIntervals(ep)
	}
}

// attemptFindings merges the per-source aggregates into one finding per
// kind and server host:port, leaving out sources found to be scanning and
// servers reported as flooded (syn_unanswered and synack_unanswered only).
func (col *Collector) attemptFindings(scanners map[netip.Addr]bool, flooded map[netip.AddrPort]bool, emit func(*group, result.Finding)) {
	type serverKey struct {
		kind   Kind
		server netip.AddrPort
	}
	merged := make(map[serverKey]*attemptAgg)
	sources := make(map[serverKey]int)
	order := make([]attemptKey, 0, len(col.attempts))
	for key := range col.attempts {
		order = append(order, key)
	}
	// Merge in a fixed order so ties (which attempt's intervals are shown)
	// do not depend on map iteration.
	slices.SortFunc(order, func(a, b attemptKey) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		if c := a.server.Compare(b.server); c != 0 {
			return c
		}
		return a.src.Compare(b.src)
	})
	for _, key := range order {
		a := col.attempts[key]
		if scanners[key.src] {
			continue
		}
		if flooded[key.server] && key.kind != SYNRejected {
			continue
		}
		sk := serverKey{key.kind, key.server}
		m := merged[sk]
		if m == nil {
			m = &attemptAgg{}
			merged[sk] = m
		}
		m.merge(&col.cfg, a)
		sources[sk]++
	}
	keys := make([]serverKey, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b serverKey) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return a.server.Compare(b.server)
	})
	for _, k := range keys {
		a := merged[k]
		subj := hostPortString(k.server)
		d := map[string]any{"attempts": a.count, "sources": sources[k]}
		var sum, extra string
		sev := Medium
		switch k.kind {
		case SYNUnanswered:
			d["syn_packets"] = a.packets
			d["max_retries"] = a.maxRetries
			d["retransmission_intervals"] = nonNil(a.intervals)
			sum = fmt.Sprintf("%s never answered %s from %s (%d SYN packets, up to %d retransmissions per attempt): host down, filtered or unreachable",
				subj, plural(a.count, "connection attempt"), plural(int64(sources[k]), "client"), a.packets, a.maxRetries)
			extra = fltPureSYN
		case SYNRejected:
			sum = fmt.Sprintf("%s refused %s from %s with a reset: nothing listens on that port",
				subj, plural(a.count, "connection attempt"), plural(int64(sources[k]), "client"))
			extra = "(" + fltPureSYN + " || " + fltRST + ")"
		case SYNACKUnanswered:
			d["connections"] = a.count
			d["synack_retransmissions"] = a.packets - a.count
			delete(d, "attempts")
			sum = fmt.Sprintf("%s answered %s with SYN-ACK but the client never completed the handshake (half-open in SYN_RECEIVED, %d SYN-ACK retransmissions)",
				subj, plural(a.count, "SYN"), a.packets-a.count)
			extra = fltSYNACK
		}
		sev = raise(sev, a.count, col.cfg.ManyConnections)
		emit(&a.group, a.group.finding(&col.cfg, k.kind, sev, subj, sum, extra, d))
	}
}

func nonNil(v []float64) []float64 {
	if v == nil {
		return []float64{}
	}
	return v
}

// plural returns "1 thing" or "n things".
func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
