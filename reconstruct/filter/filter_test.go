package filter

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// needCompiler skips the test when this build cannot compile expressions.
func needCompiler(t *testing.T) {
	t.Helper()
	if _, err := Compile("tcp", capture.LinkEthernet, 0); errors.Is(err, ErrNoCompiler) {
		testenv.Tool(t, "tcpdump") // skips with the install hint
	}
}

// l3 is an IP packet with its EtherType.
type l3 struct {
	etherType layers.EthernetType
	bytes     []byte
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

type tcpFlags struct{ syn, ack, fin, rst bool }

func tcpLayer(sport, dport uint16, f tcpFlags) *layers.TCP {
	return &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: 1000, Ack: 1, Window: 65535,
		SYN: f.syn, ACK: f.ack, FIN: f.fin, RST: f.rst,
	}
}

func ipv4TCP(t testing.TB, src, dst string, sport, dport uint16, f tcpFlags) l3 {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	tcp := tcpLayer(sport, dport, f)
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return l3{layers.EthernetTypeIPv4, serialize(t, ip, tcp, gopacket.Payload("hello"))}
}

func ipv4UDP(t testing.TB, src, dst string, sport, dport uint16) l3 {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return l3{layers.EthernetTypeIPv4, serialize(t, ip, udp, gopacket.Payload("q"))}
}

func ipv6TCP(t testing.TB, src, dst string, sport, dport uint16, f tcpFlags) l3 {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	tcp := tcpLayer(sport, dport, f)
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return l3{layers.EthernetTypeIPv6, serialize(t, ip, tcp)}
}

var (
	srcMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	dstMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

func ethernet(p l3) []byte {
	h := make([]byte, 14, 14+len(p.bytes))
	copy(h[0:], dstMAC)
	copy(h[6:], srcMAC)
	binary.BigEndian.PutUint16(h[12:], uint16(p.etherType))
	return append(h, p.bytes...)
}

func vlanEthernet(p l3, id uint16) []byte {
	h := make([]byte, 18, 18+len(p.bytes))
	copy(h[0:], dstMAC)
	copy(h[6:], srcMAC)
	binary.BigEndian.PutUint16(h[12:], 0x8100)
	binary.BigEndian.PutUint16(h[14:], id)
	binary.BigEndian.PutUint16(h[16:], uint16(p.etherType))
	return append(h, p.bytes...)
}

// sll builds a Linux cooked v1 header (packet type "sent to us").
func sll(p l3) []byte {
	h := make([]byte, 16, 16+len(p.bytes))
	binary.BigEndian.PutUint16(h[0:], 0) // PACKET_HOST
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6) // address length
	copy(h[6:], srcMAC)
	binary.BigEndian.PutUint16(h[14:], uint16(p.etherType))
	return append(h, p.bytes...)
}

// sll2 builds a Linux cooked v2 header.
func sll2(p l3) []byte {
	h := make([]byte, 20, 20+len(p.bytes))
	binary.BigEndian.PutUint16(h[0:], uint16(p.etherType))
	binary.BigEndian.PutUint32(h[4:], 2) // interface index
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = 0                            // PACKET_HOST
	h[11] = 6
	copy(h[12:], srcMAC)
	return append(h, p.bytes...)
}

func TestCompileAndMatch(t *testing.T) {
	needCompiler(t)
	syn := ipv4TCP(t, "10.0.0.1", "10.0.0.2", 40000, 80, tcpFlags{syn: true})
	ack := ipv4TCP(t, "10.0.0.3", "10.0.0.4", 40001, 443, tcpFlags{ack: true})
	udp := ipv4UDP(t, "10.0.0.1", "10.0.0.9", 5353, 53)
	syn6 := ipv6TCP(t, "2001:db8::1", "2001:db8::2", 40002, 80, tcpFlags{syn: true})

	type frame struct {
		name     string
		linkType uint16
		data     []byte
	}
	frames := []frame{
		{"eth-syn", capture.LinkEthernet, ethernet(syn)},
		{"eth-ack", capture.LinkEthernet, ethernet(ack)},
		{"eth-udp", capture.LinkEthernet, ethernet(udp)},
		{"eth-syn6", capture.LinkEthernet, ethernet(syn6)},
		{"vlan-syn", capture.LinkEthernet, vlanEthernet(syn, 7)},
		{"sll-syn", capture.LinkLinuxSLL, sll(syn)},
		{"sll-udp", capture.LinkLinuxSLL, sll(udp)},
		{"sll2-ack", capture.LinkLinuxSLL2, sll2(ack)},
		{"sll2-syn6", capture.LinkLinuxSLL2, sll2(syn6)},
		{"raw-syn", capture.LinkRaw, syn.bytes},
		{"raw-udp", capture.LinkRaw, udp.bytes},
		{"raw-syn6", capture.LinkRaw, syn6.bytes},
		{"ipv4-ack", capture.LinkIPv4, ack.bytes},
	}
	// want lists, per expression, the frames that match; every other frame
	// must not.
	tests := []struct {
		expr string
		want []string
	}{
		{"tcp", []string{"eth-syn", "eth-ack", "eth-syn6", "sll-syn", "sll2-ack", "sll2-syn6", "raw-syn", "raw-syn6", "ipv4-ack"}},
		{"tcp port 80", []string{"eth-syn", "eth-syn6", "sll-syn", "sll2-syn6", "raw-syn", "raw-syn6"}},
		{"host 10.0.0.1", []string{"eth-syn", "eth-udp", "sll-syn", "sll-udp", "raw-syn", "raw-udp"}},
		{"tcp[tcpflags] & tcp-syn != 0", []string{"eth-syn", "sll-syn", "raw-syn"}},
		{"ip6", []string{"eth-syn6", "sll2-syn6", "raw-syn6"}},
		{"vlan and tcp", []string{"vlan-syn"}},
		{"not tcp", []string{"eth-udp", "vlan-syn", "sll-udp", "raw-udp"}},
		{"udp and dst port 53", []string{"eth-udp", "sll-udp", "raw-udp"}},
		{"len > 40", []string{"eth-syn", "eth-ack", "eth-udp", "eth-syn6", "vlan-syn", "sll-syn", "sll-udp", "sll2-ack", "sll2-syn6", "raw-syn", "raw-syn6", "ipv4-ack"}},
	}
	// Filters are compiled once per (expression, link type).
	type key struct {
		expr string
		lt   uint16
	}
	compiled := map[key]*Filter{}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			want := map[string]bool{}
			for _, n := range tt.want {
				want[n] = true
			}
			for _, fr := range frames {
				if tt.expr == "vlan and tcp" && fr.linkType != capture.LinkEthernet {
					continue // libpcap has no VLAN support on cooked or raw links
				}
				f := compiled[key{tt.expr, fr.linkType}]
				if f == nil {
					var err error
					f, err = Compile(tt.expr, fr.linkType, 0)
					if err != nil {
						t.Fatalf("Compile(%q, %s): %v", tt.expr, LinkTypeName(fr.linkType), err)
					}
					compiled[key{tt.expr, fr.linkType}] = f
				}
				if got := f.Match(fr.data, len(fr.data)); got != want[fr.name] {
					t.Errorf("%s: Match = %v, want %v", fr.name, got, want[fr.name])
				}
			}
		})
	}
}

func TestTruncatedFrameDoesNotMatch(t *testing.T) {
	needCompiler(t)
	f, err := Compile("tcp port 80", capture.LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := ethernet(ipv4TCP(t, "10.0.0.1", "10.0.0.2", 40000, 80, tcpFlags{syn: true}))
	if !f.Match(data, len(data)) {
		t.Fatal("whole frame does not match")
	}
	// Snapped before the destination port: the load is out of bounds.
	if f.Match(data[:14+20+2], len(data)) {
		t.Error("frame cut before the port matches")
	}
}

func TestCompileErrors(t *testing.T) {
	needCompiler(t)
	tests := []struct {
		expr     string
		linkType uint16
		want     string // substring of the message
	}{
		{"tcp port", capture.LinkEthernet, "syntax error"},
		{"tcp port 99999", capture.LinkEthernet, "port"},
		{"ether host 02:00:00:00:00:01", capture.LinkRaw, "ether"},
		{"vlan and tcp", capture.LinkLinuxSLL2, "VLAN"},
		{"-w /tmp/x", capture.LinkEthernet, "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := Compile(tt.expr, tt.linkType, 0)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error", tt.expr, f.Program())
			}
			msg := err.Error()
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not match ErrInvalid", msg)
			}
			if !strings.HasPrefix(msg, "filter "+`"`+tt.expr+`"`) || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming the expression and containing %q", msg, tt.want)
			}
		})
	}
}

func TestUnknownLinkType(t *testing.T) {
	needCompiler(t)
	_, err := Compile("tcp", 9999, 0)
	if err == nil || !strings.Contains(err.Error(), "link type 9999") {
		t.Fatalf("Compile for link type 9999: err = %v, want one naming the link type", err)
	}
}

func TestEmptyExpressionMatchesAll(t *testing.T) {
	f, err := Compile("", capture.LinkEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(nil, 0) || !f.Match([]byte{1, 2, 3}, 3) {
		t.Error("empty expression rejects a packet")
	}
	s := NewSet("", 0)
	if ok, err := s.Match(capture.Packet{LinkType: 9999}); !ok || err != nil {
		t.Errorf("empty Set Match = %v, %v; want true, nil", ok, err)
	}
}

func TestSet(t *testing.T) {
	needCompiler(t)
	syn := ipv4TCP(t, "10.0.0.1", "10.0.0.2", 40000, 80, tcpFlags{syn: true})
	udp := ipv4UDP(t, "10.0.0.1", "10.0.0.9", 5353, 53)
	pkt := func(lt uint16, data []byte) capture.Packet {
		return capture.Packet{Data: data, CaptureLength: len(data), Length: len(data), LinkType: lt}
	}
	s := NewSet("tcp", 0)
	for _, c := range []struct {
		p    capture.Packet
		want bool
	}{
		{pkt(capture.LinkEthernet, ethernet(syn)), true},
		{pkt(capture.LinkLinuxSLL, sll(udp)), false},
		{pkt(capture.LinkRaw, syn.bytes), true},
		{pkt(capture.LinkEthernet, ethernet(udp)), false},
		{pkt(capture.LinkLinuxSLL, sll(syn)), true},
	} {
		got, err := s.Match(c.p)
		if err != nil || got != c.want {
			t.Errorf("link type %d: Match = %v, %v; want %v, nil", c.p.LinkType, got, err, c.want)
		}
	}
	if n := len(s.entries); n != 3 {
		t.Errorf("Set compiled %d link types, want 3", n)
	}

	// A link type the expression cannot be compiled for reports the error
	// once, and its packets never match.
	s = NewSet("ether host 02:00:00:00:00:01", 0)
	if _, err := s.Match(pkt(capture.LinkRaw, syn.bytes)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("first raw packet: err = %v, want ErrInvalid", err)
	}
	if ok, err := s.Match(pkt(capture.LinkRaw, syn.bytes)); ok || err != nil {
		t.Errorf("second raw packet: Match = %v, %v; want false, nil", ok, err)
	}
	if ok, err := s.Match(pkt(capture.LinkEthernet, ethernet(syn))); !ok || err != nil {
		t.Errorf("Ethernet packet: Match = %v, %v; want true, nil", ok, err)
	}
}

func TestMissingTcpdump(t *testing.T) {
	if compileNeedsTcpdump(capture.LinkEthernet) {
		t.Setenv("PATH", t.TempDir())
		_, err := Compile("tcp port 80", capture.LinkEthernet, 0)
		want := `filter "tcp port 80" (EN10MB): compiling filters needs tcpdump in PATH (apt-get install tcpdump) or a build with -tags libpcap`
		if err == nil || err.Error() != want || !errors.Is(err, ErrNoCompiler) {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	}
	t.Setenv("PATH", t.TempDir())
	_, err := Compile("tcp", capture.LinkLinuxSLL2, 0)
	if err == nil || !errors.Is(err, ErrNoCompiler) || strings.Contains(err.Error(), "\n") {
		t.Errorf("SLL2 without tcpdump: err = %v, want a one-line ErrNoCompiler", err)
	}
}

func TestParseDD(t *testing.T) {
	got, err := parseDD("{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0x00000000 },\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Instruction{{0x28, 0, 0, 12}, {0x15, 0, 1, 0x800}, {0x6, 0, 0, 0x40000}, {0x6, 0, 0, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("instruction %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"", "{ 0x28, 0, 0 },", "{ 0x28, 0, 256, 0 },", "(000) ldh [12]"} {
		if _, err := parseDD(bad); err == nil {
			t.Errorf("parseDD(%q) succeeded", bad)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	if _, err := Compile("tcp", capture.LinkEthernet, 0); errors.Is(err, ErrNoCompiler) {
		testenv.Tool(b, "tcpdump")
	}
	f, err := Compile("tcp port 80 and tcp[tcpflags] & tcp-syn != 0", capture.LinkEthernet, 0)
	if err != nil {
		b.Fatal(err)
	}
	frames := [][]byte{
		ethernet(ipv4TCP(b, "10.0.0.1", "10.0.0.2", 40000, 80, tcpFlags{syn: true})),
		ethernet(ipv4TCP(b, "10.0.0.3", "10.0.0.4", 40001, 443, tcpFlags{ack: true})),
		ethernet(ipv6TCP(b, "2001:db8::1", "2001:db8::2", 40002, 80, tcpFlags{syn: true})),
		ethernet(ipv4UDP(b, "10.0.0.1", "10.0.0.9", 5353, 53)),
	}
	b.ReportAllocs()
	var pkts, matched int
	for b.Loop() {
		for _, fr := range frames {
			if f.Match(fr, len(fr)) {
				matched++
			}
		}
		pkts += len(frames)
	}
	if matched == 0 {
		b.Fatal("nothing matched")
	}
	b.ReportMetric(float64(pkts)/b.Elapsed().Seconds(), "pkts/s")
}

// TestCanCompile: CanCompile foretells whether Compile finds a compiler.
func TestCanCompile(t *testing.T) {
	for _, lt := range []uint16{capture.LinkEthernet, capture.LinkRaw} {
		_, err := Compile("tcp", lt, 0)
		if can := CanCompile(lt); can != (err == nil) || !can && !errors.Is(err, ErrNoCompiler) {
			t.Errorf("link type %d: CanCompile %v, Compile error %v", lt, can, err)
		}
	}
}
