package osfp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/internal/pcaptest"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// p0fResult is one mod=syn or mod=syn+ack line of p0f's log.
type p0fResult struct {
	mod, cli, srv string
	os            string // os= value, "???" when p0f matched nothing
	app           string // app= value: a userland tool
}

// runP0f runs p0f over a capture and returns its SYN and SYN-ACK
// verdicts, keyed by mod, client and server, in capture order.
func runP0f(t *testing.T, bin, pcap string) map[string][]p0fResult {
	t.Helper()
	log := filepath.Join(t.TempDir(), "p0f.log")
	cmd := exec.Command(bin, "-r", pcap, "-o", log)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("p0f -r %s: %v\n%s", pcap, err, out)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	res := map[string][]p0fResult{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var r p0fResult
		_, rest, _ := strings.Cut(sc.Text(), "] ")
		for _, kv := range strings.Split(rest, "|") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "mod":
				r.mod = v
			case "cli":
				r.cli = v
			case "srv":
				r.srv = v
			case "os":
				r.os = v
			case "app":
				r.app = v
			}
		}
		if r.mod == "syn" || r.mod == "syn+ack" {
			k := r.mod + " " + r.cli + " " + r.srv
			res[k] = append(res[k], r)
		}
	}
	return res
}

// p0fFamily maps a p0f OS name to a family; ok is false for a system
// outside the families.
func p0fFamily(os string) (Family, bool) {
	for _, m := range []struct {
		prefix string
		f      Family
	}{{"???", Unknown}, {"Linux", Linux}, {"Windows", Windows}, {"Mac OS X", Apple}, {"MacOS X", Apple}, {"iOS", Apple},
		{"FreeBSD", FreeBSD}, {"OpenBSD", OpenBSD}, {"Solaris", Solaris}} {
		if strings.HasPrefix(os, m.prefix) {
			return m.f, true
		}
	}
	return Unknown, false
}

// ours is Classify's verdict on one SYN or SYN-ACK of a capture.
type ours struct {
	frame int64
	key   string // as runP0f keys
	g     Guess
}

// classifyCapture decodes a capture and classifies its SYNs and SYN-ACKs.
func classifyCapture(t *testing.T, path string) []ours {
	t.Helper()
	src, err := capture.Open([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d := decode.NewDecoder()
	var out []ours
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		var seg decode.Segment
		if d.Decode(p, &seg) != decode.OK {
			continue
		}
		sig, ok := FromSegment(&seg)
		if !ok {
			continue
		}
		cli, srv, mod := seg.Src, seg.Dst, "syn"
		if sig.SYNACK {
			cli, srv, mod = seg.Dst, seg.Src, "syn+ack"
		}
		key := mod + " " + p0fAddr(cli) + " " + p0fAddr(srv)
		out = append(out, ours{seg.Frame, key, Classify(sig)})
	}
}

// p0fAddr spells an address and port as p0f's log does: IPv6 as eight
// unabbreviated hexadecimal groups.
func p0fAddr(ap netip.AddrPort) string {
	a := ap.Addr()
	s := a.String()
	if a.Is6() {
		b := a.As16()
		var g []string
		for i := 0; i < 16; i += 2 {
			g = append(g, strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
		}
		s = strings.Join(g, ":")
	}
	return s + "/" + strconv.Itoa(int(ap.Port()))
}

// agree compares our verdicts with p0f's, packet by packet, reports the
// disagreements and returns how many agreed, how many p0f left unknown
// that a row beyond p0f.fp named, and how many p0f gave no verdict on
// (retransmissions).
func agree(t *testing.T, got []ours, want map[string][]p0fResult) (same, beyond, unjudged int) {
	t.Helper()
	seen := map[string]int{}
	for _, o := range got {
		i := seen[o.key]
		seen[o.key]++
		rs := want[o.key]
		if i >= len(rs) {
			// p0f fingerprints a flow's first SYN and SYN-ACK, not
			// retransmissions of them.
			unjudged++
			continue
		}
		r := rs[i]
		switch {
		case r.app != "":
			if o.g.Family != Unknown || o.g.Detail != r.app {
				t.Errorf("frame %d (%s): p0f app=%s, ours %v %q (%s)", o.frame, o.key, r.app, o.g.Family, o.g.Detail, o.g.Evidence)
				continue
			}
		default:
			f, known := p0fFamily(r.os)
			switch {
			case f == o.g.Family && known:
			case r.os == "???" && !strings.HasPrefix(o.g.Source, "p0f.fp:"):
				beyond++
				continue
			default:
				t.Errorf("frame %d (%s): p0f os=%s, ours %v %q from %s (%s)", o.frame, o.key, r.os, o.g.Family, o.g.Detail, o.g.Source, o.g.Evidence)
				continue
			}
		}
		same++
	}
	for k, rs := range want {
		if seen[k] < len(rs) {
			t.Errorf("%s: p0f reported %d verdicts, we classified %d segments", k, len(rs), seen[k])
		}
	}
	return same, beyond, unjudged
}

// rowPacket builds a packet with the field values of a signature row;
// ok is false for rows whose quirks cannot be built or read (uptr+,
// opt+, bad, exws) or whose window does not fit the window field.
func rowPacket(r *sigRow, v6 bool, port uint16) (pkt, bool) {
	if r.quirks&(QUrgPtr|QOptTrailing|QOptBad|QExcessWS) != 0 || r.olen != 0 {
		return pkt{}, false
	}
	p := pkt{v6: v6, synack: r.synAck(), ttl: r.ittl - 3, seq: 1000, sport: port, dport: 80, tsval: 4242, ws: 7, payload: 0}
	if p.synack {
		p.sport, p.dport, p.ack = 80, port, 2000
	}
	p.mss = 1460
	if v6 {
		p.mss = 1440
	}
	if r.mss >= 0 {
		p.mss = uint16(r.mss)
	}
	if r.scale >= 0 {
		p.ws = uint8(r.scale)
	}
	var layout []string
	for _, k := range r.layout[:r.nopts] {
		if k == 0 {
			layout = append(layout, "eol+"+strconv.Itoa(int(r.eolPad)))
		} else {
			layout = append(layout, optNames[k])
		}
	}
	p.layout = strings.Join(layout, ",")
	win := 0
	switch r.winType {
	case winNormal:
		win = r.win
	case winAny:
		win = 12345
	case winMod:
		win = r.win * 2
	case winMSS:
		win = r.win * int(p.mss)
	case winMTU:
		win = r.win * (int(p.mss) + 40)
	}
	if win > 65535 && r.winType == winMSS && r.mss < 0 {
		p.mss = uint16(65535 / r.win) // the largest MSS the window field can multiply
		win = r.win * int(p.mss)
	}
	if win > 65535 {
		return pkt{}, false
	}
	p.win = uint16(win)
	q := r.quirks
	if !v6 {
		p.df = q&QDF != 0
		if q&QIDZero == 0 && (q&QIDNonZero != 0 || !p.df) {
			p.id = 0x2b67
		}
		p.mbz = q&QMBZ != 0
	} else if q&QFlow != 0 {
		p.flow = 0x5a5a5
	}
	p.flags.ECE, p.flags.CWR = q&QECN != 0, q&QECN != 0
	p.flags.URG, p.flags.PSH = q&QURG != 0, q&QPush != 0
	if q&QSeqZero != 0 {
		p.seq = 0
	}
	if q&QAckNonZero != 0 {
		p.ack = 77
	}
	if q&QAckZero != 0 {
		p.ack = 0
	}
	if q&QTS1Zero != 0 {
		p.tsval = 0
	}
	if q&QTS2NonZero != 0 {
		p.tsecr = 99
	}
	if r.pclass == 1 {
		p.payload = 10
	}
	return p, true
}

// TestP0fOracleRows writes a SYN or SYN-ACK with the field values of every
// row of the table (over IPv4 and, for rows of any IP version, over IPv6
// too) into a capture, and checks Classify's family against p0f's verdict
// on each packet.
func TestP0fOracleRows(t *testing.T) {
	bin := testenv.Tool(t, "p0f")
	var frames [][]byte
	var skipped int
	port := uint16(20000)
	for _, tab := range [][]sigRow{synTable, synAckTable} {
		for i := range tab {
			r := &tab[i]
			for _, v6 := range []bool{false, true} {
				if v6 && r.ver == 4 || !v6 && r.ver == 6 {
					continue
				}
				p, ok := rowPacket(r, v6, port)
				if !ok {
					skipped++
					continue
				}
				port++
				if p.synack {
					// p0f reads a SYN-ACK only after the SYN it answers.
					syn := linuxSYN
					syn.v6, syn.sport, syn.dport, syn.ack = v6, p.dport, p.sport, 0
					syn.id = 0x1111
					frames = append(frames, syn.frame(t))
				}
				frames = append(frames, p.frame(t))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "rows.pcap")
	if err := os.WriteFile(path, pcaptest.WritePcap(capture.LinkEthernet, frames...), 0o644); err != nil {
		t.Fatal(err)
	}
	got := classifyCapture(t, path)
	same, beyond, unjudged := agree(t, got, runP0f(t, bin, path))
	if unjudged != 0 || same+beyond != len(got) {
		t.Errorf("p0f judged %d of %d packets", same+beyond, len(got))
	}
	if same < len(got)*9/10 {
		t.Errorf("only %d of %d packets agree with p0f", same, len(got))
	}
	t.Logf("%d packets: %d agree with p0f, %d that p0f leaves unknown named by rows beyond p0f.fp; %d rows not buildable", len(got), same, beyond, skipped)
}

// TestP0fOracleCaptures checks every SYN and SYN-ACK of the sample
// captures, real Linux kernel traffic: Linux, or the userland tool p0f
// names (nmap's raw SYNs), and never a family p0f contradicts.
func TestP0fOracleCaptures(t *testing.T) {
	bin := testenv.Tool(t, "p0f")
	paths, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "pcaps", "*.pcap*"))
	if len(paths) == 0 {
		t.Fatal("no captures in pcaps/")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			got := classifyCapture(t, path)
			for _, o := range got {
				if o.g.Family != Linux && !strings.HasPrefix(o.g.Detail, "NMap") {
					t.Errorf("frame %d (%s): %v %q (%s), want linux", o.frame, o.key, o.g.Family, o.g.Detail, o.g.Evidence)
				}
			}
			same, beyond, unjudged := agree(t, got, runP0f(t, bin, path))
			t.Logf("%d SYNs and SYN-ACKs: %d agree with p0f, %d p0f leaves unknown, %d retransmissions p0f does not judge", len(got), same, beyond, unjudged)
		})
	}
}
