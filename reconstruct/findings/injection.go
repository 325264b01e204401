package findings

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// injectionAgg aggregates the resets outside the window that one host
// received: guesses at its connections' sequence numbers by a blind
// attacker forging its peers' addresses.
type injectionAgg struct {
	group
	rsts  int64   // out-of-window resets received
	peers peerSet // the addresses the resets claimed to come from
}

// injectionDetector finds hosts receiving resets outside their window.
type injectionDetector struct {
	col     *Collector
	victims map[netip.Addr]*injectionAgg
}

func (id *injectionDetector) add(c *finished.Conn, _ bool) bool {
	if !c.HasAnomalies() {
		return false
	}
	var buf [flow.NumAnomalyKinds]flow.AnomalyRecord
	for _, a := range c.AppendAnomalies(buf[:0]) {
		if a.Kind == flow.AnomalyRSTOutOfWindow {
			id.addResets(c, a)
		}
	}
	return false
}

func (id *injectionDetector) addResets(c *finished.Conn, a flow.AnomalyRecord) {
	col := id.col
	for _, sender := range [2]flow.Role{flow.Client, flow.Server} {
		if (sender == flow.Client && !a.ByClient) || (sender == flow.Server && !a.ByServer) {
			continue
		}
		victim := c.EP[1-sender].Addr.Addr()
		agg := id.victims[victim]
		if agg == nil {
			agg = &injectionAgg{}
			id.victims[victim] = agg
		}
		fr := rstFrames(col.scratch[:0], c, sender)
		col.scratch = fr
		agg.addConn(&col.cfg, c, fr)
		if int(a.Count) > len(fr) {
			// Only the first flow.MaxFlagFrames resets' frames are known.
			agg.frames.truncated = true
		}
		agg.rsts += a.Count
		agg.peers.add(c.EP[sender].Addr.Addr())
	}
}

// settle keeps everything: victims of injection are few.
func (id *injectionDetector) settle(time.Time) {}

// report emits the hosts that received at least ResetInjectionMin resets
// outside the window.
func (id *injectionDetector) report(rc *reportContext) {
	col := id.col
	for _, h := range sortedHosts(id.victims, func(a *injectionAgg) bool { return a.rsts >= col.cfg.ResetInjectionMin }) {
		a := id.victims[h]
		subj := hostString(h)
		d := map[string]any{"resets": a.rsts, "connections": a.count, "peers": a.peers.len()}
		sum := fmt.Sprintf("%s received %d resets outside the window on %s from %s: blind reset injection (someone forging the peer's address guesses at the sequence numbers to tear the connection down)",
			subj, a.rsts, plural(a.count, "connection"), plural(int64(a.peers.len()), "peer address"))
		sev := Medium
		if a.rsts >= col.cfg.ManyConnections {
			sev = High
		}
		rc.emit(&a.group, a.group.finding(&col.cfg, ResetInjection, sev, subj, sum, fltRST, d))
	}
}
