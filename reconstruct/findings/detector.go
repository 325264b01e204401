package findings

import (
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// A detector is the aggregation and reporting of one finding kind, kept in
// a file of its own: the collector hands it every connection and asks it
// for its findings at the end, so a new kind is a new detector listed in
// newDetectors and the collector does no more than dispatch and sort.
type detector interface {
	// add folds in connection c. claimed says whether a detector before
	// this one claimed c; add reports whether this one claims it: c is
	// then wholly explained by its kind (a probe, backscatter), and the
	// detectors of failed, aborted or leaked connections leave it out.
	add(c *finished.Conn, claimed bool) (claims bool)
	// settle forgets what has been idle since cutoff and can no longer
	// be reported (see Config.Horizon).
	settle(cutoff time.Time)
	// report emits the findings into rc, and adds to rc what the
	// detectors reporting after it depend on.
	report(rc *reportContext)
}

// reportContext is what detectors learn from the ones that reported
// before them, and the findings emitted so far.
type reportContext struct {
	// scanners holds the sources found scanning (by scan and stealth):
	// their probes' resets and anomalies, and their attempts towards each
	// server, are the scan's, not findings of their own.
	scanners map[netip.Addr]bool
	// flooded holds the servers found SYN-flooded: their unanswered SYNs
	// and SYN-ACKs are the flood's.
	flooded map[netip.AddrPort]bool
	out     []keyedFinding
}

// emit adds finding f of aggregate g, sorted by g's first frame.
func (rc *reportContext) emit(g *group, f result.Finding) {
	rc.out = append(rc.out, keyedFinding{g.sortKey(), f})
}

// newDetectors returns the detectors in the order they see connections:
// those that claim connections (stealth, backscatter) first. reporters are
// the same in the order they report: those that find scanners first, then
// the flood before the attempts it suppresses; the order of equal findings
// in the sorted output follows it.
func newDetectors(col *Collector) (detectors, reporters []detector) {
	stealth := &stealthDetector{col: col, probers: make(map[netip.Addr]*prober)}
	backscatter := &backscatterDetector{col: col, victims: make(map[netip.Addr]*backscatterAgg)}
	anomaly := &anomalyDetector{col: col, hosts: make(map[netip.Addr]*anomalyAgg)}
	injection := &injectionDetector{col: col, victims: make(map[netip.Addr]*injectionAgg)}
	login := &loginDetector{col: col, logins: make(map[loginKey]*loginAgg)}
	// The TIME_WAIT detector counts every side's connections: the impact
	// of the per-subject findings is measured against them.
	timeWait := newTimeWaitDetector(col)
	scan := newScanDetector(col)
	// The attempts live with their source (scan's per-source state) until
	// it is judged, so that a scanner's are left out.
	attempts := newAttemptDetector(col, scan, timeWait)
	retrans := &retransDetector{col: col, sides: timeWait, servers: make(map[netip.AddrPort]*retransAgg)}
	flood := &floodDetector{col: col, servers: make(map[netip.AddrPort]*floodAgg)}
	halfClosed := newHalfClosedDetector(col, timeWait)
	reset := &resetDetector{col: col, sides: timeWait, resets: make(map[sideKey]*resetAgg)}
	detectors = []detector{stealth, backscatter, anomaly, injection, login,
		scan, attempts, retrans, flood, halfClosed, timeWait, reset}
	reporters = []detector{scan, stealth, backscatter, anomaly, injection, login,
		flood, attempts, retrans, halfClosed, timeWait, reset}
	return detectors, reporters
}
