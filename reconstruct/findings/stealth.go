package findings

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// probeType is the kind of a probe that opens no connection: the flags of
// its first segment, as nmap's scan types set them.
type probeType uint8

const (
	probeACK    probeType = iota // ACK alone: nmap -sA, -sW, the -PA ping
	probeFIN                     // FIN alone: -sF
	probeNull                    // no flag: -sN
	probeXmas                    // FIN, PSH and URG: -sX
	probeMaimon                  // FIN and ACK: -sM
	numProbeTypes
)

var probeNames = [numProbeTypes]string{"ack", "fin", "null", "xmas", "maimon"}

// probeOf returns the probe type of a connection that is one probe: its
// first sender sent no SYN and no payload in at most four segments (a
// probe and its retransmissions), and the other side sent nothing or only
// resets. ok is false for anything else.
func probeOf(c *finished.Conn) (p probeType, prober flow.Role, ok bool) {
	prober = c.FirstSender()
	s, r := &c.EP[prober], &c.EP[1-prober]
	if s.SentSYN || s.PayloadBytes > 0 || s.Packets > 4 || s.SentRST ||
		r.SentSYN || r.PayloadBytes > 0 || int64(r.RSTs) != r.Packets {
		return 0, 0, false
	}
	switch c.FirstFlags & (decode.FIN | decode.SYN | decode.RST | decode.PSH | decode.ACK | decode.URG) {
	case decode.ACK:
		return probeACK, prober, true
	case decode.FIN:
		return probeFIN, prober, true
	case 0:
		return probeNull, prober, true
	case decode.FIN | decode.PSH | decode.URG:
		return probeXmas, prober, true
	case decode.FIN | decode.ACK:
		return probeMaimon, prober, true
	}
	return 0, 0, false
}

// maxProbeTargets bounds the distinct targets remembered per prober.
const maxProbeTargets = 1 << 16

// prober aggregates one source's probes that open no connection.
type prober struct {
	group
	byType  [numProbeTypes]int64
	reset   int64 // probes the target answered with a reset
	targets map[target]struct{}
	seen    time.Time
}

// stealthDetector finds scans whose probes open no connection.
type stealthDetector struct {
	col     *Collector
	probers map[netip.Addr]*prober
}

// add claims the probes: their targets' answers are no other finding.
func (sd *stealthDetector) add(c *finished.Conn, _ bool) bool {
	pt, role, ok := probeOf(c)
	if !ok {
		return false
	}
	col := sd.col
	src := c.EP[role].Addr.Addr()
	p := sd.probers[src]
	if p == nil {
		p = &prober{targets: make(map[target]struct{})}
		sd.probers[src] = p
	}
	p.seen = col.captureEnd
	dst := c.EP[1-role].Addr
	if len(p.targets) < maxProbeTargets {
		p.targets[target{dst.Addr(), dst.Port()}] = struct{}{}
	}
	p.addConn(&col.cfg, c, []int64{c.FirstFrame})
	p.byType[pt]++
	if c.EP[1-role].RSTs > 0 {
		p.reset++
	}
	return true
}

// settle forgets the probers idle since cutoff that never probed enough
// targets to be reported.
func (sd *stealthDetector) settle(cutoff time.Time) {
	for a, p := range sd.probers {
		if v := sd.col.stealthVerdict(p); p.seen.Before(cutoff) && !v.scan() {
			delete(sd.probers, a)
		}
	}
}

// stealthVerdict applies the fixed thresholds of the SYN scan detector to
// a prober's distinct targets: AddressScanHosts hosts on one port, or
// PortScanPorts ports of one host.
func (col *Collector) stealthVerdict(p *prober) scanVerdict {
	var v scanVerdict
	// Some target must have answered: probes that nothing answered at
	// all may be a one-direction capture's idle connections (keep-alives
	// whose answers the capture does not hold).
	if p.reset == 0 || int64(len(p.targets)) < int64(min(col.cfg.AddressScanHosts, col.cfg.PortScanPorts)) {
		return v
	}
	hostsOn := map[uint16]int{}
	portsOf := map[netip.Addr]int{}
	hosts := map[netip.Addr]bool{}
	ports := map[uint16]bool{}
	for t := range p.targets {
		hostsOn[t.port]++
		portsOf[t.host]++
		hosts[t.host], ports[t.port] = true, true
	}
	for port, n := range hostsOn {
		if n >= col.cfg.AddressScanHosts && (n > v.addrHosts || n == v.addrHosts && port < v.addrPort) {
			v.addrScan, v.addrPort, v.addrHosts = true, port, n
		}
	}
	for h, n := range portsOf {
		if n >= col.cfg.PortScanPorts && (n > v.portPorts || n == v.portPorts && h.Less(v.portScanOn)) {
			v.portScan, v.portScanOn, v.portPorts = true, h, n
		}
	}
	v.hosts, v.ports = len(hosts), len(ports)
	return v
}

// report emits the probers that probed enough targets as scan findings
// with details.probe, and adds them to scanners.
func (sd *stealthDetector) report(rc *reportContext) {
	col := sd.col
	for _, a := range sortedHosts(sd.probers, nil) {
		p := sd.probers[a]
		v := col.stealthVerdict(p)
		if !v.scan() {
			continue
		}
		rc.scanners[a] = true
		pattern := "horizontal"
		switch {
		case v.addrScan && v.portScan:
			pattern = "block"
		case v.portScan:
			pattern = "vertical"
		}
		best := probeACK
		types := map[string]int64{}
		for t, n := range p.byType {
			if n > 0 {
				types[probeNames[t]] = n
			}
			if n > p.byType[best] {
				best = probeType(t)
			}
		}
		d := map[string]any{
			"detector":       "threshold",
			"pattern":        pattern,
			"probe":          probeNames[best],
			"probes":         types,
			"targets":        v.hosts,
			"ports":          v.ports,
			"attempts":       p.count,
			"reset":          p.reset,
			"unanswered":     p.count - p.reset,
			"window_seconds": durationOf(col.cfg.ScanWindow),
		}
		var what string
		switch pattern {
		case "vertical":
			d["port_scan_host"], d["port_scan_ports"] = hostString(v.portScanOn), v.portPorts
			what = fmt.Sprintf("probed %d ports of %s", v.portPorts, hostString(v.portScanOn))
		case "horizontal":
			d["address_scan_port"], d["address_scan_hosts"] = v.addrPort, v.addrHosts
			what = fmt.Sprintf("probed %d hosts on port %d", v.addrHosts, v.addrPort)
		default:
			d["port_scan_host"], d["port_scan_ports"] = hostString(v.portScanOn), v.portPorts
			d["address_scan_port"], d["address_scan_hosts"] = v.addrPort, v.addrHosts
			what = fmt.Sprintf("probed %d ports across %d hosts", v.ports, v.hosts)
		}
		subj := hostString(a)
		sum := fmt.Sprintf("%s %s (%s scan) with %s probes that open no connection (%s): %d answered with a reset, %d unanswered",
			subj, what, pattern, probeWords[best], probeTool[best], p.reset, p.count-p.reset)
		f := p.group.finding(&col.cfg, Scan, High, subj, sum, "", d)
		// The evidence is each probe's first segment: select exactly those.
		if len(f.Frames) > 0 {
			f.Filter = strings.Replace(streamFilter(f.Frames, ""), "tcp.stream", "frame.number", 1)
		}
		if p.frames.truncated {
			f.Filter = ipField(a, "src") + "==" + subj + " && tcp.flags.syn==0"
		}
		rc.emit(&p.group, f)
	}
}

var probeWords = [numProbeTypes]string{"ACK", "FIN", "NULL (no flag)", "Xmas (FIN, PSH, URG)", "Maimon (FIN, ACK)"}

var probeTool = [numProbeTypes]string{
	"an ACK scan, window scan or ACK ping sweep: nmap -sA, -sW, -PA",
	"a FIN scan: nmap -sF",
	"a NULL scan: nmap -sN",
	"an Xmas scan: nmap -sX",
	"a Maimon scan: nmap -sM",
}
