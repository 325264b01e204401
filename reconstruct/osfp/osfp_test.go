package osfp

import (
	"strings"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/internal/pcaptest"
)

func TestClassify(t *testing.T) {
	with := func(p pkt, f func(*pkt)) pkt { f(&p); return p }
	tests := []struct {
		name    string
		p       pkt
		family  Family
		detail  string
		fuzzy   bool
		initTTL uint8
		evid    string // substring of Evidence
	}{
		{"linux 6.x SYN", linuxSYN, Linux, "Linux 2.2.x-3.x", false, 64,
			"ttl 64 (initial 64), win 64240 = mss*44, mss 1460, ws 7, options mss,sok,ts,nop,ws, quirks df,id+"},
		{"linux 3.11 SYN, 7 hops", with(linuxSYN, func(p *pkt) { p.ttl, p.win = 57, 29200 }), Linux, "Linux 3.11 and newer", false, 64, "ttl 57 (initial 64), win 29200 = mss*20"},
		{"linux SYN 50 hops away is fuzzy", with(linuxSYN, func(p *pkt) { p.ttl, p.win = 14, 29200 }), Linux, "Linux 3.11 and newer", true, 64, "ttl 14 (initial 64)"},
		{"linux SYN without DF is fuzzy", with(linuxSYN, func(p *pkt) { p.df, p.win = false, 29200 }), Linux, "Linux 3.11 and newer", true, 64, ""},
		{"linux ECN SYN is fuzzy", with(linuxSYN, func(p *pkt) { p.flags.ECE, p.flags.CWR, p.win = true, true, 29200 }), Linux, "Linux 3.11 and newer", true, 64, "quirks df,id+,ecn"},
		{"linux SYN-ACK", linuxSYNACK, Linux, "Linux 4.x+", false, 64, "win 65160 = mss*45"},
		{"linux 3.x SYN-ACK", with(linuxSYNACK, func(p *pkt) { p.win = 14600 }), Linux, "Linux 3.x", false, 64, ""},
		{"linux IPv6 SYN", with(linuxSYN, func(p *pkt) { p.v6, p.mss, p.win, p.flow, p.id, p.df = true, 1440, 64800, 0x12345, 0, false }), Linux, "Linux 3.x+ (IPv6)", false, 64, "quirks flow"},
		{"windows 10 SYN", pkt{ttl: 117, df: true, id: 0x4d2, win: 64240, mss: 1460, ws: 8, layout: "mss,nop,ws,nop,nop,sok", seq: 7, sport: 50000, dport: 443},
			Windows, "Windows NT kernel", false, 128, "ttl 117 (initial 128)"},
		{"windows 7 SYN", pkt{ttl: 128, df: true, id: 0x100, win: 8192, mss: 1460, ws: 2, layout: "mss,nop,ws,nop,nop,sok", seq: 7, sport: 50000, dport: 443},
			Windows, "Windows 7 or 8", false, 128, "win 8192, mss 1460, ws 2"},
		{"windows 7 SYN-ACK", pkt{synack: true, ttl: 128, df: true, id: 0x100, win: 8192, mss: 1460, ws: 8, layout: "mss,nop,ws,sok,ts", tsval: 5, seq: 9, ack: 8, sport: 443, dport: 50000},
			Windows, "Windows 7 or 8", false, 128, ""},
		{"macOS SYN", pkt{ttl: 64, df: true, id: 0x9999, win: 65535, mss: 1460, ws: 4, layout: "mss,nop,ws,nop,nop,ts,sok,eol+1", tsval: 77, seq: 3, sport: 50000, dport: 443},
			Apple, "MacOS X 10.9 or newer (sometimes iPhone or iPad)", false, 64, "options mss,nop,ws,nop,nop,ts,sok,eol+1"},
		{"iOS SYN", pkt{ttl: 64, df: true, id: 0x9999, win: 65535, mss: 1460, ws: 2, layout: "mss,nop,ws,nop,nop,ts,sok,eol+1", tsval: 77, seq: 3, sport: 50000, dport: 443},
			Apple, "iOS iPhone or iPad", false, 64, ""},
		{"freebsd SYN", pkt{ttl: 64, df: true, id: 0x77, win: 65535, mss: 1460, ws: 6, layout: "mss,nop,ws,sok,ts", tsval: 1, seq: 3, sport: 50000, dport: 22},
			FreeBSD, "FreeBSD 9.x or newer", false, 64, ""},
		{"openbsd SYN", pkt{ttl: 64, df: true, id: 0x77, win: 16384, mss: 1460, ws: 3, layout: "mss,nop,nop,sok,nop,ws,nop,nop,ts", tsval: 1, seq: 3, sport: 50000, dport: 22},
			OpenBSD, "OpenBSD 4.x-5.x", false, 64, ""},
		{"solaris 10 SYN", pkt{ttl: 60, df: true, id: 0x77, win: 49640, mss: 1460, layout: "mss,nop,ws,nop,nop,sok", seq: 3, sport: 50000, dport: 22},
			Solaris, "Solaris 10", false, 64, "win 49640 = mss*34"},
		{"nmap SYN scan is a tool, not Linux", pkt{ttl: 41, id: 0x5555, win: 1024, mss: 1460, layout: "mss", seq: 3, sport: 41648, dport: 22},
			Unknown, "NMap SYN scan", false, 64, "ttl 41 (initial 64), win 1024, mss 1460, options mss"},
		{"unknown layout", pkt{ttl: 200, df: true, id: 1, win: 4000, mss: 1200, layout: "sok,mss", seq: 3, sport: 1, dport: 2},
			Unknown, "", false, 255, "ttl 200 (initial 255)"},
		{"no options", pkt{ttl: 64, df: true, id: 1, win: 512, seq: 3, sport: 1, dport: 2},
			Unknown, "", false, 64, "options none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, ok := classifyFrame(t, tc.p.frame(t))
			if !ok {
				t.Fatal("FromSegment rejected the SYN")
			}
			if g.Family != tc.family || g.Detail != tc.detail || g.Fuzzy != tc.fuzzy || g.InitialTTL != tc.initTTL {
				t.Errorf("got %v %q fuzzy %v initial ttl %d (%s, %s), want %v %q fuzzy %v initial ttl %d",
					g.Family, g.Detail, g.Fuzzy, g.InitialTTL, g.Evidence, g.Source, tc.family, tc.detail, tc.fuzzy, tc.initTTL)
			}
			if !strings.Contains(g.Evidence, tc.evid) {
				t.Errorf("evidence %q, want it to contain %q", g.Evidence, tc.evid)
			}
			if (tc.family != Unknown || tc.detail != "") != (g.Source != "") {
				t.Errorf("source %q for a match %v", g.Source, g.Detail)
			}
		})
	}
}

func TestFromSegmentRejects(t *testing.T) {
	base := func() decode.Segment {
		seg, ok := decodeFrame(t, decode.NewDecoder(), linuxSYN.frame(t))
		if !ok {
			t.Fatal("no segment")
		}
		return seg
	}
	if _, ok := FromSegment(new(base())); !ok {
		t.Fatal("a plain SYN rejected")
	}
	for name, f := range map[string]func(*decode.Segment){
		"ack":       func(s *decode.Segment) { s.Flags = decode.ACK },
		"syn rst":   func(s *decode.Segment) { s.Flags |= decode.RST },
		"syn fin":   func(s *decode.Segment) { s.Flags |= decode.FIN },
		"quoted":    func(s *decode.Segment) { s.Quoted = true },
		"truncated": func(s *decode.Segment) { s.Truncated = true },
		"bad hlen":  func(s *decode.Segment) { s.BadHeaderLen = true },
		"overflow":  func(s *decode.Segment) { s.Opts.Overflow = true },
	} {
		seg := base()
		f(&seg)
		if _, ok := FromSegment(&seg); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestQuirks(t *testing.T) {
	tests := []struct {
		name string
		p    pkt
		want Quirk
	}{
		{"df id+", linuxSYN, QDF | QIDNonZero},
		{"df, id zero", pkt{ttl: 64, df: true, layout: "mss", mss: 1460, seq: 1}, QDF},
		{"id-", pkt{ttl: 64, layout: "mss", mss: 1460, seq: 1}, QIDZero},
		{"no df, id non-zero", pkt{ttl: 64, id: 9, layout: "mss", mss: 1460, seq: 1}, 0},
		{"0+", pkt{ttl: 64, id: 9, mbz: true, layout: "mss", mss: 1460, seq: 1}, QMBZ},
		{"flow", pkt{v6: true, ttl: 64, flow: 7, layout: "mss", mss: 1460, seq: 1}, QFlow},
		{"ipv6 ignores df quirks", pkt{v6: true, ttl: 64, layout: "mss", mss: 1460, seq: 1}, 0},
		{"seq- ack+ urgf+ pushf+", pkt{ttl: 64, id: 9, ack: 5, flags: pcaptest.Flags{URG: true, PSH: true}, layout: "mss", mss: 1460}, QSeqZero | QAckNonZero | QURG | QPush},
		{"ack- on a SYN-ACK", pkt{synack: true, ttl: 64, id: 9, layout: "mss", mss: 1460, seq: 1}, QAckZero},
		{"ts1- ts2+", pkt{ttl: 64, id: 9, layout: "ts,nop,nop", tsecr: 4, seq: 1}, QTS1Zero | QTS2NonZero},
		{"ts2+ not on a SYN-ACK", pkt{synack: true, ttl: 64, id: 9, layout: "ts,nop,nop", tsval: 3, tsecr: 4, seq: 1, ack: 1}, 0},
		{"exws", pkt{ttl: 64, id: 9, layout: "ws,nop", ws: 15, seq: 1}, QExcessWS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seg, ok := decodeFrame(t, decode.NewDecoder(), tc.p.frame(t))
			if !ok {
				t.Fatal("no segment")
			}
			sig, ok := FromSegment(&seg)
			if !ok {
				t.Fatal("rejected")
			}
			if sig.Quirks != tc.want {
				t.Errorf("quirks %b, want %b", sig.Quirks, tc.want)
			}
		})
	}
}

func TestTimeWait(t *testing.T) {
	tests := []struct {
		f    Family
		want time.Duration
		ok   bool
	}{
		{Unknown, 0, false},
		{Linux, 60 * time.Second, true},
		{Windows, 240 * time.Second, true},
		{Apple, 30 * time.Second, true},
		{FreeBSD, 60 * time.Second, true},
		{OpenBSD, 60 * time.Second, true},
		{Solaris, 60 * time.Second, true},
		{numFamilies, 0, false},
	}
	for _, tc := range tests {
		if d, ok := TimeWait(tc.f); d != tc.want || ok != tc.ok {
			t.Errorf("TimeWait(%v) = %v, %v; want %v, %v", tc.f, d, ok, tc.want, tc.ok)
		}
	}
}

func TestFamilyText(t *testing.T) {
	want := []string{"unknown", "linux", "windows", "apple", "freebsd", "openbsd", "solaris"}
	for f := range numFamilies {
		b, err := f.MarshalText()
		if err != nil || string(b) != want[f] {
			t.Errorf("%d: %q, %v; want %q", f, b, err, want[f])
		}
	}
	if s := Family(200).String(); s != "Family(200)" {
		t.Errorf("out of range: %q", s)
	}
}

// TestTable checks every row parses and names a family or a tool.
func TestTable(t *testing.T) {
	for _, rows := range [][]row{synRows, synAckRows} {
		for _, r := range rows {
			s, err := parseSig(r)
			if err != nil {
				t.Errorf("%s: %v", r.source, err)
				continue
			}
			if (r.family == Unknown) != (r.kind == tool) || r.detail == "" || r.source == "" {
				t.Errorf("%s: family %v kind %d detail %q", r.source, r.family, r.kind, r.detail)
			}
			if s.nopts == 0 && r.sig[strings.Index(r.sig, ",")+1:][2] != ':' {
				t.Errorf("%s: layout lost", r.source)
			}
		}
	}
	for _, bad := range []string{"", "4:64:0:*:mss*20,10:mss:df:0:x", "5:64:0:*:*,*:mss::0", "4:x:0:*:*,*:mss::0",
		"4:64:0:*:*:mss::0", "4:64:0:*:*,*:mss,zz::0", "4:64:0:*:*,*:mss:zz:0", "4:64:0:*:*,*:mss::7"} {
		if _, err := parseSig(row{sig: bad}); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	var sigs []Signature
	for _, p := range []pkt{linuxSYN, linuxSYNACK, {ttl: 117, df: true, id: 1, win: 64240, mss: 1460, ws: 8, layout: "mss,nop,ws,nop,nop,sok", seq: 7}} {
		seg, _ := decodeFrame(b, decode.NewDecoder(), p.frame(b))
		s, ok := FromSegment(&seg)
		if !ok {
			b.Fatal("rejected")
		}
		sigs = append(sigs, s)
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range sigs {
			if Classify(s).Family == Linux {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.N*len(sigs))/b.Elapsed().Seconds(), "pkts/s")
	if n == 0 {
		b.Fatal("nothing classified")
	}
}
