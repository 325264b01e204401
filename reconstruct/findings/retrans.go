package findings

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// retransAgg aggregates handshakes that completed only after SYN or
// SYN-ACK retransmissions, per server host:port.
type retransAgg struct {
	group
	synRetrans    int64
	synackRetrans int64
	// extra counts connections by the seconds (rounded to the millisecond)
	// their retransmissions added: a histogram, so the median is exact
	// while the state stays bounded by the distinct delays.
	extra      map[float64]int64
	maxConnect float64 // longest first-SYN-to-ESTABLISHED time, seconds
	peers      peerSet // client hosts
}

// retransDetector reports, per server host:port, the handshakes that
// completed only after SYN or SYN-ACK retransmissions.
type retransDetector struct {
	col     *Collector
	sides   *timeWaitDetector // the servers' connections, for the impact
	servers map[netip.AddrPort]*retransAgg
}

func (rd *retransDetector) add(c *finished.Conn, claimed bool) bool {
	if claimed || c.Handshake != finished.Completed {
		return false
	}
	cl, sv := &c.EP[flow.Client], &c.EP[flow.Server]
	if cl.SYNs <= 1 && sv.SYNs <= 1 {
		return false
	}
	col := rd.col
	a := rd.servers[sv.Addr]
	if a == nil {
		a = &retransAgg{extra: make(map[float64]int64)}
		rd.servers[sv.Addr] = a
	}
	fr := synFrames(col.scratch[:0], c, flow.Client)
	fr = synFrames(fr, c, flow.Server)
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	a.peers.add(cl.Addr.Addr())
	a.synRetrans += int64(max(cl.SYNs-1, 0))
	a.synackRetrans += int64(max(sv.SYNs-1, 0))
	a.extra[secs(retransmitSpan(c, flow.Client)+retransmitSpan(c, flow.Server))]++
	if ts := synTimes(c, flow.Client); len(ts) > 0 && c.Established[flow.Client] {
		a.maxConnect = max(a.maxConnect, secs(c.EstablishedAt[flow.Client].Sub(ts[0])))
	}
	return false
}

// settle keeps everything: one histogram per server that retransmitted.
func (rd *retransDetector) settle(time.Time) {}

func (rd *retransDetector) report(rc *reportContext) {
	col := rd.col
	for _, server := range sortedAddrPorts(rd.servers) {
		a := rd.servers[server]
		mx, med := histMaxMedian(a.extra)
		subj := hostPortString(server)
		d := map[string]any{
			"connections":            a.count,
			"syn_retransmissions":    a.synRetrans,
			"synack_retransmissions": a.synackRetrans,
			"extra_latency_max":      mx,
			"extra_latency_median":   med,
			"connect_latency_max":    a.maxConnect,
		}
		sum := fmt.Sprintf("%s: %s completed only after retransmitting the SYN or SYN-ACK (%d SYN, %d SYN-ACK retransmissions), adding up to %s to connect (median %s): packet loss or a full accept queue",
			subj, plural(a.count, "handshake"), a.synRetrans, a.synackRetrans, fmtSecs(mx), fmtSecs(med))
		im := impact{
			n:     a.count,
			total: max(a.count, rd.sides.established(serverSide(server))),
			peers: a.peers.len(),
			span:  a.last.Sub(a.first),
			many:  col.cfg.ManyConnections,
		}
		sev := col.cfg.severityOf(SYNRetransmitted, im)
		rc.emit(&a.group, a.group.finding(&col.cfg, SYNRetransmitted, sev, subj, sum, fltAnySYN, withImpact(d, im)))
	}
}

// histMaxMedian returns the largest value and the median of the values
// counted in h (0, 0 when empty); the median of an even number of values
// is the mean of the middle two, rounded to the millisecond.
func histMaxMedian(h map[float64]int64) (mx, med float64) {
	vals := make([]float64, 0, len(h))
	var n int64
	for v, c := range h {
		vals = append(vals, v)
		n += c
	}
	if n == 0 {
		return 0, 0
	}
	slices.Sort(vals)
	// nth returns the i-th smallest value (0-based).
	nth := func(i int64) float64 {
		for _, v := range vals {
			if i < h[v] {
				return v
			}
			i -= h[v]
		}
		return vals[len(vals)-1]
	}
	mx = vals[len(vals)-1]
	if n%2 == 1 {
		return mx, nth(n / 2)
	}
	return mx, round3((nth(n/2-1) + nth(n/2)) / 2)
}

// fmtSecs prints seconds the way summaries use them ("3 s", "0.25 s").
func fmtSecs(s float64) string {
	return fmt.Sprintf("%g s", round3(s))
}

// sortedHosts returns a map's host keys in order, those whose value passes
// keep (all when keep is nil).
func sortedHosts[V any](m map[netip.Addr]V, keep func(V) bool) []netip.Addr {
	keys := make([]netip.Addr, 0, len(m))
	for k, v := range m {
		if keep == nil || keep(v) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, netip.Addr.Compare)
	return keys
}

// sortedAddrPorts returns a map's host:port keys in order.
func sortedAddrPorts[V any](m map[netip.AddrPort]V) []netip.AddrPort {
	keys := make([]netip.AddrPort, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b netip.AddrPort) int { return a.Compare(b) })
	return keys
}

// durationOf is a float seconds helper for window details.
func durationOf(d time.Duration) float64 { return secs(d) }
