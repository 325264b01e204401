package findings

import (
	"net/netip"
	"time"

	"github.com/wirestat/wirestat/reconstruct/flow"
)

// impact is what a per-subject finding weighs against its subject's own
// traffic: how many connections it covers, out of how many the subject
// had, from how many distinct peers, over how long.
type impact struct {
	n     int64         // connections the finding covers (its Count)
	total int64         // connections of the subject, n included
	peers int           // distinct peer hosts among the n
	span  time.Duration // Last - First of the n
	many  int64         // the kind's "many connections" (ManyConnections, HalfClosedMany)
}

// share is n / total (1 when total is unknown).
func (im impact) share() float64 {
	if im.total <= 0 || im.total < im.n {
		return 1
	}
	return float64(im.n) / float64(im.total)
}

// level is the severity the impact alone earns, before the kind's
// adjustment (see severityOf). The rule, with the thresholds of Config,
// is documented in doc.go under Significance.
func (cfg *Config) level(im impact) Severity {
	share := im.share()
	switch {
	case im.n >= im.many && share >= cfg.MinorShare:
		return High
	case im.n >= im.many:
		return Medium
	case im.peers >= cfg.ManyPeers && share >= cfg.MajorShare:
		return High
	case share < cfg.NoiseShare:
		if im.n >= 2 && im.span >= cfg.PersistentSpan {
			return Low
		}
		return Info
	case im.n == 1 && im.total >= cfg.BusyConnections:
		return Info
	case share < cfg.MinorShare || im.n == 1:
		return Low
	}
	return Medium
}

// severityOf is the severity of a per-subject finding: the impact's level
// for kinds that are a problem in themselves (unanswered, refused and
// half-open handshakes, half-closed connections), one level lower for
// kinds that are often benign (resets, retransmitted handshakes).
func (cfg *Config) severityOf(k Kind, im impact) Severity {
	sev := cfg.level(im)
	switch k {
	case Reset, SYNRetransmitted:
		if sev > Info {
			sev--
		}
	}
	return sev
}

// withImpact adds the impact's figures to a finding's details.
func withImpact(d map[string]any, im impact) map[string]any {
	d["subject_connections"] = im.total
	d["share"] = round4(im.share())
	return d
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// serverSide is the side key of a server host:port.
func serverSide(ap netip.AddrPort) sideKey { return sideKey{role: flow.Server, host: ap} }

// maxPeers bounds the distinct peers a per-subject aggregate remembers:
// enough to tell "one client" from "many" (Config.ManyPeers).
const maxPeers = 64

// peerSet remembers up to maxPeers distinct peer hosts.
type peerSet struct {
	m map[netip.Addr]struct{}
}

func (p *peerSet) add(a netip.Addr) {
	if p.m == nil {
		p.m = make(map[netip.Addr]struct{}, 1)
	}
	if len(p.m) < maxPeers {
		p.m[a] = struct{}{}
	}
}

func (p *peerSet) len() int { return len(p.m) }
