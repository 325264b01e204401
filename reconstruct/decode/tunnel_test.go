package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// Raw builders for outer headers: lengths are filled in, checksums are
// left zero (the decoder does not check them).

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// ip4 wraps payload in an IPv4 header from 192.0.2.1 to 192.0.2.2.
func ip4(proto byte, payload []byte) []byte {
	h := []byte{0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2}
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	return cat(h, payload)
}

// ip6 wraps payload in an IPv6 header from 2001:db8:1::1 to 2001:db8:1::2.
func ip6(next byte, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6], h[7] = next, 64
	copy(h[8:], netip.MustParseAddr("2001:db8:1::1").AsSlice())
	copy(h[24:], netip.MustParseAddr("2001:db8:1::2").AsSlice())
	return cat(h, payload)
}

func udpHdr(sp, dp uint16, payload []byte) []byte {
	return cat(be16(sp), be16(dp), be16(uint16(8+len(payload))), be16(0), payload)
}

func vxlanHdr(vni uint32) []byte { return cat([]byte{0x08, 0, 0, 0}, be32(vni<<8)) }

// greHdr builds a GRE header with the given flags and protocol; key and
// sequence number are written when their flags are set.
func greHdr(flags, proto uint16, key uint32) []byte {
	h := cat(be16(flags), be16(proto))
	if flags&greChecksum != 0 {
		h = cat(h, make([]byte, 4))
	}
	if flags&greKey != 0 {
		h = cat(h, be32(key))
	}
	if flags&greSeq != 0 {
		h = cat(h, be32(1))
	}
	return h
}

type layerWant struct {
	typ TunnelType
	id  int64 // -1: no ID
}

// tunnelCase is one frame for TestTunnels and a FuzzDecode seed.
type tunnelCase struct {
	name  string
	link  uint16
	data  []byte
	cfg   Config
	want  Outcome
	inner string // inner source address, "" to skip the check
	layer []layerWant
}

func tunnelCases(t testing.TB) []tunnelCase {
	v4 := v4seg(t, ackPsh, 100)
	v6 := v6seg(t, ackPsh, 10)
	e4 := cat(eth(0x0800), v4)
	vx := vxlanHdr(42)
	vxlan8472 := DefaultPorts()
	vxlan8472.Set(8472, UDPVXLAN)
	no4789 := DefaultPorts()
	no4789.Set(4789, UDPNone)
	gtpExt := cat([]byte{0x34, 0xff}, be16(0), be32(0x1234), []byte{0, 1, 0, 0x85}, []byte{1, 0x10, 5, 0})
	binary.BigEndian.PutUint16(gtpExt[2:], uint16(len(gtpExt)-8+len(v4)))
	gtpPlain := cat([]byte{0x30, 0xff}, be16(uint16(len(v4))), be32(7))
	teredoOrigin := cat([]byte{0, 0, 0xaa, 0xbb, 1, 2, 3, 4})
	teredoAuth := cat([]byte{0, 1, 2, 3}, []byte("id"), []byte("abc"), make([]byte, 9))
	ayiya := cat([]byte{0x41, 0x52, 0x11, 41}, be32(0), make([]byte, 16+20))
	l2tp2 := cat(be16(0x4002), be16(0), be16(3), be16(9), []byte{0xff, 0x03}, be16(0x0021), v4)
	binary.BigEndian.PutUint16(l2tp2[2:], uint16(len(l2tp2)))
	erspan2 := cat([]byte{0x10, 0x01, 0x00, 77}, make([]byte, 4))
	erspan3 := cat([]byte{0x20, 0x01, 0x00, 88}, make([]byte, 7), []byte{1}, make([]byte, 8))
	geneveOpts := cat([]byte{0x02, 0, 0x65, 0x58}, be32(5000<<8), make([]byte, 8))
	radiotap := cat([]byte{0, 0, 13, 0}, []byte{0x02, 0, 0, 0}, []byte{0x22}, make([]byte, 4)) // flags: FCS? no; data pad
	dot11QoS := cat([]byte{0x88, 0x02}, make([]byte, 2), make([]byte, 18), make([]byte, 2), []byte{0, 0})
	llc := cat([]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, be16(0x0800))
	nflogLE := cat([]byte{2, 0, 0, 0}, []byte{8, 0, 1, 0}, make([]byte, 4), binary.LittleEndian.AppendUint16(nil, uint16(4+len(v4))), []byte{9, 0}, v4)
	nflogBE := cat([]byte{2, 0, 0, 0}, be16(uint16(4+len(v4))), be16(9), v4)
	erf := cat(make([]byte, 8), []byte{0x82, 0}, be16(0), be16(0), be16(0), []byte{0x01}, make([]byte, 7), []byte{0, 0}, e4)
	heur := Config{TeredoHeuristic: true}
	ip := func(typ TunnelType) []layerWant { return []layerWant{{typ, -1}} }
	return []tunnelCase{
		{name: "VXLAN", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 4789, cat(vx, e4))), want: OK, inner: "10.0.0.1", layer: []layerWant{{TunnelVXLAN, 42}}},
		{name: "VXLAN on 8472 not by default", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 8472, cat(vx, e4))), want: NotTCP},
		{name: "VXLAN on 8472 decoded as", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 8472, cat(vx, e4))), cfg: Config{Ports: &vxlan8472}, want: OK, layer: []layerWant{{TunnelVXLAN, 42}}},
		{name: "VXLAN port removed", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 4789, cat(vx, e4))), cfg: Config{Ports: &no4789}, want: NotTCP},
		{name: "VXLAN source port lower", link: capture.LinkRaw, data: ip4(17, udpHdr(4789, 60000, cat(vx, e4))), want: OK, layer: []layerWant{{TunnelVXLAN, 42}}},
		{name: "VXLAN over IPv6 in VLAN", link: capture.LinkEthernet, data: cat(eth(0x8100), be16(5), be16(0x86dd), ip6(17, udpHdr(1234, 4789, cat(vx, eth(0x86dd), v6)))), want: OK, inner: "2001:db8::1", layer: []layerWant{{TunnelVXLAN, 42}}},
		{name: "VXLAN header cut", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 4789, vx[:5])), want: Truncated},
		{name: "VXLAN carrying ARP", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 4789, cat(vx, eth(0x0806), make([]byte, 28)))), want: NotTCP},
		{name: "VXLAN-GPE IPv4", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 4790, cat([]byte{0x0c, 0, 0, 1}, be32(9<<8), v4))), want: OK, layer: []layerWant{{TunnelVXLANGPE, 9}}},
		{name: "Geneve with options", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 6081, cat(geneveOpts, e4))), want: OK, layer: []layerWant{{TunnelGeneve, 5000}}},
		{name: "Geneve IPv6 payload", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 6081, cat([]byte{0, 0, 0x86, 0xdd}, be32(1<<8), v6))), want: OK, layer: []layerWant{{TunnelGeneve, 1}}},
		{name: "Geneve options cut", link: capture.LinkRaw, data: ip4(17, udpHdr(50000, 6081, geneveOpts[:12])), want: Truncated},
		{name: "GRE IPv4", link: capture.LinkRaw, data: ip4(47, cat(greHdr(0, 0x0800, 0), v4)), want: OK, layer: ip(TunnelGRE)},
		{name: "GRE checksum key sequence", link: capture.LinkRaw, data: ip4(47, cat(greHdr(greChecksum|greKey|greSeq, 0x86dd, 99), v6)), want: OK, inner: "2001:db8::1", layer: []layerWant{{TunnelGRE, 99}}},
		{name: "gretap", link: capture.LinkRaw, data: ip4(47, cat(greHdr(0, 0x6558, 0), e4)), want: OK, layer: ip(TunnelGRE)},
		{name: "NVGRE", link: capture.LinkRaw, data: ip4(47, cat(greHdr(greKey, 0x6558, 0x123401), e4)), want: OK, layer: []layerWant{{TunnelGRE, 0x123401}}},
		{name: "PPTP enhanced GRE", link: capture.LinkRaw, data: ip4(47, cat(be16(0x3081), be16(0x880b), be16(uint16(len(v4)+4)), be16(6), be32(1), be32(0), []byte{0xff, 0x03}, be16(0x0021), v4)), want: OK, layer: []layerWant{{TunnelGRE, 6}}},
		{name: "GRE MPLS", link: capture.LinkRaw, data: ip4(47, cat(greHdr(0, 0x8847, 0), mplsLabel(16, true), v4)), want: OK, layer: ip(TunnelGRE)},
		{name: "GRE unknown protocol", link: capture.LinkRaw, data: ip4(47, cat(greHdr(0, 0x1234, 0), v4)), want: NotTCP},
		{name: "GRE source routed", link: capture.LinkRaw, data: ip4(47, cat(greHdr(greRouting, 0x0800, 0), make([]byte, 4), v4)), want: NotTCP},
		{name: "GRE key cut", link: capture.LinkRaw, data: ip4(47, be16(greKey)), want: Truncated},
		{name: "ERSPAN I", link: capture.LinkRaw, data: ip4(47, cat(greHdr(0, 0x88be, 0), e4)), want: OK, layer: ip(TunnelERSPAN)},
		{name: "ERSPAN II", link: capture.LinkRaw, data: ip4(47, cat(greHdr(greSeq, 0x88be, 0), erspan2, e4)), want: OK, layer: []layerWant{{TunnelERSPAN, 77}}},
		{name: "ERSPAN III with subheader", link: capture.LinkRaw, data: ip4(47, cat(greHdr(greSeq, 0x22eb, 0), erspan3, e4)), want: OK, layer: []layerWant{{TunnelERSPAN, 88}}},
		{name: "ERSPAN unknown version", link: capture.LinkRaw, data: ip4(47, cat(greHdr(greSeq, 0x88be, 0), patch(erspan2, 0, 0x70), e4)), want: NotTCP},
		{name: "GTP-U", link: capture.LinkRaw, data: ip4(17, udpHdr(2152, 2152, cat(gtpPlain, v4))), want: OK, layer: []layerWant{{TunnelGTP, 7}}},
		{name: "GTP-U extension headers", link: capture.LinkRaw, data: ip4(17, udpHdr(2152, 2152, cat(gtpExt, v4))), want: OK, layer: []layerWant{{TunnelGTP, 0x1234}}},
		{name: "GTP-U echo", link: capture.LinkRaw, data: ip4(17, udpHdr(2152, 2152, patch(gtpPlain, 1, 1))), want: NotTCP},
		{name: "GTP-U endless extensions", link: capture.LinkRaw, data: ip4(17, udpHdr(2152, 2152, cat(patch(gtpExt, 15, 0x85), slices.Repeat([]byte{1, 0, 0, 0x85}, 20)))), want: Malformed},
		{name: "Teredo", link: capture.LinkRaw, data: ip4(17, udpHdr(3544, 40000, v6)), want: OK, inner: "2001:db8::1", layer: ip(TunnelTeredo)},
		{name: "Teredo origin indication", link: capture.LinkRaw, data: ip4(17, udpHdr(3544, 40000, cat(teredoOrigin, v6))), want: OK, layer: ip(TunnelTeredo)},
		{name: "Teredo authentication and origin", link: capture.LinkRaw, data: ip4(17, udpHdr(40000, 3544, cat(teredoAuth, teredoOrigin, v6))), want: OK, layer: ip(TunnelTeredo)},
		{name: "Teredo by heuristic", link: capture.LinkRaw, data: ip4(17, udpHdr(40001, 40000, cat(teredoOrigin, v6))), cfg: heur, want: OK, layer: ip(TunnelTeredo)},
		{name: "Teredo heuristic off by default", link: capture.LinkRaw, data: ip4(17, udpHdr(40001, 40000, v6)), want: NotTCP},
		{name: "Teredo heuristic length mismatch", link: capture.LinkRaw, data: ip4(17, udpHdr(40001, 40000, cat(v6, []byte{0}))), cfg: heur, want: NotTCP},
		{name: "AYIYA", link: capture.LinkRaw, data: ip4(17, udpHdr(5072, 5072, cat(ayiya, v6))), want: OK, inner: "2001:db8::1", layer: ip(TunnelAYIYA)},
		{name: "AYIYA not forward", link: capture.LinkRaw, data: ip4(17, udpHdr(5072, 5072, cat(patch(ayiya, 2, 0x12), v6))), want: NotTCP},
		{name: "L2TPv2 data", link: capture.LinkRaw, data: ip4(17, udpHdr(1701, 1701, l2tp2)), want: OK, layer: []layerWant{{TunnelL2TP, 3<<16 | 9}}},
		{name: "L2TPv2 control", link: capture.LinkRaw, data: ip4(17, udpHdr(1701, 1701, patch(l2tp2, 0, 0xc8))), want: NotTCP},
		{name: "L2TPv3 over UDP", link: capture.LinkRaw, data: ip4(17, udpHdr(1701, 1701, cat(be16(3), be16(0), be32(11), e4))), want: OK, layer: []layerWant{{TunnelL2TP, 11}}},
		{name: "L2TPv3 over IP", link: capture.LinkRaw, data: ip4(115, cat(be32(12), e4)), want: OK, layer: []layerWant{{TunnelL2TP, 12}}},
		{name: "L2TPv3 over IP control", link: capture.LinkRaw, data: ip4(115, cat(be32(0), make([]byte, 12))), want: NotTCP},
		{name: "6in4", link: capture.LinkRaw, data: ip4(41, v6), want: OK, inner: "2001:db8::1", layer: ip(TunnelIP)},
		{name: "GRE in VXLAN in IPv6", link: capture.LinkRaw, data: ip6(17, udpHdr(999, 4789, cat(vx, eth(0x0800), ip4(47, cat(greHdr(greKey, 0x0800, 5), v4))))), want: OK, layer: []layerWant{{TunnelVXLAN, 42}, {TunnelGRE, 5}}},
		{name: "five layers, four recorded", link: capture.LinkRaw, data: ip4(4, ip4(4, ip4(4, ip4(4, ip4(4, v4))))), want: OK, layer: []layerWant{{TunnelIP, -1}, {TunnelIP, -1}, {TunnelIP, -1}, {TunnelIP, -1}}},
		{name: "nesting bomb", link: capture.LinkRaw, data: nest(9, v4), want: Malformed},

		{name: "raw IP link type 12", link: 12, data: v4, want: OK},
		{name: "raw IP link type 14", link: 14, data: v6, want: OK},
		{name: "PFLOG", link: 117, data: cat([]byte{61, 2}, make([]byte, 62), v4), want: OK},
		{name: "PFLOG ipv6", link: 117, data: cat([]byte{61, 24}, make([]byte, 62), v6), want: OK},
		{name: "PFLOG cut", link: 117, data: []byte{61, 2, 0}, want: Truncated},
		{name: "NFLOG little-endian TLVs", link: 239, data: nflogLE, want: OK},
		{name: "NFLOG big-endian TLVs", link: 239, data: nflogBE, want: OK},
		{name: "NFLOG no payload", link: 239, data: nflogLE[:12], want: NotTCP},
		{name: "802.11 QoS data", link: 105, data: cat(dot11QoS, llc, v4), want: OK},
		{name: "802.11 four addresses", link: 105, data: cat([]byte{0x08, 0x03}, make([]byte, 28), llc, v4), want: OK},
		{name: "802.11 protected", link: 105, data: cat([]byte{0x08, 0x41}, make([]byte, 22), make([]byte, 8), v4), want: NotTCP},
		{name: "802.11 beacon", link: 105, data: cat([]byte{0x80, 0}, make([]byte, 40)), want: NotTCP},
		{name: "radiotap data pad", link: 127, data: cat(radiotap, dot11QoS, make([]byte, 2), llc, v4), want: OK},
		{name: "PPP in HDLC framing", link: 50, data: cat([]byte{0xff, 0x03}, be16(0x0021), v4), want: OK},
		{name: "Cisco HDLC as PPP_HDLC", link: 50, data: cat([]byte{0x0f, 0}, be16(0x86dd), v6), want: OK},
		{name: "FDDI", link: 10, data: cat([]byte{0x50}, make([]byte, 12), llc, v4), want: OK},
		{name: "IPoIB", link: 242, data: cat(be16(0x0800), be16(0), v4), want: OK},
		{name: "IPoIB with hardware address", link: 242, data: cat(make([]byte, 20), be16(0x86dd), be16(0), v6), want: OK},
		{name: "ERF Ethernet with extension header", link: 197, data: erf, want: OK},
		{name: "ERF IPv4", link: 197, data: cat(make([]byte, 8), []byte{22, 0}, make([]byte, 6), v4), want: OK},
		{name: "ERF ATM", link: 197, data: cat(make([]byte, 8), []byte{3, 0}, make([]byte, 6), v4), want: NotTCP},
		{name: "Ethernet 802.3 with SNAP", link: capture.LinkEthernet, data: cat(eth(uint16(8+len(v4))), llc, v4), want: OK},
		{name: "ARCNET", link: 129, data: v4, want: UnsupportedLink},
	}
}

// nest wraps seg in n GRE-over-IPv4 layers.
func nest(n int, seg []byte) []byte {
	for range n {
		seg = ip4(47, cat(greHdr(0, 0x0800, 0), seg))
	}
	return seg
}

func TestTunnels(t *testing.T) {
	for _, tc := range tunnelCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoderConfig(tc.cfg)
			var seg Segment
			got := d.Decode(capture.Packet{Data: tc.data, LinkType: tc.link, Frame: 7, Timestamp: time.Unix(1, 0)}, &seg)
			if got != tc.want {
				t.Fatalf("Decode = %v, want %v", got, tc.want)
			}
			if got != OK {
				if seg.Tunnels.N != 0 {
					t.Errorf("tunnels %+v on outcome %v", seg.Tunnels.List(), got)
				}
				return
			}
			if tc.inner != "" && seg.Src.Addr() != netip.MustParseAddr(tc.inner) {
				t.Errorf("inner source %v, want %s", seg.Src, tc.inner)
			}
			if seg.Dst.Port() != 80 && seg.Dst.Port() != 443 {
				t.Errorf("inner destination %v", seg.Dst)
			}
			var layers []layerWant
			for _, l := range seg.Tunnels.List() {
				id := int64(-1)
				if l.HasID {
					id = int64(l.ID)
				}
				layers = append(layers, layerWant{l.Type, id})
				if !l.Src.Addr().IsValid() || !l.Dst.Addr().IsValid() {
					t.Errorf("layer %v without outer endpoints", l)
				}
			}
			if !slices.Equal(layers, tc.layer) {
				t.Errorf("tunnels %v, want %v", layers, tc.layer)
			}
		})
	}
}

// TestTunnelOuterEndpoints checks the outer endpoints recorded for a UDP
// and an IP-level tunnel.
func TestTunnelOuterEndpoints(t *testing.T) {
	d := NewDecoder()
	var seg Segment
	v4 := v4seg(t, ackPsh, 0)
	frame := ip4(17, udpHdr(50000, 4789, cat(vxlanHdr(42), eth(0x0800), ip4(47, cat(greHdr(0, 0x0800, 0), v4)))))
	if o := d.Decode(capture.Packet{Data: frame, LinkType: capture.LinkRaw}, &seg); o != OK {
		t.Fatalf("Decode = %v", o)
	}
	want := []Tunnel{
		{Type: TunnelVXLAN, HasID: true, ID: 42, Src: netip.MustParseAddrPort("192.0.2.1:50000"), Dst: netip.MustParseAddrPort("192.0.2.2:4789")},
		{Type: TunnelGRE, Src: netip.MustParseAddrPort("192.0.2.1:0"), Dst: netip.MustParseAddrPort("192.0.2.2:0")},
	}
	if got := seg.Tunnels.List(); !slices.Equal(got, want) {
		t.Errorf("tunnels\n got %+v\nwant %+v", got, want)
	}
}

// TestUndecoded checks that frames stopped at an unknown link type or an
// encapsulation not followed are counted once per kind with their first
// frame.
func TestUndecoded(t *testing.T) {
	d := NewDecoder()
	var seg Segment
	v4 := v4seg(t, ackPsh, 0)
	feed := func(frame int64, link uint16, data []byte) {
		d.Decode(capture.Packet{Data: data, LinkType: link, Frame: frame, File: "x.pcap"}, &seg)
	}
	feed(1, 129, v4)
	feed(2, capture.LinkRaw, ip4(47, cat(greHdr(0, 0x883e, 0), v4)))
	feed(3, 129, v4)
	feed(4, capture.LinkRaw, v4)
	feed(5, 105, cat([]byte{0x08, 0x41}, make([]byte, 30)))
	feed(6, capture.LinkRaw, ip4(47, cat(greHdr(0, 0x883e, 0), v4)))
	want := []Undecoded{
		{What: "link type 129 (ARCNET)", Count: 2, First: 1, File: "x.pcap", Link: true},
		{What: "GRE protocol 0x883e", Count: 2, First: 2, File: "x.pcap"},
		{What: "encrypted 802.11 data", Count: 1, First: 5, File: "x.pcap"},
	}
	if got := d.Undecoded(); !slices.Equal(got, want) {
		t.Errorf("undecoded\n got %+v\nwant %+v", got, want)
	}
}

func TestParseDecodeAs(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "vxlan=4789,vxlan-gpe=4790,geneve=6081,gtp=2123,2152,teredo=3544,ayiya=5072,l2tp=1701", ""},
		{"vxlan=8472", "vxlan=4789,8472,vxlan-gpe=4790,geneve=6081,gtp=2123,2152,teredo=3544,ayiya=5072,l2tp=1701", ""},
		{"vxlan=8472,9000,geneve=6082, none=4789", "vxlan=8472,9000,vxlan-gpe=4790,geneve=6081,6082,gtp=2123,2152,teredo=3544,ayiya=5072,l2tp=1701", ""},
		{"GTP=3386", "vxlan=4789,vxlan-gpe=4790,geneve=6081,gtp=2123,2152,3386,teredo=3544,ayiya=5072,l2tp=1701", ""},
		{"vxlan=0", "", `decode-as "vxlan=0": bad UDP port "0"`},
		{"8472", "", `decode-as "8472": port "8472" before a tunnel name`},
		{"mpls=1", "", `decode-as "mpls=1": unknown tunnel "mpls" (want none, vxlan, vxlan-gpe, geneve, gtp, teredo, ayiya, l2tp)`},
		{"vxlan=70000", "", `decode-as "vxlan=70000": bad UDP port "70000"`},
	}
	for _, tc := range tests {
		m := DefaultPorts()
		err := m.ParseDecodeAs(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseDecodeAs(%q) error %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDecodeAs(%q): %v", tc.in, err)
			continue
		}
		if got := m.String(); got != tc.want {
			t.Errorf("ParseDecodeAs(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// BenchmarkDecodeTunnel decodes one TCP segment over Ethernet, bare and
// inside VXLAN, to price the extra layer.
func BenchmarkDecodeTunnel(b *testing.B) {
	v4 := v4seg(b, ackPsh, 100)
	plain := cat(eth(0x0800), v4)
	vxlan := cat(eth(0x0800), ip4(17, udpHdr(50000, 4789, cat(vxlanHdr(42), plain))))
	for _, bc := range []struct {
		name  string
		frame []byte
	}{{"plain", plain}, {"vxlan", vxlan}} {
		b.Run(bc.name, func(b *testing.B) {
			d := NewDecoder()
			var seg Segment
			p := capture.Packet{Data: bc.frame, LinkType: capture.LinkEthernet, Frame: 1}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if d.Decode(p, &seg) != OK {
					b.Fatal("not decoded")
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pkts/s")
		})
	}
}
