// Package synth generates deterministic synthetic TCP captures for
// benchmarks: many concurrent connections interleaved in time, with the
// outcomes a passive observer has to tell apart (normal closes by either
// side, CLOSE_WAIT left open, resets, refused and unanswered SYNs with
// retransmissions, SYN-ACKs never completed, mid-stream pickups, port
// reuse, scanners, retransmitted and reordered data), on Ethernet with
// some 802.1Q tags and about 10% IPv6.
//
// The same Config (seed included) always yields the same bytes. Frames are
// written by a small hand-written pcap/pcapng encoder: IP and TCP lengths
// are correct, IPv4 header checksums are computed and TCP checksums are
// zero. Payload bytes come from a seeded block of text-like bytes.
package synth

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// TCP flag bits as in byte 13 of the TCP header.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

// Kind is the scripted outcome of one generated connection.
type Kind uint8

// Connection kinds, in the order of the mix table.
const (
	ClientClose      Kind = iota // handshake, requests, client FINs first
	ServerClose                  // handshake, requests, server FINs first
	CloseWaitServer              // client FIN acknowledged; the server never closes
	CloseWaitClient              // server FIN acknowledged; the client never closes
	Reset                        // data, then an abortive close (RST, SO_LINGER 0)
	Refused                      // SYN answered by RST-ACK
	SYNUnanswered                // SYN retransmitted after 1 s, 2 s, 4 s, never answered
	SYNACKUnanswered             // SYN-ACK (retransmitted) never acknowledged
	Midstream                    // the capture starts inside the connection
	IdleOpen                     // handshake and data, then silence (ESTABLISHED)
	ScanProbe                    // one probe of a port scan
	NumKinds
)

var kindNames = [NumKinds]string{
	"client_close", "server_close", "close_wait_server", "close_wait_client", "reset",
	"refused", "syn_unanswered", "synack_unanswered", "midstream", "idle_open", "scan_probe",
}

// String returns the kind's snake_case name.
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// mix is the relative weight of each kind among new connections.
var mix = [NumKinds]int{
	ClientClose: 520, ServerClose: 140, CloseWaitServer: 25, CloseWaitClient: 10,
	Reset: 50, Refused: 40, SYNUnanswered: 30, SYNACKUnanswered: 20, Midstream: 50,
	IdleOpen: 20, ScanProbe: 40,
}

// servicesMix is the mix of ProfileServices: failures are rare (about 1.5%
// of the connections) and spread over the services.
var servicesMix = [NumKinds]int{
	ClientClose: 700, ServerClose: 200, CloseWaitServer: 2, CloseWaitClient: 1,
	Reset: 5, Refused: 3, SYNUnanswered: 3, SYNACKUnanswered: 2, Midstream: 30,
	IdleOpen: 20, ScanProbe: 30,
}

// churnMix is the mix of ProfileChurn: short-lived and failed connections
// (refused, unanswered, reset, scan probes) make up about half of them.
var churnMix = [NumKinds]int{
	ClientClose: 300, ServerClose: 120, CloseWaitServer: 10, CloseWaitClient: 5,
	Reset: 120, Refused: 150, SYNUnanswered: 60, SYNACKUnanswered: 30, Midstream: 20,
	IdleOpen: 10, ScanProbe: 175,
}

// Profiles of Config.Profile.
const (
	// ProfileDefault: 200 server hosts on 12 ports, equally busy, with
	// failures making up about a sixth of the connections.
	ProfileDefault = ""
	// ProfileServices: thousands of services (2000 hosts on 12 ports)
	// whose popularity is skewed (a few take most connections, most see a
	// handful), with thin failures (servicesMix) and the two scanners.
	ProfileServices = "services"
	// ProfileChurn: connections that churn (churnMix: about half refused,
	// unanswered, reset or scan probes, the rest short) at 300 server
	// hosts on 12 ports (3,600 services) of skewed popularity: the
	// per-connection cost of tracking, findings and the report dominate.
	ProfileChurn = "churn"
)

// Config describes one capture.
type Config struct {
	// Seed selects the capture; equal configs give equal bytes.
	Seed uint64
	// Packets is the number of packets to write. In Open mode it is an
	// optional cap (0: none).
	Packets int64
	// Format is "pcap" (default) or "pcapng".
	Format string
	// Span, when set, stretches the capture over this much time: traffic
	// follows a daily curve with quiet nights (long gaps), and the second
	// day is twice as busy as the others. Generation stops at Packets or at
	// the end of the span, whichever comes first.
	Span time.Duration
	// Conns is the target number of connections in progress at once
	// without Span (default 3000).
	Conns int
	// Open, when positive, switches to the memory-test mode: Open
	// connections are established, exchange one request and response and
	// stay open to the end of the capture.
	Open int
	// Start is the time of the first packet (default 2026-01-05 00:00 UTC).
	Start time.Time
	// Profile selects the traffic mix: ProfileDefault, ProfileServices or
	// ProfileChurn.
	Profile string
}

// Stats describes what Generate wrote.
type Stats struct {
	Packets     int64
	Bytes       int64 // file bytes
	Connections int64
	Kinds       [NumKinds]int64
	First, Last time.Time
	// PeakActive is the largest number of connections whose scripts were
	// in progress at once.
	PeakActive int
}

// Generate writes the capture described by cfg to w. It issues one Write
// per packet; wrap w in a large bufio.Writer.
func Generate(w io.Writer, cfg Config) (Stats, error) {
	if cfg.Format == "" {
		cfg.Format = "pcap"
	}
	if cfg.Format != "pcap" && cfg.Format != "pcapng" {
		return Stats{}, fmt.Errorf("unknown format %q (want pcap or pcapng)", cfg.Format)
	}
	if cfg.Profile != ProfileDefault && cfg.Profile != ProfileServices && cfg.Profile != ProfileChurn {
		return Stats{}, fmt.Errorf("unknown profile %q (want %q, %q or the default)", cfg.Profile, ProfileServices, ProfileChurn)
	}
	if cfg.Packets <= 0 && cfg.Open <= 0 {
		return Stats{}, errors.New("packets must be positive")
	}
	if cfg.Conns <= 0 {
		cfg.Conns = 3000
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	g := newGen(cfg)
	if err := g.header(w); err != nil {
		return g.stats, err
	}
	err := g.run(w)
	return g.stats, err
}

// pkt is one scripted segment. at is relative to the connection start.
type pkt struct {
	at       int64
	seq, ack uint32
	n        uint16 // payload bytes
	flags    uint8
	dir      uint8 // 0: client to server
}

// endpoint is one side's addresses.
type endpoint struct {
	ip   [16]byte
	port uint16
	mac  [6]byte
}

type conn struct {
	id       uint64
	start    int64 // absolute ns since cfg.Start
	next     int64 // absolute time of pkts[i]
	v6       bool
	vlan     uint16
	ep       [2]endpoint // indexed by pkt.dir sender: 0 client, 1 server
	pkts     []pkt
	i        int
	ipid     [2]uint16
	heapSlot int
}

// reuse remembers a finished 4-tuple for port reuse.
type reuse struct {
	end  int64
	v6   bool
	vlan uint16
	ep   [2]endpoint
	iss  uint32
}

type gen struct {
	cfg     Config
	r       *rand.Rand
	stats   Stats
	heap    []*conn
	free    []*conn
	nextID  uint64
	payload []byte // seeded text-like bytes, 64 KiB + 1500
	buf     []byte // frame being written
	ring    [1024]reuse
	ringN   int
	scan    [2]struct {
		ip     [16]byte
		target [16]byte
		sport  uint16
		dport  uint16
	}
	b builder

	mix      *[NumKinds]int
	services int // server hosts
	skew     bool

	rate     float64 // arrivals per second at shape 1
	period   float64 // seconds of one day of the span curve
	spanSecs float64
}

func newGen(cfg Config) *gen {
	g := &gen{
		cfg: cfg,
		r:   rand.New(rand.NewPCG(cfg.Seed, 0x77697265737461)),
		buf: make([]byte, 0, 2048),
	}
	g.setProfile(cfg.Profile)
	pr := rand.New(rand.NewPCG(cfg.Seed, 1))
	const alphabet = "etaoin shrdlu\r\ncmfwypvbgkqjxz0123456789{}\":,ETAOINSHRDLU"
	g.payload = make([]byte, 64<<10+1500)
	for i := range g.payload {
		// A skewed pick makes the bytes about as compressible as text.
		j := pr.IntN(len(alphabet))
		j = j * pr.IntN(len(alphabet)) / len(alphabet)
		g.payload[i] = alphabet[j]
	}
	for k := range g.scan {
		s := &g.scan[k]
		s.ip = v4(10, 250, 0, byte(1+k))
		s.target = v4(10, 200, byte(k), 7)
		s.sport = uint16(40000 + pr.IntN(20000))
		s.dport = 1
	}
	// A pilot run of the scripts estimates the mean lifetime and packet
	// count of a connection, which turn the targets into an arrival rate.
	var life, pkts float64
	const pilot = 4000
	pg := &gen{r: rand.New(rand.NewPCG(cfg.Seed, 2))}
	pg.setProfile(cfg.Profile)
	for range pilot {
		ps := pg.script(pg.pickKind(), false)
		life += float64(ps[len(ps)-1].at) / 1e9
		pkts += float64(len(ps))
	}
	life /= pilot
	pkts /= pilot
	switch {
	case cfg.Open > 0:
		g.rate = 20000
	case cfg.Span > 0:
		g.spanSecs = cfg.Span.Seconds()
		g.period = min(86400, g.spanSecs)
		// Integrate the curve to spread the packets over the span.
		var area float64
		const steps = 20000
		for i := range steps {
			area += g.shape((float64(i) + 0.5) * g.spanSecs / steps)
		}
		area *= g.spanSecs / steps
		g.rate = float64(cfg.Packets) / pkts / area
	default:
		g.rate = float64(cfg.Conns) / life
	}
	return g
}

// shape is the span mode's relative arrival rate at second t: a daily
// curve, zero at night, with the second day twice as busy.
func (g *gen) shape(t float64) float64 {
	day := math.Floor(t / g.period)
	f := t/g.period - day
	s := math.Sin(math.Pi * f)
	v := s * s * s * s
	if v < 0.05 {
		return 0
	}
	if day == 1 {
		v *= 2
	}
	return v
}

func v4(a, b, c, d byte) [16]byte {
	return [16]byte{10: 0xff, 11: 0xff, 12: a, 13: b, 14: c, 15: d}
}

// setProfile picks the mix and the services of profile p.
func (g *gen) setProfile(p string) {
	g.mix, g.services = &mix, 200
	if p == ProfileServices {
		g.mix, g.services, g.skew = &servicesMix, 2000, true
	}
	if p == ProfileChurn {
		g.mix, g.services, g.skew = &churnMix, 300, true
	}
}

func (g *gen) pickKind() Kind {
	total := 0
	for _, w := range g.mix {
		total += w
	}
	n := g.r.IntN(total)
	for k, w := range g.mix {
		if n < w {
			return Kind(k)
		}
		n -= w
	}
	return ClientClose
}

// run interleaves connection arrivals and the scripted packets of every
// connection in progress in time order.
func (g *gen) run(w io.Writer) error {
	var now int64 // ns since Start, time of the next arrival
	arrivals := true
	spawned := 0
	for {
		if g.cfg.Packets > 0 && g.stats.Packets >= g.cfg.Packets {
			return nil
		}
		if arrivals && (len(g.heap) == 0 || now <= g.heap[0].next) {
			g.spawn(now)
			spawned++
			if len(g.heap) > g.stats.PeakActive {
				g.stats.PeakActive = len(g.heap)
			}
			var ok bool
			now, ok = g.nextArrival(now)
			if !ok || (g.cfg.Open > 0 && spawned >= g.cfg.Open) {
				arrivals = false
			}
			continue
		}
		if len(g.heap) == 0 {
			return nil
		}
		c := g.heap[0]
		p := &c.pkts[c.i]
		if err := g.write(w, c, p, c.next); err != nil {
			return err
		}
		c.i++
		if c.i == len(c.pkts) {
			g.pop()
			g.release(c)
			continue
		}
		c.next = c.start + c.pkts[c.i].at
		g.down(0)
	}
}

// nextArrival draws the time of the arrival after now; false when the span
// is over.
func (g *gen) nextArrival(now int64) (int64, bool) {
	gap := g.r.ExpFloat64()
	if g.cfg.Span <= 0 {
		return now + int64(gap/g.rate*1e9), true
	}
	t := float64(now) / 1e9
	step := g.period / 2000
	for g.shape(t) == 0 {
		t += step
		if t >= g.spanSecs {
			return 0, false
		}
	}
	t += gap / (g.rate * g.shape(t))
	if t >= g.spanSecs {
		return 0, false
	}
	return int64(t * 1e9), true
}

func (g *gen) release(c *conn) {
	if c.pkts[0].flags == fSYN && len(c.pkts) > 6 {
		// Remember finished handshaken connections for port reuse.
		g.ring[g.ringN%len(g.ring)] = reuse{
			end: c.next, v6: c.v6, vlan: c.vlan, ep: c.ep, iss: c.pkts[0].seq,
		}
		g.ringN++
	}
	g.free = append(g.free, c)
}

// spawn starts one connection at time now.
func (g *gen) spawn(now int64) {
	var c *conn
	if n := len(g.free); n > 0 {
		c = g.free[n-1]
		g.free = g.free[:n-1]
	} else {
		c = &conn{}
	}
	k := g.pickKind()
	if g.cfg.Open > 0 {
		k = IdleOpen
	}
	g.nextID++
	*c = conn{id: g.nextID, start: now, pkts: c.pkts[:0]}
	g.stats.Connections++
	g.stats.Kinds[k]++

	reused := false
	if k == ClientClose && g.ringN > 0 && g.r.IntN(100) < 3 {
		// Port reuse: the same 4-tuple again after the old one closed.
		e := &g.ring[g.r.IntN(min(g.ringN, len(g.ring)))]
		if e.end < now && e.end > 0 {
			c.v6, c.vlan, c.ep = e.v6, e.vlan, e.ep
			g.b.iss = e.iss + 1<<24 + g.r.Uint32N(1<<20)
			e.end = 0
			reused = true
		}
	}
	if !reused && k == ScanProbe {
		s := &g.scan[g.r.IntN(2)]
		c.ep[0] = endpoint{ip: s.ip, port: s.sport}
		c.ep[1] = endpoint{ip: s.target, port: s.dport}
		s.dport++
		if s.dport == 0 {
			s.dport = 1
		}
		reused = true
	}
	if !reused {
		g.addresses(c)
	}
	c.ep[0].mac = mac(c.ep[0].ip)
	c.ep[1].mac = mac(c.ep[1].ip)
	c.pkts = g.scriptInto(c.pkts, k, reused && k == ClientClose)
	c.next = c.start + c.pkts[0].at
	c.heapSlot = len(g.heap)
	g.heap = append(g.heap, c)
	g.up(len(g.heap) - 1)
}

var serverPorts = []uint16{443, 443, 443, 80, 80, 8080, 5432, 6379, 22, 3306, 9200, 8443}

func (g *gen) addresses(c *conn) {
	if g.cfg.Open == 0 && g.r.IntN(100) < 10 {
		c.v6 = true
	}
	if g.r.IntN(100) < 5 {
		c.vlan = uint16(100 + g.r.IntN(100))
	}
	srv := g.r.IntN(g.services)
	if g.skew {
		// A cubed uniform draw: the lowest hosts take most connections.
		u := g.r.Float64()
		srv = int(u * u * u * float64(g.services))
	}
	cli := g.r.Uint32N(1 << 23)
	if c.v6 {
		c.ep[0].ip = [16]byte{0: 0xfd, 7: 1, 12: byte(cli >> 24), 13: byte(cli >> 16), 14: byte(cli >> 8), 15: byte(cli)}
		c.ep[1].ip = [16]byte{0: 0xfd, 7: 2, 14: byte(srv >> 8), 15: byte(srv)}
	} else {
		c.ep[0].ip = v4(10, byte(cli>>16), byte(cli>>8), byte(cli))
		c.ep[1].ip = v4(10, 200, byte(srv>>8), byte(srv))
	}
	c.ep[0].port = uint16(32768 + g.r.IntN(28232))
	c.ep[1].port = serverPorts[g.r.IntN(len(serverPorts))]
}

func mac(ip [16]byte) [6]byte {
	return [6]byte{0x02, 0x00, ip[12] ^ ip[0], ip[13], ip[14], ip[15]}
}

// Binary min-heap of connections ordered by (next, id).

func (g *gen) less(i, j int) bool {
	a, b := g.heap[i], g.heap[j]
	if a.next != b.next {
		return a.next < b.next
	}
	return a.id < b.id
}

func (g *gen) swap(i, j int) {
	g.heap[i], g.heap[j] = g.heap[j], g.heap[i]
	g.heap[i].heapSlot, g.heap[j].heapSlot = i, j
}

func (g *gen) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !g.less(i, p) {
			return
		}
		g.swap(i, p)
		i = p
	}
}

func (g *gen) down(i int) {
	n := len(g.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && g.less(r, l) {
			m = r
		}
		if !g.less(m, i) {
			return
		}
		g.swap(i, m)
		i = m
	}
}

func (g *gen) pop() {
	n := len(g.heap) - 1
	g.swap(0, n)
	g.heap[n] = nil
	g.heap = g.heap[:n]
	g.down(0)
}

// script returns a fresh script of kind k (the pilot uses it).
func (g *gen) script(k Kind, reuse bool) []pkt {
	return g.scriptInto(nil, k, reuse)
}

// sortScript orders a script by time, keeping the build order of equal
// times.
func sortScript(p []pkt) {
	slices.SortStableFunc(p, func(a, b pkt) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
}
