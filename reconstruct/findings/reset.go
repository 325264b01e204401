package findings

import (
	"fmt"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// resetDetector reports the sides that aborted established connections
// with a reset (reset), leaving out a scanner closing its probes.
type resetDetector struct {
	col    *Collector
	sides  *timeWaitDetector // the sides' connections, for the impact
	resets map[sideKey]*resetAgg
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

// add counts c on the side that reset it after the handshake; a claimed
// connection's reset (a probe's answer) is no abort.
func (rd *resetDetector) add(c *finished.Conn, claimed bool) bool {
	if claimed {
		return false
	}
	col := rd.col
	r, from := c.Reset.By, c.Reset.From
	if !c.Reset.Sent || !from.Synchronized() {
		return false
	}
	if !c.Midstream && !c.BothSynchronized() {
		return false
	}
	key := sideOf(c, r)
	a := rd.resets[key]
	if a == nil {
		a = &resetAgg{}
		rd.resets[key] = a
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
	return false
}

// settle keeps everything: one aggregate per side that reset.
func (rd *resetDetector) settle(time.Time) {}

func (rd *resetDetector) report(rc *reportContext) {
	col := rd.col
	for _, key := range sortedSides(rd.resets, nil) {
		a := rd.resets[key]
		if key.role == flow.Client && rc.scanners[key.host.Addr()] && a.probes == a.count {
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
		im := rd.sides.impact(key, &a.group, a.peers.len(), col.cfg.ManyConnections)
		sev := col.cfg.severityOf(Reset, im)
		rc.emit(&a.group, a.group.finding(&col.cfg, Reset, sev, key.subject(), sum, fltRST, withImpact(d, im)))
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
