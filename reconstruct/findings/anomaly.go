package findings

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// anomalyAgg aggregates the connections on which one host sent segments a
// correct TCP stack does not send (flow.AnomalyKind).
type anomalyAgg struct {
	group
	byName [flow.NumAnomalyKinds]int64 // connections with each kind
	peers  peerSet
}

// anomalyDetector finds hosts sending anomalous segments on many
// connections.
type anomalyDetector struct {
	col   *Collector
	hosts map[netip.Addr]*anomalyAgg
}

func (ad *anomalyDetector) add(c *finished.Conn, _ bool) bool {
	if !c.HasAnomalies() {
		return false
	}
	col := ad.col
	var buf [flow.NumAnomalyKinds]flow.AnomalyRecord
	recs := c.AppendAnomalies(buf[:0])
	for _, r := range [2]flow.Role{flow.Client, flow.Server} {
		var frames []int64
		var kinds []flow.AnomalyKind
		for _, a := range recs {
			if (r == flow.Client && a.ByClient) || (r == flow.Server && a.ByServer) {
				frames = append(frames, a.Frame)
				kinds = append(kinds, a.Kind)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		host := c.EP[r].Addr.Addr()
		agg := ad.hosts[host]
		if agg == nil {
			agg = &anomalyAgg{}
			ad.hosts[host] = agg
		}
		agg.addConn(&col.cfg, c, frames)
		agg.peers.add(c.EP[1-r].Addr.Addr())
		for _, k := range kinds {
			agg.byName[k]++
		}
	}
	return false
}

// settle keeps everything: hosts sending anomalies are few.
func (ad *anomalyDetector) settle(time.Time) {}

// report emits the hosts that sent anomalous segments on at least
// AnomalyMany connections, leaving out detected scanners (their probes are
// the scan's).
func (ad *anomalyDetector) report(rc *reportContext) {
	col := ad.col
	hosts := sortedHosts(ad.hosts, func(a *anomalyAgg) bool { return a.count >= col.cfg.AnomalyMany })
	for _, h := range hosts {
		if rc.scanners[h] {
			continue
		}
		a := ad.hosts[h]
		names := map[string]int64{}
		var parts []string
		for k, n := range a.byName {
			if n > 0 {
				name := flow.AnomalyKind(k).String()
				names[name] = n
				parts = append(parts, fmt.Sprintf("%s on %d", name, n))
			}
		}
		subj := hostString(h)
		d := map[string]any{"connections": a.count, "by_name": names, "peers": a.peers.len()}
		sum := fmt.Sprintf("%s sent segments no correct TCP stack sends on %s with %s (%s): a crafted-packet tool, a broken middlebox or stack, or reset injection",
			subj, plural(a.count, "connection"), plural(int64(a.peers.len()), "peer"), strings.Join(parts, ", "))
		sev := Low
		if a.count >= col.cfg.ManyConnections {
			sev = Medium
		}
		f := a.group.finding(&col.cfg, Anomaly, sev, subj, sum, "", d)
		if len(f.Frames) > 0 {
			// The evidence is the first anomalous segment of each kind on
			// each connection: select exactly those frames.
			f.Filter = strings.Replace(streamFilter(f.Frames, ""), "tcp.stream", "frame.number", 1)
		}
		rc.emit(&a.group, f)
	}
}
