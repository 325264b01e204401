package findings

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// target is one destination host:port a source tried to reach.
type target struct {
	host netip.Addr
	port uint16
}

// contact is a source's history with one target: its first attempt (time,
// stream, outcome) and whether any attempt succeeded.
type contact struct {
	at     int64 // unix nanoseconds of the first attempt
	stream int64
	failed bool // the first attempt failed (no answer, or reset to the SYN)
	ok     bool // some attempt got an answer
}

func (c *contact) before(o *contact) bool {
	return c.at < o.at || (c.at == o.at && c.stream < o.stream)
}

// source aggregates one client host's connection attempts for the scan
// detectors. failed holds the failed attempts (their streams and SYN
// frames are the scan's evidence); most sources never fail, so it is
// allocated at the first failure. A source is settled once no connection
// of it was handed out for Config.Horizon (see scanDetector.retire).
type source struct {
	failed    *group
	attempts  int64
	successes int64
	// The first target lives inline: most sources (ordinary clients)
	// contact one server, and a map costs hundreds of bytes. targets holds
	// every target once there are two or more.
	one     target
	oneC    contact
	hasOne  bool
	targets map[target]*contact
	fails   map[failKey]*attemptAgg // failed handshakes, for the per-server findings
	seen    int64                   // collector clock (Collector.clock) when its last connection was added
	// heard: the capture holds a packet towards the source on one of its
	// connections (a server's answer). A source never heard from may be
	// on the far side of a one-direction capture.
	heard bool
}

// scanDetector finds sources scanning with SYNs: by TRW over their first
// contacts, or by thresholds of failed targets within ScanWindow. Its
// per-source state also holds each source's failed attempts (see
// attemptDetector), so that a scanner's are left out of the per-server
// findings.
type scanDetector struct {
	col     *Collector
	sources map[netip.Addr]*source
	alloc   slab[source]
	// Settled sources: the findings of those found scanning, and their
	// addresses (a scanner's probe resets are not reported).
	pastScans    []keyedFinding
	pastScanners map[netip.Addr]bool
	// benign receives each settled source not found scanning.
	benign func(src netip.Addr, s *source)
}

func newScanDetector(col *Collector) *scanDetector {
	return &scanDetector{
		col:          col,
		sources:      make(map[netip.Addr]*source),
		pastScanners: make(map[netip.Addr]bool),
		benign:       func(netip.Addr, *source) {},
	}
}

// add counts c's first contact for its source. Claimed connections (a
// probe, backscatter) are no attempt.
func (sd *scanDetector) add(c *finished.Conn, claimed bool) bool {
	if !claimed {
		sd.addSource(c)
	}
	return false
}

// sourceOf returns the state of c's source, nil when c had no handshake
// to judge (see addSource).
func (sd *scanDetector) sourceOf(c *finished.Conn) *source {
	if c.Handshake == finished.NoHandshake {
		return nil
	}
	return sd.sources[c.EP[flow.Client].Addr.Addr()]
}

func (sd *scanDetector) addSource(c *finished.Conn) {
	if c.Handshake == finished.NoHandshake {
		return // midstream or roles guessed: no first contact to judge
	}
	col := sd.col
	src := c.EP[flow.Client].Addr.Addr()
	s := sd.sources[src]
	if s == nil {
		s = sd.alloc.new()
		sd.sources[src] = s
	}
	s.seen = col.clock
	s.heard = s.heard || c.EP[flow.Server].Packets > 0
	s.attempts++
	failed := c.Handshake.Failed()
	if !failed {
		s.successes++
	}
	dst := c.EP[flow.Server].Addr
	t := target{dst.Addr(), dst.Port()}
	at := c.Start
	if ts := synTimes(c, flow.Client); len(ts) > 0 {
		at = ts[0]
	}
	now := contact{at: at.UnixNano(), stream: c.Stream, failed: failed, ok: !failed}
	if old := s.lookup(t); old == nil {
		s.insert(t, now)
	} else {
		ok := old.ok || now.ok
		if now.before(old) {
			*old = now
		}
		old.ok = ok
	}
	if failed {
		fr := synFrames(col.scratch[:0], c, flow.Client)
		col.scratch = fr
		if s.failed == nil {
			s.failed = &group{}
		}
		s.failed.addConn(&col.cfg, c, fr)
	}
}

// settle settles the sources not seen since cutoff and forgets them.
func (sd *scanDetector) settle(cutoff time.Time) {
	cut := flow.UnixNanos(cutoff)
	for a, s := range sd.sources {
		if s.seen < cut {
			sd.retire(a, s)
			delete(sd.sources, a)
		}
	}
}

// retire settles a source idle for Config.Horizon: it is judged on the
// attempts seen so far; a scanner's finding is kept (and the source
// remembered as a scanner for the reset findings), a benign source goes
// to sd.benign (its failed attempts join their servers' aggregates). The
// caller forgets the source; if it comes back it starts a fresh walk and
// window.
func (sd *scanDetector) retire(a netip.Addr, s *source) {
	if s.failed != nil {
		if v := sd.judge(s); v.scan() {
			sd.pastScans = append(sd.pastScans, keyedFinding{s.failed.sortKey(), sd.scanFinding(a, s, &v)})
			sd.pastScanners[a] = true
			return
		}
	}
	sd.benign(a, s)
}

// scanVerdict is what the detectors concluded about one source.
type scanVerdict struct {
	hostWalk    walk // TRW over distinct destination hosts
	portWalk    walk // the TRW port walk that fired (or the strongest one)
	portHost    netip.Addr
	trwHosts    bool // host walk fired
	trwPorts    bool // a port walk fired
	addrScan    bool // threshold: many hosts on one port
	addrPort    uint16
	addrHosts   int
	portScan    bool // threshold: many ports on one host
	portScanOn  netip.Addr
	portPorts   int
	hosts       int // distinct hosts contacted
	ports       int // distinct ports contacted
	failedTgts  int // host:port targets never reached
	failedHosts int // hosts with a failed target
}

// scan reports whether some detector fired.
func (v *scanVerdict) scan() bool {
	return v.trwHosts || v.trwPorts || v.addrScan || v.portScan
}

// timed is one target in time order for the window and walk passes.
type timed struct {
	t *contact
	k target
}

func (sd *scanDetector) judge(s *source) scanVerdict {
	col := sd.col
	var v scanVerdict
	all := make([]timed, 0, s.numTargets())
	s.each(func(k target, t *contact) { all = append(all, timed{t, k}) })
	slices.SortFunc(all, func(a, b timed) int {
		if a.t.before(b.t) {
			return -1
		}
		if b.t.before(a.t) {
			return 1
		}
		if c := a.k.host.Compare(b.k.host); c != 0 {
			return c
		}
		return int(a.k.port) - int(b.k.port)
	})

	// Walk 1 (the paper's): first contact with each distinct host.
	v.hostWalk = newWalk()
	byHost := make(map[netip.Addr][]timed)
	ports := make(map[uint16][]timed)
	failedHost := make(map[netip.Addr]bool)
	for _, e := range all {
		if _, seen := byHost[e.k.host]; !seen {
			col.trw.step(&v.hostWalk, e.t.failed)
		}
		byHost[e.k.host] = append(byHost[e.k.host], e)
		ports[e.k.port] = append(ports[e.k.port], e)
		if !e.t.ok {
			v.failedTgts++
			failedHost[e.k.host] = true
		}
	}
	v.hosts, v.ports, v.failedHosts = len(byHost), len(ports), len(failedHost)
	v.trwHosts = v.hostWalk.verdict == scanner && v.hostWalk.failureRatio() >= col.cfg.TRWMinFailureRatio

	// Walk 2 (our extension for vertical scans): per destination host, the
	// first contact with each distinct port.
	window := col.cfg.ScanWindow.Nanoseconds()
	for _, h := range sortedHosts(byHost, nil) {
		evs := byHost[h]
		w := newWalk()
		for _, e := range evs {
			col.trw.step(&w, e.t.failed)
		}
		fired := w.verdict == scanner && w.failureRatio() >= col.cfg.TRWMinFailureRatio
		if fired && (!v.trwPorts || w.failures > v.portWalk.failures) {
			v.trwPorts, v.portWalk, v.portHost = true, w, h
		} else if !v.trwPorts && w.lambda > v.portWalk.lambda {
			v.portWalk, v.portHost = w, h
		}
		if ok, n := windowCount(evs, window, col.cfg.PortScanPorts, col.cfg.ScanMinFailureRatio); ok && n > v.portPorts {
			v.portScan, v.portScanOn, v.portPorts = true, h, n
		}
	}
	portList := make([]uint16, 0, len(ports))
	for p := range ports {
		portList = append(portList, p)
	}
	slices.Sort(portList)
	for _, p := range portList {
		if ok, n := windowCount(ports[p], window, col.cfg.AddressScanHosts, col.cfg.ScanMinFailureRatio); ok && n > v.addrHosts {
			v.addrScan, v.addrPort, v.addrHosts = true, p, n
		}
	}
	return v
}

// windowCount slides a window over targets in time order and reports
// whether some window held at least need never-reached targets making up at
// least ratio of the window's targets, and the largest such count.
func windowCount(evs []timed, window int64, need int, ratio float64) (bool, int) {
	var (
		lo, failed, ok, best int
		fired                bool
	)
	for hi := range evs {
		if evs[hi].t.ok {
			ok++
		} else {
			failed++
		}
		for evs[lo].t.at <= evs[hi].t.at-window {
			if evs[lo].t.ok {
				ok--
			} else {
				failed--
			}
			lo++
		}
		if failed >= need && float64(failed) >= ratio*float64(failed+ok) && failed > best {
			fired, best = true, failed
		}
	}
	return fired, best
}

// report emits the findings of the sources settled as scanners, then of
// every tracked source found scanning, and adds them all to rc.scanners.
func (sd *scanDetector) report(rc *reportContext) {
	rc.out = append(rc.out, sd.pastScans...)
	for _, a := range sortedHosts(sd.sources, func(s *source) bool { return s.failed != nil }) {
		s := sd.sources[a]
		v := sd.judge(s)
		if !v.scan() {
			continue
		}
		rc.scanners[a] = true
		rc.emit(s.failed, sd.scanFinding(a, s, &v))
	}
	for a := range sd.pastScanners {
		rc.scanners[a] = true
	}
}

func (sd *scanDetector) scanFinding(a netip.Addr, s *source, v *scanVerdict) result.Finding {
	col := sd.col
	horizontal := v.trwHosts || v.addrScan
	vertical := v.trwPorts || v.portScan
	pattern := "horizontal"
	switch {
	case horizontal && vertical:
		pattern = "block"
	case vertical:
		pattern = "vertical"
	}
	detector := "threshold"
	switch {
	case (v.trwHosts || v.trwPorts) && (v.addrScan || v.portScan):
		detector = "both"
	case v.trwHosts || v.trwPorts:
		detector = "trw"
	}
	lr, w := v.hostWalk.lambda, &v.hostWalk
	walkOn := "hosts"
	if !v.trwHosts && v.trwPorts {
		lr, w = v.portWalk.lambda, &v.portWalk
		walkOn = "ports of " + hostString(v.portHost)
	}
	d := map[string]any{
		"detector":         detector,
		"pattern":          pattern,
		"targets":          v.hosts,
		"ports":            v.ports,
		"failed_targets":   v.failedTgts,
		"failed_hosts":     v.failedHosts,
		"attempts":         s.attempts,
		"successes":        s.successes,
		"likelihood_ratio": round3(lr),
		"trw_walk":         walkOn,
	}
	if v.trwHosts || v.trwPorts {
		d["trw_contacts"] = w.decided
	}
	if v.addrScan || v.portScan {
		d["window_seconds"] = durationOf(col.cfg.ScanWindow)
	}
	if v.addrScan {
		d["address_scan_port"] = v.addrPort
		d["address_scan_hosts"] = v.addrHosts
	}
	if v.portScan {
		d["port_scan_host"] = hostString(v.portScanOn)
		d["port_scan_ports"] = v.portPorts
	}
	subj := hostString(a)
	var what string
	switch pattern {
	case "horizontal":
		what = fmt.Sprintf("probed %d hosts", v.hosts)
		if v.addrScan {
			what += " on port " + strconv.Itoa(int(v.addrPort))
		}
	case "vertical":
		h := v.portHost
		if v.portScan {
			h = v.portScanOn
		}
		what = fmt.Sprintf("probed %d ports of %s", len(s.portsOf(h)), hostString(h))
	default:
		what = fmt.Sprintf("probed %d ports across %d hosts", v.ports, v.hosts)
	}
	var how []string
	if v.trwHosts || v.trwPorts {
		how = append(how, fmt.Sprintf("TRW after %d first contacts (likelihood ratio %g)", w.decided, round3(lr)))
	}
	if v.addrScan {
		how = append(how, fmt.Sprintf("%d hosts on port %d failed within %s", v.addrHosts, v.addrPort, fmtSecs(durationOf(col.cfg.ScanWindow))))
	}
	if v.portScan {
		how = append(how, fmt.Sprintf("%d ports of %s failed within %s", v.portPorts, hostString(v.portScanOn), fmtSecs(durationOf(col.cfg.ScanWindow))))
	}
	sum := fmt.Sprintf("%s %s (%s scan): %d of %d connection attempts got no answer or a reset; detected by %s",
		subj, what, pattern, s.failed.count, s.attempts, joinSemi(how))
	f := s.failed.finding(&col.cfg, Scan, High, subj, sum, fltPureSYN, d)
	if s.failed.streams.truncated {
		f.Filter = ipField(a, "src") + "==" + subj + " && " + fltPureSYN
	}
	return f
}

// portsOf returns the distinct ports the source tried on host h.
func (s *source) portsOf(h netip.Addr) []uint16 {
	var ps []uint16
	s.each(func(t target, _ *contact) {
		if t.host == h {
			ps = append(ps, t.port)
		}
	})
	return ps
}

// lookup returns the contact with target t, or nil.
func (s *source) lookup(t target) *contact {
	if s.targets != nil {
		return s.targets[t]
	}
	if s.hasOne && s.one == t {
		return &s.oneC
	}
	return nil
}

// insert adds a new target.
func (s *source) insert(t target, c contact) {
	switch {
	case !s.hasOne && s.targets == nil:
		s.one, s.oneC, s.hasOne = t, c, true
	case s.targets == nil:
		first := s.oneC
		s.targets = map[target]*contact{s.one: &first}
		s.hasOne = false
		fallthrough
	default:
		cc := c // only here does the contact need its own memory
		s.targets[t] = &cc
	}
}

// numTargets is the number of distinct targets.
func (s *source) numTargets() int {
	if s.targets != nil {
		return len(s.targets)
	}
	if s.hasOne {
		return 1
	}
	return 0
}

// each calls f for every target (in no particular order).
func (s *source) each(f func(target, *contact)) {
	if s.targets == nil {
		if s.hasOne {
			f(s.one, &s.oneC)
		}
		return
	}
	for t, c := range s.targets {
		f(t, c)
	}
}
