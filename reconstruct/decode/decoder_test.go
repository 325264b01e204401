package decode

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/pcaptest"
)

var (
	syn    = pcaptest.Flags{SYN: true}
	ackPsh = pcaptest.Flags{ACK: true, PSH: true}
)

// v4seg returns an IPv4 TCP segment (IP header onwards) with n payload bytes.
func v4seg(t testing.TB, f pcaptest.Flags, n int) []byte {
	ip := pcaptest.IPv4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
	tcp := pcaptest.TCP(40000, 80, 1000, 2000, f)
	if f.SYN {
		tcp.Options = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		}
	}
	return pcaptest.Frame(t, nil, ip, tcp, make([]byte, n))
}

// v6seg returns an IPv6 TCP segment with n payload bytes.
func v6seg(t testing.TB, f pcaptest.Flags, n int) []byte {
	ip := pcaptest.IPv6("2001:db8::1", "2001:db8::2", layers.IPProtocolTCP)
	return pcaptest.Frame(t, nil, ip, pcaptest.TCP(40000, 443, 1000, 2000, f), make([]byte, n))
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// macSYN returns a SYN with macOS's option layout (MSS, NOP, window
// scale, NOP, NOP, timestamps, SACK-permitted, EOL and one padding byte)
// after the IPv4 header of v4, which it patches to the new length.
func macSYN(v4 []byte) []byte {
	opts := []byte{2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 4, 2, 0, 0}
	tcp := cat(be16(50000), be16(443), make([]byte, 8), []byte{0xb0, 0x02, 0xff, 0xff, 0, 0, 0, 0}, opts)
	return patch(cat(v4[:20], tcp), 2, 0, byte(20+len(tcp)))
}

func eth(et uint16) []byte {
	return cat([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, be16(et))
}

// mplsLabel returns one MPLS label stack entry with TTL 64.
func mplsLabel(label uint32, bottom bool) []byte {
	v := label << 12
	if bottom {
		v |= 1 << 8
	}
	return binary.BigEndian.AppendUint32(nil, v|64)
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// withExt inserts IPv6 extension headers (each given as next-header type
// and 8-byte-multiple body) between the fixed header and TCP of a v6seg.
func withExt(seg []byte, exts ...[]byte) []byte {
	out := slices.Clone(seg[:40])
	rest := seg[40:]
	first := out[6]
	for i, e := range exts {
		if i == 0 {
			out[6] = e[0]
		}
		h := slices.Clone(e[1:])
		if i+1 < len(exts) {
			h[0] = exts[i+1][0]
		} else {
			h[0] = first
		}
		out = append(out, h...)
	}
	out = append(out, rest...)
	binary.BigEndian.PutUint16(out[4:], uint16(len(out)-40))
	return out
}

// ext builds an extension header of type typ with total length n (a
// multiple of 8): byte 0 is patched by withExt.
func ext(typ byte, n int) []byte {
	h := make([]byte, n+1)
	h[0] = typ
	h[2] = byte(n/8 - 1)
	return h
}

func fragHdr(offset uint16, more bool) []byte {
	h := []byte{44, 0, 0, 0, 0, 0, 0, 0x12, 0x34}
	v := offset << 3
	if more {
		v |= 1
	}
	binary.BigEndian.PutUint16(h[3:], v)
	return h
}

// icmpQuote wraps the first n bytes of a quoted IPv4 packet in an ICMP
// destination-unreachable from a router.
func icmpQuote(t testing.TB, quoted []byte, n int) []byte {
	ip := pcaptest.IPv4("192.0.2.1", "10.0.0.1", layers.IPProtocolICMPv4)
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)}
	return pcaptest.Serialize(t, ip, icmp, gopacket.Payload(quoted[:n]))
}

func icmp6Quote(t testing.TB, quoted []byte, n int) []byte {
	ip := pcaptest.IPv6("2001:db8::ff", "2001:db8::1", layers.IPProtocolICMPv6)
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(1, 4)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return pcaptest.Serialize(t, ip, icmp, gopacket.Payload(append([]byte{0, 0, 0, 0}, quoted[:n]...)))
}

func patch(b []byte, off int, v ...byte) []byte {
	b = slices.Clone(b)
	copy(b[off:], v)
	return b
}

func TestDecode(t *testing.T) {
	v4 := v4seg(t, ackPsh, 100)
	v4syn := v4seg(t, syn, 0)
	v6 := v6seg(t, ackPsh, 10)
	tagged := func(inner uint16, vlan uint16) []byte { return cat(be16(vlan), be16(inner)) }
	ipip := pcaptest.Serialize(t, pcaptest.IPv4("192.0.2.1", "192.0.2.2", layers.IPProtocolIPv4), gopacket.Payload(v4))
	ip6in4 := pcaptest.Serialize(t, pcaptest.IPv4("192.0.2.1", "192.0.2.2", layers.IPProtocolIPv6), gopacket.Payload(v6))
	udpIP := pcaptest.IPv4("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP)
	udpL := &layers.UDP{SrcPort: 53, DstPort: 53}
	if err := udpL.SetNetworkLayerForChecksum(udpIP); err != nil {
		t.Fatal(err)
	}
	udp := pcaptest.Serialize(t, udpIP, udpL, gopacket.Payload([]byte("x")))

	loopChain := make([][]byte, 20)
	for i := range loopChain {
		loopChain[i] = ext(60, 8)
	}

	type check func(t *testing.T, s *Segment)
	v4ok := func(t *testing.T, s *Segment) {
		want := Segment{
			Frame: 7, Time: time.Unix(1, 0).UTC(),
			Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("10.0.0.2:80"),
			Seq: 1000, Ack: 2000, Flags: ACK | PSH, Window: 64240, HeaderLen: 20, PayloadLen: 100, IPLen: 140, WScale: -1,
			TTL: 64, IPIDZero: true,
		}
		got := *s
		if len(got.Payload) != 100 {
			t.Errorf("payload %d bytes, want 100", len(got.Payload))
		}
		got.Payload = nil
		got.Tunnels = Tunnels{} // tunnel_test.go checks them
		if !reflect.DeepEqual(got, want) {
			t.Errorf("segment\n got %+v\nwant %+v", got, want)
		}
	}
	v6ok := func(t *testing.T, s *Segment) {
		if s.Src != netip.MustParseAddrPort("[2001:db8::1]:40000") || s.Dst.Port() != 443 || s.PayloadLen != 10 || s.IPLen != 70 {
			t.Errorf("segment %+v", *s)
		}
	}
	payload := func(n int) check {
		return func(t *testing.T, s *Segment) {
			if s.PayloadLen != n {
				t.Errorf("PayloadLen = %d, want %d", s.PayloadLen, n)
			}
		}
	}

	tests := []struct {
		name  string
		link  uint16
		data  []byte
		want  Outcome
		check check
	}{
		{"ethernet ipv4", capture.LinkEthernet, cat(eth(0x0800), v4), OK, v4ok},
		{"ethernet padding ignored", capture.LinkEthernet, cat(eth(0x0800), v4seg(t, ackPsh, 0), make([]byte, 6)), OK, payload(0)},
		{"ethernet ipv6", capture.LinkEthernet, cat(eth(0x86dd), v6), OK, v6ok},
		{"ethernet syn options", capture.LinkEthernet, cat(eth(0x0800), v4syn), OK, func(t *testing.T, s *Segment) {
			if s.MSS != 1460 || s.WScale != 7 || !s.SACKPerm || s.HeaderLen != 32 || s.Flags != SYN {
				t.Errorf("segment %+v", *s)
			}
			want := OptLayout{Kinds: [MaxOptKinds]uint8{2, 4, 1, 3, 0}, N: 5, EOLPad: 1} // serialization pads with EOL
			if s.Opts != want || s.TTL != 64 || !s.IPIDZero || s.DF {
				t.Errorf("options %+v ttl %d, want %+v ttl 64", s.Opts, s.TTL, want)
			}
		}},
		{"syn option layout with EOL padding", capture.LinkRaw, macSYN(v4syn), OK, func(t *testing.T, s *Segment) {
			want := OptLayout{Kinds: [MaxOptKinds]uint8{2, 1, 3, 1, 1, 8, 4, 0}, N: 8, EOLPad: 1, TS: true}
			if s.Opts != want || s.MSS != 1460 || s.WScale != 6 || !s.SACKPerm || s.HeaderLen != 44 {
				t.Errorf("options %+v, segment %+v", s.Opts, *s)
			}
		}},
		{"syn option bytes after EOL", capture.LinkRaw, patch(macSYN(v4syn), 63, 7), OK, func(t *testing.T, s *Segment) {
			if !s.Opts.TrailingData || s.Opts.EOLPad != 1 {
				t.Errorf("options %+v", s.Opts)
			}
		}},
		{"syn excessive window scale", capture.LinkRaw, patch(macSYN(v4syn), 47, 15), OK, func(t *testing.T, s *Segment) {
			if !s.Opts.ExcessWS || s.WScale != 14 {
				t.Errorf("options %+v ws %d", s.Opts, s.WScale)
			}
		}},
		{"syn option of a bad length", capture.LinkRaw, patch(macSYN(v4syn), 41, 3), OK, func(t *testing.T, s *Segment) {
			if !s.Opts.Bad || s.Opts.N != 2 || s.Opts.Kinds[1] != 0xb4 || s.MSS != 0 { // the scan goes on at the declared length
				t.Errorf("options %+v", s.Opts)
			}
		}},
		{"802.1Q", capture.LinkEthernet, cat(eth(0x8100), tagged(0x0800, 10), v4), OK, v4ok},
		{"QinQ 802.1ad", capture.LinkEthernet, cat(eth(0x88a8), tagged(0x8100, 100), tagged(0x0800, 10), v4), OK, v4ok},
		{"QinQ 0x9100", capture.LinkEthernet, cat(eth(0x9100), tagged(0x86dd, 100), v6), OK, v6ok},
		{"MPLS stack", capture.LinkEthernet, cat(eth(0x8847), mplsLabel(100, false), mplsLabel(200, true), v4), OK, v4ok},
		{"MPLS multicast ipv6", capture.LinkEthernet, cat(eth(0x8848), mplsLabel(100, true), v6), OK, v6ok},
		{"MPLS in VLAN", capture.LinkEthernet, cat(eth(0x8100), tagged(0x8847, 5), mplsLabel(1, true), v4), OK, v4ok},
		{"MPLS pseudowire", capture.LinkEthernet, cat(eth(0x8847), mplsLabel(1, true), make([]byte, 4), eth(0x0800), v4), NotTCP, nil},
		{"MPLS cut", capture.LinkEthernet, cat(eth(0x8847), mplsLabel(1, false)), Truncated, nil},
		{"PBB", capture.LinkEthernet, cat(eth(0x88e7), []byte{0, 0, 0, 1}, eth(0x0800), v4), OK, v4ok},
		{"VN-Tag in VLAN", capture.LinkEthernet, cat(eth(0x8100), tagged(0x8926, 1), []byte{0, 0, 0, 0}, be16(0x0800), v4), OK, v4ok},
		{"PPPoE session", capture.LinkEthernet, cat(eth(0x8864), []byte{0x11, 0, 0, 1}, be16(uint16(len(v4)+2)), be16(0x0021), v4), OK, v4ok},
		{"PPPoE over QinQ ipv6", capture.LinkEthernet, cat(eth(0x88a8), tagged(0x8100, 1), tagged(0x8864, 2), []byte{0x11, 0, 0, 1}, be16(uint16(len(v6)+2)), be16(0x0057), v6), OK, v6ok},
		{"ARP", capture.LinkEthernet, cat(eth(0x0806), make([]byte, 28)), NotTCP, nil},
		{"802.3 LLC", capture.LinkEthernet, cat(eth(0x0026), make([]byte, 38)), NotTCP, nil},
		{"ethernet cut", capture.LinkEthernet, eth(0x0800)[:10], Truncated, nil},
		{"VLAN cut", capture.LinkEthernet, cat(eth(0x8100), []byte{0}), Truncated, nil},
		{"endless VLAN tags", capture.LinkEthernet, cat(eth(0x8100), slices.Repeat(tagged(0x8100, 1), 20), v4), Malformed, nil},
		{"linux SLL", capture.LinkLinuxSLL, cat([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, be16(0x0800), v4), OK, v4ok},
		{"linux SLL cut", capture.LinkLinuxSLL, make([]byte, 15), Truncated, nil},
		{"linux SLL2", capture.LinkLinuxSLL2, cat(be16(0x86dd), make([]byte, 18), v6), OK, v6ok},
		{"linux SLL2 cut", capture.LinkLinuxSLL2, make([]byte, 19), Truncated, nil},
		{"raw v4", capture.LinkRaw, v4, OK, v4ok},
		{"raw v6", capture.LinkRaw, v6, OK, v6ok},
		{"raw bad version", capture.LinkRaw, patch(v4, 0, 0x55), Malformed, nil},
		{"ipv4 link", capture.LinkIPv4, v4, OK, v4ok},
		{"ipv6 link", capture.LinkIPv6, v6, OK, v6ok},
		{"ipv6 link given ipv4", capture.LinkIPv6, cat(v4, make([]byte, 40)), Malformed, nil},
		{"null little-endian v4", capture.LinkNull, cat([]byte{2, 0, 0, 0}, v4), OK, v4ok},
		{"null big-endian v4", capture.LinkNull, cat([]byte{0, 0, 0, 2}, v4), OK, v4ok},
		{"null v6 24", capture.LinkNull, cat([]byte{24, 0, 0, 0}, v6), OK, v6ok},
		{"null v6 28", capture.LinkNull, cat([]byte{0, 0, 0, 28}, v6), OK, v6ok},
		{"null v6 30", capture.LinkNull, cat([]byte{30, 0, 0, 0}, v6), OK, v6ok},
		{"null other family", capture.LinkNull, cat([]byte{7, 0, 0, 0}, v4), NotTCP, nil},
		{"loop", capture.LinkLoop, cat([]byte{0, 0, 0, 2}, v4), OK, v4ok},
		{"loop wrong order", capture.LinkLoop, cat([]byte{2, 0, 0, 0}, v4), NotTCP, nil},
		{"cisco HDLC", capture.LinkCHDLC, cat([]byte{0x0f, 0}, be16(0x0800), v4), OK, v4ok},
		{"cisco HDLC v6", capture.LinkCHDLC, cat([]byte{0x8f, 0}, be16(0x86dd), v6), OK, v6ok},
		{"PPP", capture.LinkPPP, cat([]byte{0xff, 0x03}, be16(0x0021), v4), OK, v4ok},
		{"PPP compressed", capture.LinkPPP, cat([]byte{0x21}, v4), OK, v4ok},
		{"unknown link", 147, v4, UnsupportedLink, nil},
		{"IP-in-IP", capture.LinkRaw, ipip, OK, v4ok},
		{"IPv6-in-IPv4", capture.LinkRaw, ip6in4, OK, v6ok},
		{"UDP", capture.LinkRaw, udp, NotTCP, nil},
		{"ipv4 fragment MF", capture.LinkRaw, patch(v4, 6, 0x20, 0), Fragment, nil},
		{"ipv4 fragment offset", capture.LinkRaw, patch(v4, 6, 0, 0x10), Fragment, nil},
		{"ipv4 DF is no fragment", capture.LinkRaw, patch(v4, 6, 0x40, 0), OK, func(t *testing.T, s *Segment) {
			if !s.DF {
				t.Error("DF not set")
			}
			s.DF = false
			v4ok(t, s)
		}},
		{"ipv4 IHL < 5", capture.LinkRaw, patch(v4, 0, 0x44), Malformed, nil},
		{"ipv4 IHL beyond capture", capture.LinkRaw, patch(v4, 0, 0x4f)[:40], Truncated, nil},
		{"ipv4 total < IHL", capture.LinkRaw, patch(v4, 2, 0, 10), Malformed, nil},
		{"ipv4 header cut", capture.LinkRaw, v4[:19], Truncated, nil},
		{"ipv4 too short for TCP", capture.LinkRaw, patch(v4, 2, 0, 30)[:30], Malformed, nil},
		{"tcp fixed header cut", capture.LinkRaw, v4[:30], Truncated, nil},
		{"snaplen cut payload", capture.LinkRaw, v4[:60], OK, func(t *testing.T, s *Segment) {
			if !s.Truncated || s.PayloadLen != 100 || s.IPLen != 140 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"syn options cut", capture.LinkRaw, v4syn[:46], OK, func(t *testing.T, s *Segment) {
			if !s.Truncated || s.MSS != 1460 || !s.SACKPerm || s.WScale != -1 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"syn malformed options", capture.LinkRaw, patch(v4syn, 41, 0), OK, func(t *testing.T, s *Segment) {
			if s.MSS != 0 || s.WScale != -1 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"data offset < 5", capture.LinkRaw, patch(v4, 32, 0x20), OK, func(t *testing.T, s *Segment) {
			if s.HeaderLen != 8 || !s.BadHeaderLen || s.PayloadLen != 100 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"data offset beyond packet", capture.LinkRaw, v4seg(t, ackPsh, 0)[:40], OK, nil},
		{"data offset beyond IP payload", capture.LinkRaw, patch(v4seg(t, ackPsh, 8), 32, 0x80), OK, func(t *testing.T, s *Segment) {
			if s.HeaderLen != 32 || !s.BadHeaderLen || s.PayloadLen != 0 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"ipv6 hop-by-hop and dest opts", capture.LinkRaw, withExt(v6, ext(0, 8), ext(60, 16)), OK, func(t *testing.T, s *Segment) {
			if s.PayloadLen != 10 || s.IPLen != 94 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"ipv6 routing and AH", capture.LinkRaw, withExt(v6, ext(43, 24), []byte{51, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), OK, payload(10)},
		{"ipv6 atomic fragment", capture.LinkRaw, withExt(v6, fragHdr(0, false)), OK, v6okExt},
		{"ipv6 fragment", capture.LinkRaw, withExt(v6, fragHdr(0, true)), Fragment, nil},
		{"ipv6 later fragment", capture.LinkRaw, withExt(v6, fragHdr(100, false)), Fragment, nil},
		{"ipv6 no next header", capture.LinkRaw, withExt(v6, ext(60, 8))[:48], Truncated, nil},
		{"ipv6 endless chain", capture.LinkRaw, withExt(v6, loopChain...), Malformed, nil},
		{"ipv6 chain overrun", capture.LinkRaw, patch(withExt(v6, ext(60, 8)), 41, 200), Malformed, nil},
		{"ipv6 chain beyond capture", capture.LinkRaw, patch(patch(withExt(v6, ext(60, 8)), 4, 0x02, 0), 41, 50), Truncated, nil}, // fuzz crasher b87da186b03839b9
		{"ipv6 header cut", capture.LinkRaw, v6[:39], Truncated, nil},
		{"icmp 28-byte quote", capture.LinkRaw, icmpQuote(t, v4, 40), OK, quotedOK},
		{"icmp 16-byte TCP quote", capture.LinkRaw, icmpQuote(t, v4, 36), OK, quotedOK},
		{"icmp 8-byte quote", capture.LinkRaw, icmpQuote(t, v4, 28), NotTCP, nil},
		{"icmpv6 quote", capture.LinkRaw, icmp6Quote(t, v6, 60), OK, func(t *testing.T, s *Segment) {
			if !s.Quoted || s.Src != netip.MustParseAddrPort("[2001:db8::1]:40000") || s.PayloadLen != 10 {
				t.Errorf("segment %+v", *s)
			}
		}},
		{"icmpv6 8-byte quote", capture.LinkRaw, icmp6Quote(t, v6, 48), NotTCP, nil},
		{"icmp echo", capture.LinkRaw, pcaptest.Serialize(t, pcaptest.IPv4("10.0.0.1", "10.0.0.2", layers.IPProtocolICMPv4),
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, gopacket.Payload(v4)), NotTCP, nil},
	}
	d := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seg Segment
			p := capture.Packet{Data: tc.data, LinkType: tc.link, Frame: 7, Timestamp: time.Unix(1, 0).UTC(), CaptureLength: len(tc.data)}
			got := d.Decode(p, &seg)
			if got != tc.want {
				t.Fatalf("Decode = %v, want %v (segment %+v)", got, tc.want, seg)
			}
			if seg.Frame != 7 || !seg.Time.Equal(p.Timestamp) {
				t.Errorf("frame/time not copied: %+v", seg)
			}
			if got == OK {
				checkSegment(t, &seg, len(tc.data))
			} else if seg.Src.IsValid() {
				t.Errorf("segment filled on %v: %+v", got, seg)
			}
			if tc.check != nil {
				tc.check(t, &seg)
			}
		})
	}
}

func v6okExt(t *testing.T, s *Segment) {
	if s.PayloadLen != 10 || s.IPLen != 78 || s.Dst.Port() != 443 {
		t.Errorf("segment %+v", *s)
	}
}

func quotedOK(t *testing.T, s *Segment) {
	if !s.Quoted || s.Src != netip.MustParseAddrPort("10.0.0.1:40000") || s.Dst != netip.MustParseAddrPort("10.0.0.2:80") ||
		s.Seq != 1000 || s.PayloadLen != 100 || !s.Truncated {
		t.Errorf("segment %+v", *s)
	}
}

func TestOutcomeString(t *testing.T) {
	for o := OK; o <= UnsupportedLink+2; o++ {
		if o.String() == "" {
			t.Errorf("Outcome(%d) has an empty name", o)
		}
	}
	if Malformed.String() != "malformed" {
		t.Errorf("Malformed.String() = %q", Malformed.String())
	}
}
