package findings

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// injectionAgg aggregates the resets outside the window that one host
// received: guesses at its connections' sequence numbers by a blind
// attacker forging its peers' addresses.
type injectionAgg struct {
	group
	rsts  int64   // out-of-window resets received
	peers peerSet // the addresses the resets claimed to come from
}

func (col *Collector) addInjection(c *flow.Conn, a flow.AnomalyRecord) {
	if a.Kind != flow.AnomalyRSTOutOfWindow {
		return
	}
	for _, sender := range [2]flow.Role{flow.Client, flow.Server} {
		if (sender == flow.Client && !a.ByClient) || (sender == flow.Server && !a.ByServer) {
			continue
		}
		victim := c.EP[1-sender].Addr.Addr()
		agg := col.injections[victim]
		if agg == nil {
			agg = &injectionAgg{}
			col.injections[victim] = agg
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

// injectionFindings reports hosts that received at least ResetInjectionMin
// resets outside the window.
func (col *Collector) injectionFindings(emit func(*group, result.Finding)) {
	hosts := make([]netip.Addr, 0, len(col.injections))
	for h, a := range col.injections {
		if a.rsts >= col.cfg.ResetInjectionMin {
			hosts = append(hosts, h)
		}
	}
	slices.SortFunc(hosts, netip.Addr.Compare)
	for _, h := range hosts {
		a := col.injections[h]
		subj := hostString(h)
		d := map[string]any{"resets": a.rsts, "connections": a.count, "peers": a.peers.len()}
		sum := fmt.Sprintf("%s received %d resets outside the window on %s from %s: blind reset injection (someone forging the peer's address guesses at the sequence numbers to tear the connection down)",
			subj, a.rsts, plural(a.count, "connection"), plural(int64(a.peers.len()), "peer address"))
		sev := Medium
		if a.rsts >= col.cfg.ManyConnections {
			sev = High
		}
		emit(&a.group, a.group.finding(&col.cfg, ResetInjection, sev, subj, sum, fltRST, d))
	}
}
