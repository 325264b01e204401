package findings

import (
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// A detector is the aggregation of one finding kind, kept in a file of
// its own: the collector hands it every connection and asks it for its
// findings at the end, so a new kind is a new detector listed in
// newDetectors.
type detector interface {
	// add folds in connection c.
	// It reports whether c is wholly explained by this detector's kind
	// (a probe, backscatter): the collector's own aggregates then leave
	// it out, though the other detectors still see it.
	add(c *finished.Conn) (claimed bool)
	// settle forgets what has been idle since cutoff and can no longer
	// be reported (see Config.Horizon).
	settle(cutoff time.Time)
	// report emits the findings. scanners holds the sources found
	// scanning; a detector of scanners adds its own to it, and those after
	// it in newDetectors see them.
	report(scanners map[netip.Addr]bool, emit func(*group, result.Finding))
}

// newDetectors returns the detectors in the order they report: those that
// find scanners first.
func newDetectors(col *Collector) []detector {
	return []detector{
		&stealthDetector{col: col, probers: make(map[netip.Addr]*prober)},
		&backscatterDetector{col: col, victims: make(map[netip.Addr]*backscatterAgg)},
		&anomalyDetector{col: col, hosts: make(map[netip.Addr]*anomalyAgg)},
		&injectionDetector{col: col, victims: make(map[netip.Addr]*injectionAgg)},
		&loginDetector{col: col, logins: make(map[loginKey]*loginAgg)},
	}
}
