package findings

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// backscatterAgg aggregates the SYN-ACKs one host received without having
// sent a SYN: the answers of servers flooded with SYNs forged in its name.
type backscatterAgg struct {
	group
	senders peerSet // hosts that sent the SYN-ACKs (up to 64)
	ports   map[uint16]struct{}
	reset   int64 // connections the victim answered with a reset
}

// unsolicitedSYNACK reports whether c opened with a SYN-ACK its receiver
// never asked for: the first packet is a SYN-ACK and the receiver sent no
// SYN and nothing but resets.
func unsolicitedSYNACK(c *finished.Conn) (victim flow.Role, ok bool) {
	if c.FirstFlags&(decode.SYN|decode.ACK|decode.RST|decode.FIN) != decode.SYN|decode.ACK {
		return 0, false
	}
	victim = 1 - c.FirstSender()
	v := &c.EP[victim]
	if v.SentSYN || v.PayloadBytes > 0 || int64(v.RSTs) != v.Packets || c.EP[1-victim].PayloadBytes > 0 {
		return 0, false
	}
	return victim, true
}

// backscatterDetector finds hosts receiving SYN-ACKs they never asked for.
type backscatterDetector struct {
	col     *Collector
	victims map[netip.Addr]*backscatterAgg
}

// add claims the unsolicited SYN-ACKs: the victim's resets answer them.
func (bd *backscatterDetector) add(c *finished.Conn, _ bool) bool {
	vr, ok := unsolicitedSYNACK(c)
	if !ok {
		return false
	}
	col := bd.col
	v := c.EP[vr].Addr.Addr()
	a := bd.victims[v]
	if a == nil {
		a = &backscatterAgg{ports: make(map[uint16]struct{})}
		bd.victims[v] = a
	}
	fr := synFrames(col.scratch[:0], c, 1-vr)
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	a.senders.add(c.EP[1-vr].Addr.Addr())
	if len(a.ports) < 1024 {
		a.ports[c.EP[1-vr].Addr.Port()] = struct{}{}
	}
	if c.EP[vr].RSTs > 0 {
		a.reset++
	}
	return true
}

// settle keeps everything: victims are few (one per forged address).
func (bd *backscatterDetector) settle(time.Time) {}

// report emits the hosts that received at least BackscatterMin
// unsolicited SYN-ACKs.
func (bd *backscatterDetector) report(rc *reportContext) {
	col := bd.col
	for _, h := range sortedHosts(bd.victims, func(a *backscatterAgg) bool { return a.count >= col.cfg.BackscatterMin }) {
		a := bd.victims[h]
		subj := hostString(h)
		d := map[string]any{
			"synacks": a.count,
			"senders": a.senders.len(),
			"ports":   len(a.ports),
			"reset":   a.reset,
		}
		sum := fmt.Sprintf("%s received %s it never asked for from %s (%d answered with a reset): SYN-ACK backscatter, someone floods %s with SYNs forged with %s as their source",
			subj, plural(a.count, "SYN-ACK"), plural(int64(a.senders.len()), "host"), a.reset, pluralIt(a.senders.len()), subj)
		f := a.group.finding(&col.cfg, Backscatter, Medium, subj, sum, fltSYNACK, d)
		if a.streams.truncated {
			f.Filter = ipField(h, "dst") + "==" + subj + " && " + fltSYNACK
		}
		rc.emit(&a.group, f)
	}
}

func pluralIt(n int) string {
	if n == 1 {
		return "that host"
	}
	return "those hosts"
}
