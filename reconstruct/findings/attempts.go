package findings

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// failKey groups one source's failed handshakes by kind and server
// host:port. The aggregates live with the source (see source.fails) so that
// a scanner's probes can be left out of the per-server findings (they are
// reported once, as the scan).
type failKey struct {
	kind   Kind // SYNUnanswered, SYNRejected or SYNACKUnanswered
	server netip.AddrPort
}

// attemptAgg aggregates failed handshakes of one source and failKey.
type attemptAgg struct {
	group
	packets    int64     // SYNs (syn_*) or SYN-ACKs (synack_unanswered) sent
	maxRetries int       // most retransmissions in one attempt
	intervals  []float64 // seconds between the SYNs of that attempt
}

// serverAttempts merges the attempt aggregates of the sources that were
// not scanning into one per failKey: what the finding reports.
type serverAttempts struct {
	attemptAgg
	src     netip.Addr              // the source whose intervals are shown
	sources map[netip.Addr]struct{} // distinct sources merged so far
	live    int                     // sources merged at Findings that are not in sources
	// unheard counts the attempts of sources towards which the capture
	// holds no packet at all (source.heard false).
	unheard int64
}

// take merges source src's aggregate o. The retry intervals shown are those
// of the attempt with the most retransmissions, from the lowest source
// address on a tie, so the result does not depend on the merge order.
func (m *serverAttempts) take(cfg *Config, src netip.Addr, o *attemptAgg) {
	first := m.count == 0
	m.group.merge(cfg, &o.group)
	m.packets += o.packets
	if first || o.maxRetries > m.maxRetries || (o.maxRetries == m.maxRetries && src.Less(m.src)) {
		m.maxRetries, m.intervals, m.src = o.maxRetries, o.intervals, src
	}
}

// attemptDetector reports, per server host:port, the SYNs nobody answered
// (syn_unanswered), the SYNs refused with a reset (syn_rejected) and the
// SYN-ACKs nobody acknowledged (synack_unanswered). Each source's attempts
// live in its scan state (source.fails) until it is settled: a scanner's
// are the scan's, a benign source's are merged into attempts.
type attemptDetector struct {
	col   *Collector
	scan  *scanDetector
	sides *timeWaitDetector // the servers' connections, for the impact
	// attempts holds the attempts of settled sources that were not
	// scanning.
	attempts map[failKey]*serverAttempts
	// spoke holds the server host:ports the capture holds packets of in
	// a completed handshake: their direction is in the capture. Bounded
	// like the tracker's listeners.
	spoke map[netip.AddrPort]struct{}
}

func newAttemptDetector(col *Collector, scan *scanDetector, sides *timeWaitDetector) *attemptDetector {
	ad := &attemptDetector{
		col:      col,
		scan:     scan,
		sides:    sides,
		attempts: make(map[failKey]*serverAttempts),
		spoke:    make(map[netip.AddrPort]struct{}),
	}
	scan.benign = ad.retire
	return ad
}

// add records c's failed handshake with its source (scanDetector.add has
// counted c for it just before), and the servers that answered.
func (ad *attemptDetector) add(c *finished.Conn, claimed bool) bool {
	if claimed {
		// A probe, or backscatter: the target's reset is the answer to
		// it, not a refused connection.
		return false
	}
	if c.Handshake == finished.Completed && c.EP[flow.Server].Packets > 0 {
		ad.spoke[c.EP[flow.Server].Addr] = struct{}{}
	}
	if s := ad.scan.sourceOf(c); s != nil {
		// A SYN-ACK in the capture's last round trip may have been
		// answered after it ended: not unanswered (it still counts as
		// half-open for the flood detector).
		if c.Handshake != finished.SYNACKUnanswered || !ad.col.inLastRoundTrip(c) {
			ad.addAttempt(s, c)
		}
	}
	return false
}

// settle keeps everything of its own: the sources' attempts are settled
// with them (retire).
func (ad *attemptDetector) settle(time.Time) {}

// retire merges a settled source's attempts into ad.attempts: the scan
// detector calls it for the sources it did not find scanning.
func (ad *attemptDetector) retire(src netip.Addr, s *source) {
	col := ad.col
	for k, a := range s.fails {
		m := ad.attempts[k]
		if m == nil {
			m = &serverAttempts{sources: make(map[netip.Addr]struct{})}
			ad.attempts[k] = m
		}
		m.take(&col.cfg, src, a)
		m.sources[src] = struct{}{}
		if !s.heard {
			m.unheard += a.count
		}
	}
}

func (ad *attemptDetector) addAttempt(s *source, c *finished.Conn) {
	col := ad.col
	var k Kind
	switch c.Handshake {
	case finished.Unanswered:
		k = SYNUnanswered
	case finished.Rejected:
		k = SYNRejected
	case finished.SYNACKUnanswered:
		k = SYNACKUnanswered
	default:
		return
	}
	key := failKey{kind: k, server: c.EP[flow.Server].Addr}
	if s.fails == nil {
		s.fails = make(map[failKey]*attemptAgg)
	}
	a := s.fails[key]
	if a == nil {
		a = &attemptAgg{}
		s.fails[key] = a
	}
	fr := col.scratch[:0]
	side := flow.Client
	switch k {
	case SYNUnanswered:
		fr = synFrames(fr, c, flow.Client)
	case SYNRejected:
		fr = synFrames(fr, c, flow.Client)
		fr = rstFrames(fr, c, flow.Server)
	case SYNACKUnanswered:
		side = flow.Server
		fr = synFrames(fr, c, flow.Server)
	}
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	ep := &c.EP[side]
	a.packets += int64(ep.SYNs)
	if r := ep.SYNs - 1; r > a.maxRetries || a.count == 1 {
		a.maxRetries = max(r, 0)
		a.intervals = retryIntervals(c, side)
	}
}

// report emits one finding per kind and server host:port: the attempts of
// settled sources merged so far plus those of the sources still tracked,
// leaving out sources found to be scanning and servers reported as
// flooded (syn_unanswered and synack_unanswered only).
func (ad *attemptDetector) report(rc *reportContext) {
	col := ad.col
	merged := make(map[failKey]*serverAttempts, len(ad.attempts))
	get := func(k failKey) *serverAttempts {
		m := merged[k]
		if m == nil {
			m = &serverAttempts{}
			merged[k] = m
		}
		return m
	}
	for k, a := range ad.attempts {
		m := get(k)
		m.take(&col.cfg, a.src, &a.attemptAgg)
		m.sources = a.sources
		m.unheard += a.unheard
	}
	for src, s := range ad.scan.sources {
		if rc.scanners[src] {
			continue
		}
		for k, a := range s.fails {
			m := get(k)
			m.take(&col.cfg, src, a)
			if _, ok := m.sources[src]; !ok {
				m.live++
			}
			if !s.heard {
				m.unheard += a.count
			}
		}
	}
	keys := make([]failKey, 0, len(merged))
	for k := range merged {
		if rc.flooded[k.server] && k.kind != SYNRejected {
			continue
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b failKey) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return a.server.Compare(b.server)
	})
	for _, k := range keys {
		a := merged[k]
		nsrc := len(a.sources) + a.live
		subj := hostPortString(k.server)
		d := map[string]any{"attempts": a.count, "sources": nsrc}
		var sum, extra string
		switch k.kind {
		case SYNUnanswered:
			d["syn_packets"] = a.packets
			d["max_retries"] = a.maxRetries
			d["retransmission_intervals"] = nonNil(a.intervals)
			sum = fmt.Sprintf("%s never answered %s from %s (%d SYN packets, up to %d retransmissions per attempt): host down, filtered or unreachable",
				subj, plural(a.count, "connection attempt"), plural(int64(nsrc), "client"), a.packets, a.maxRetries)
			extra = fltPureSYN
		case SYNRejected:
			sum = fmt.Sprintf("%s refused %s from %s with a reset: nothing listens on that port",
				subj, plural(a.count, "connection attempt"), plural(int64(nsrc), "client"))
			extra = "(" + fltPureSYN + " || " + fltRST + ")"
		case SYNACKUnanswered:
			d["connections"] = a.count
			d["synack_retransmissions"] = a.packets - a.count
			delete(d, "attempts")
			sum = fmt.Sprintf("%s answered %s with SYN-ACK but the client never completed the handshake (half-open in SYN_RECEIVED, %d SYN-ACK retransmissions)",
				subj, plural(a.count, "SYN"), a.packets-a.count)
			extra = fltSYNACK
		}
		im := impact{
			n:     a.count,
			total: a.count + ad.sides.established(serverSide(k.server)),
			peers: nsrc,
			span:  a.last.Sub(a.first),
			many:  col.cfg.ManyConnections,
		}
		sev := col.cfg.severityOf(k.kind, im)
		if _, spoke := ad.spoke[k.server]; k.kind == SYNUnanswered && a.unheard == a.count && !spoke {
			// No packet towards any of these clients is in the capture,
			// nor one of the server's in a completed handshake: it may
			// hold one direction only (a one-sided tap, asymmetric
			// routing), so silence proves nothing.
			sev = Info
			d["one_direction"] = true
			sum = fmt.Sprintf("%s got %s from %s (%d SYN packets) that nothing in the capture answered, but the capture holds no packet towards %s at all: it may hold one direction only (a one-sided tap or asymmetric routing), so this does not show the server down",
				subj, plural(a.count, "connection attempt"), plural(int64(nsrc), "client"), a.packets, pluralThem(nsrc))
		}
		rc.emit(&a.group, a.group.finding(&col.cfg, k.kind, sev, subj, sum, extra, withImpact(d, im)))
	}
}

// pluralThem is "that client" or "those clients".
func pluralThem(n int) string {
	if n == 1 {
		return "that client"
	}
	return "those clients"
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
