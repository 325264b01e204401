package findings

import (
	"fmt"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
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

// halfClosedDetector reports the sides left in CLOSE_WAIT: the peer sent
// FIN and this side never did (half_closed). Sides whose CLOSE_WAIT is
// too recent, unseen (one direction) or only assumed (mid-stream) are
// kept apart and reported as info.
type halfClosedDetector struct {
	col   *Collector
	sides *timeWaitDetector // the sides' connections, for the impact
	// lasting are the half-closed sides whose CLOSE_WAIT had lasted
	// HalfClosedMinAge by the end of the capture, seen in their own
	// packets.
	lasting map[sideKey]*halfClosedAgg
	// young are the half-closed sides whose CLOSE_WAIT had not lasted
	// HalfClosedMinAge by the end of the capture.
	young map[sideKey]*halfClosedAgg
	// blind are the half-closed sides whose CLOSE_WAIT endpoint sent no
	// packet the capture holds.
	blind map[sideKey]*halfClosedAgg
	// assumed are the half-closed sides whose CLOSE_WAIT is only assumed:
	// the capture began after the connection had started, and the side
	// may have sent its own FIN before it (see flow's mid-stream rule).
	assumed map[sideKey]*halfClosedAgg
}

func newHalfClosedDetector(col *Collector, sides *timeWaitDetector) *halfClosedDetector {
	return &halfClosedDetector{
		col:     col,
		sides:   sides,
		lasting: make(map[sideKey]*halfClosedAgg),
		young:   make(map[sideKey]*halfClosedAgg),
		blind:   make(map[sideKey]*halfClosedAgg),
		assumed: make(map[sideKey]*halfClosedAgg),
	}
}

// add counts c on its CLOSE_WAIT side, if it has one; a claimed
// connection's CLOSE_WAIT (backscatter) is the answer to a probe.
func (hd *halfClosedDetector) add(c *finished.Conn, claimed bool) bool {
	if claimed {
		return false
	}
	col := hd.col
	for _, cw := range [2]flow.Role{flow.Client, flow.Server} {
		fin := 1 - cw
		w, f := &c.EP[cw], &c.EP[fin]
		if w.State != tcpstate.CloseWait || w.SentFIN || !f.SentFIN {
			continue
		}
		end, open := col.endOfCapture(c)
		aggs := hd.lasting
		switch {
		case w.Packets == 0:
			// The capture holds none of the CLOSE_WAIT side's packets
			// (one direction only): its close() would not show.
			aggs = hd.blind
		case w.Evidence == tcpstate.Assumed:
			// Picked up mid-stream: the side may have closed first,
			// before the capture began.
			aggs = hd.assumed
		case end.Sub(f.FINTime()) < col.cfg.HalfClosedMinAge:
			aggs = hd.young
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
	return false
}

// settle keeps everything: half-closed sides are reported however old.
func (hd *halfClosedDetector) settle(time.Time) {}

// report emits the lasting CLOSE_WAITs, then, as info, the young, blind
// and assumed ones of the sides without a lasting one.
func (hd *halfClosedDetector) report(rc *reportContext) {
	hd.lastingFindings(rc)
	hd.infoFindings(rc, hd.young, halfClosedYoung)
	hd.infoFindings(rc, hd.blind, halfClosedBlind)
	hd.infoFindings(rc, hd.assumed, halfClosedAssumed)
}

func (hd *halfClosedDetector) lastingFindings(rc *reportContext) {
	col := hd.col
	for _, key := range sortedSides(hd.lasting, nil) {
		a := hd.lasting[key]
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
		im := hd.sides.impact(key, &a.group, a.peers.len(), col.cfg.HalfClosedMany)
		sev := col.cfg.severityOf(HalfClosed, im)
		rc.emit(&a.group, a.group.finding(&col.cfg, HalfClosed, sev, key.subject(), sum, fltFIN, withImpact(d, im)))
	}
}

// Why a half-closed side is only info (infoFindings).
type halfClosedWhy uint8

const (
	halfClosedYoung   halfClosedWhy = iota // the peer's FIN came too recently
	halfClosedBlind                        // the CLOSE_WAIT side sent nothing the capture holds
	halfClosedAssumed                      // its CLOSE_WAIT rests on a mid-stream pickup's assumption
)

// infoFindings reports, as info, the sides whose connections
// were half-closed too recently before the end of the capture to call it a
// leak, whose CLOSE_WAIT side sent no packet the capture holds (blind), or
// whose CLOSE_WAIT is only assumed, unless the side has a half_closed
// finding of lasting CLOSE_WAITs.
func (hd *halfClosedDetector) infoFindings(rc *reportContext, aggs map[sideKey]*halfClosedAgg, why halfClosedWhy) {
	col := hd.col
	for _, key := range sortedSides(aggs, nil) {
		if hd.lasting[key] != nil {
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
		im := impact{n: a.count, total: max(a.count, hd.sides.established(key)), peers: a.peers.len(), many: col.cfg.HalfClosedMany}
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
		rc.emit(&a.group, a.group.finding(&col.cfg, HalfClosed, Info, key.subject(), sum, fltFIN, d))
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
