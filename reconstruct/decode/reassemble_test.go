package decode

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// frag4 cuts bytes [off, off+n) of the IPv4 packet pkt's payload into a
// fragment with identification id.
func frag4(pkt []byte, id uint16, off, n int, more bool) []byte {
	out := slices.Concat(pkt[:20], pkt[20+off:20+off+n])
	binary.BigEndian.PutUint16(out[2:], uint16(len(out)))
	binary.BigEndian.PutUint16(out[4:], id)
	v := uint16(off / 8)
	if more {
		v |= 0x2000
	}
	binary.BigEndian.PutUint16(out[6:], v)
	return out
}

// frag6 cuts bytes [off, off+n) of the IPv6 packet pkt's payload into a
// fragment with identification id, its fragment header right after the
// fixed header.
func frag6(pkt []byte, id uint32, off, n int, more bool) []byte {
	fh := make([]byte, 8)
	fh[0] = pkt[6]
	v := uint16(off)
	if more {
		v |= 1
	}
	binary.BigEndian.PutUint16(fh[2:], v)
	binary.BigEndian.PutUint32(fh[4:], id)
	out := slices.Concat(pkt[:40], fh, pkt[40+off:40+off+n])
	out[6] = 44
	binary.BigEndian.PutUint16(out[4:], uint16(len(out)-40))
	return out
}

// fragStep is one frame fed to the decoder, at t0+at.
type fragStep struct {
	data []byte
	at   time.Duration
	want Outcome
}

func TestReassembly(t *testing.T) {
	v4 := v4seg(t, ackPsh, 100) // 20-byte IP header, 120-byte payload
	v6 := v6seg(t, ackPsh, 10)  // 40-byte IP header, 30-byte payload
	garbage := slices.Clone(v4)
	for i := 20; i < len(garbage); i++ {
		garbage[i] = 0xee
	}
	udp := patch(v4, 9, byte(layers.IPProtocolUDP))
	f4 := func(off, n int, more bool) []byte { return frag4(v4, 7, off, n, more) }
	F, OKs := Fragment, OK
	step := func(data []byte, want Outcome) fragStep { return fragStep{data: data, want: want} }
	at := func(d time.Duration, data []byte, want Outcome) fragStep { return fragStep{data, d, want} }

	wantV4 := Segment{
		Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("10.0.0.2:80"),
		Seq: 1000, Ack: 2000, Flags: ACK | PSH, Window: 64240, HeaderLen: 20, PayloadLen: 100, IPLen: 140,
		WScale: -1, Reassembled: true, TTL: 64,
	}
	wantV6 := Segment{
		Src: netip.MustParseAddrPort("[2001:db8::1]:40000"), Dst: netip.MustParseAddrPort("[2001:db8::2]:443"),
		Seq: 1000, Ack: 2000, Flags: ACK | PSH, Window: 64240, HeaderLen: 20, PayloadLen: 10, IPLen: 70,
		WScale: -1, Reassembled: true, TTL: 64,
	}

	tests := []struct {
		name    string
		steps   []fragStep
		want    *Segment // the segment of the last OK step
		pending int      // datagrams left in progress
		count   int64    // datagrams reassembled
	}{
		{"ipv4 in order", []fragStep{step(f4(0, 40, true), F), step(f4(40, 40, true), F), step(f4(80, 40, false), OKs)}, &wantV4, 0, 1},
		{"ipv4 last first", []fragStep{step(f4(80, 40, false), F), step(f4(0, 40, true), F), step(f4(40, 40, true), OKs)}, &wantV4, 0, 1},
		{"ipv4 header last", []fragStep{step(f4(40, 80, false), F), step(f4(0, 40, true), OKs)}, &wantV4, 0, 1},
		{"ipv4 uneven pieces", []fragStep{step(f4(0, 24, true), F), step(f4(24, 8, true), F), step(f4(32, 88, false), OKs)}, &wantV4, 0, 1},
		{"ipv4 duplicate", []fragStep{step(f4(0, 40, true), F), step(f4(0, 40, true), F), step(f4(40, 80, false), OKs)}, &wantV4, 0, 1},
		{"ipv4 overlap first copy wins", []fragStep{
			step(f4(0, 48, true), F),
			step(frag4(garbage, 7, 0, 64, true), F), // rewrites ports and sequence numbers: ignored
			step(f4(40, 80, false), OKs),
		}, &wantV4, 0, 1},
		{"ipv4 overlap spanning holes", []fragStep{
			step(f4(0, 16, true), F), step(f4(32, 8, true), F), step(f4(56, 8, true), F),
			step(f4(8, 80, true), F), step(f4(80, 40, false), OKs),
		}, &wantV4, 0, 1},
		{"ipv4 data beyond the last fragment ignored", []fragStep{
			step(frag4(slices.Concat(v4, make([]byte, 16)), 7, 80, 56, true), F),
			step(f4(80, 40, false), F), step(f4(0, 80, true), OKs),
		}, &wantV4, 0, 1},
		{"ipv4 missing piece", []fragStep{step(f4(0, 40, true), F), step(f4(80, 40, false), F)}, nil, 1, 0},
		{"ipv4 other id does not complete", []fragStep{step(f4(0, 40, true), F), step(frag4(v4, 8, 40, 80, false), F)}, nil, 2, 0},
		{"ipv4 interleaved datagrams", []fragStep{
			step(f4(0, 40, true), F), step(frag4(v4, 8, 0, 40, true), F),
			step(frag4(v4, 8, 40, 80, false), OKs), step(f4(40, 80, false), OKs),
		}, &wantV4, 0, 2},
		{"ipv4 within timeout", []fragStep{at(0, f4(0, 40, true), F), at(FragTimeout, f4(40, 80, false), OKs)}, &wantV4, 0, 1},
		{"ipv4 timeout", []fragStep{
			at(0, f4(0, 40, true), F),
			at(FragTimeout+time.Second, f4(40, 40, true), F), // expires the first piece
			at(FragTimeout+time.Second, f4(80, 40, false), F),
			at(FragTimeout+2*time.Second, f4(0, 40, true), OKs),
		}, &wantV4, 0, 1},
		{"ipv4 time going backwards", []fragStep{
			at(2*FragTimeout, frag4(v4, 8, 0, 40, true), F),
			at(0, f4(0, 40, true), F), // created after a younger datagram
			at(FragTimeout+time.Second, f4(40, 80, false), F),
		}, nil, 2, 0},
		{"ipv4 oversized datagram dropped", []fragStep{step(f4(0, 40, true), F), step(patch(f4(40, 80, false), 6, 0x1f, 0xff), F)}, nil, 0, 0},
		{"ipv4 cut by snaplen not stored", []fragStep{step(f4(0, 40, true)[:50], F), step(f4(40, 80, false), F)}, nil, 1, 0},
		{"ipv4 empty fragment ignored", []fragStep{step(f4(0, 0, true), F)}, nil, 0, 0},
		{"ipv4 UDP reassembled for its tunnels", []fragStep{step(frag4(udp, 7, 0, 40, true), F), step(frag4(udp, 7, 40, 80, false), NotTCP)}, nil, 0, 1},
		{"ipv4 reassembled non-TCP", []fragStep{
			step(frag4(patch(v4, 9, byte(layers.IPProtocolICMPv4)), 7, 0, 40, true), F),
			step(frag4(patch(v4, 9, byte(layers.IPProtocolICMPv4)), 7, 40, 80, false), NotTCP),
		}, nil, 0, 1},
		{"ipv4 reassembled too short for TCP", []fragStep{step(frag4(v4, 7, 0, 8, true), F), step(frag4(v4[:36], 7, 8, 8, false), Malformed)}, nil, 0, 1},
		{"ipv6 in order", []fragStep{step(frag6(v6, 9, 0, 16, true), F), step(frag6(v6, 9, 16, 14, false), OKs)}, &wantV6, 0, 1},
		{"ipv6 out of order", []fragStep{step(frag6(v6, 9, 16, 14, false), F), step(frag6(v6, 9, 8, 8, true), F), step(frag6(v6, 9, 0, 8, true), OKs)}, &wantV6, 0, 1},
		{"ipv6 ids differ", []fragStep{step(frag6(v6, 9, 0, 16, true), F), step(frag6(v6, 10, 16, 14, false), F)}, nil, 2, 0},
		{"ipv6 cut by snaplen not stored", []fragStep{step(frag6(v6, 9, 0, 16, true)[:60], F)}, nil, 0, 0},
	}
	t0 := time.Unix(1000, 0).UTC()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			var last Segment
			for i, s := range tc.steps {
				var seg Segment
				p := capture.Packet{Data: s.data, LinkType: capture.LinkRaw, Frame: int64(i + 1), Timestamp: t0.Add(s.at)}
				if got := d.Decode(p, &seg); got != s.want {
					t.Fatalf("frame %d: Decode = %v, want %v", i+1, got, s.want)
				} else if got == OK {
					checkSegment(t, &seg, len(s.data))
					last = seg
				} else if seg.Src.IsValid() || seg.Reassembled {
					t.Fatalf("frame %d: segment filled on %v: %+v", i+1, got, seg)
				}
			}
			if tc.want != nil {
				want := *tc.want
				want.Frame, want.Time = last.Frame, last.Time
				want.Payload = last.Payload
				if !reflect.DeepEqual(last, want) {
					t.Errorf("segment\n got %+v\nwant %+v", last, want)
				}
			}
			if n := d.frag.pending(); n != tc.pending {
				t.Errorf("%d datagrams in progress, want %d", n, tc.pending)
			}
			if n := d.Reassembled(); n != tc.count {
				t.Errorf("Reassembled() = %d, want %d", n, tc.count)
			}
		})
	}
}

// TestReassemblyCap fills the table of datagrams in progress and checks
// that the oldest one is evicted.
func TestReassemblyCap(t *testing.T) {
	v4 := v4seg(t, ackPsh, 100)
	d := NewDecoder()
	var seg Segment
	feed := func(data []byte) Outcome {
		return d.Decode(capture.Packet{Data: data, LinkType: capture.LinkRaw, Frame: 1}, &seg)
	}
	for id := range MaxFragDatagrams + 1 {
		if o := feed(frag4(v4, uint16(id), 0, 40, true)); o != Fragment {
			t.Fatalf("id %d: %v", id, o)
		}
	}
	if n := d.frag.pending(); n != MaxFragDatagrams {
		t.Fatalf("%d datagrams in progress, want %d", n, MaxFragDatagrams)
	}
	if o := feed(frag4(v4, 0, 40, 80, false)); o != Fragment {
		t.Errorf("evicted datagram 0 completed: %v", o)
	}
	if o := feed(frag4(v4, 2, 40, 80, false)); o != OK {
		t.Errorf("datagram 2 did not complete: %v", o)
	}
	if o := feed(frag4(v4, MaxFragDatagrams, 40, 80, false)); o != OK {
		t.Errorf("newest datagram did not complete: %v", o)
	}
	if d.Reassembled() != 2 {
		t.Errorf("Reassembled() = %d, want 2", d.Reassembled())
	}
}

// TestReassemblySpanCap drops a datagram sliced into too many holes.
func TestReassemblySpanCap(t *testing.T) {
	v4 := v4seg(t, ackPsh, 8*2*maxSpans)
	d := NewDecoder()
	var seg Segment
	for i := range maxSpans + 1 {
		o := d.Decode(capture.Packet{Data: frag4(v4, 1, 16*i+8, 8, true), LinkType: capture.LinkRaw}, &seg)
		if o != Fragment {
			t.Fatalf("piece %d: %v", i, o)
		}
	}
	if n := d.frag.pending(); n != 0 {
		t.Errorf("%d datagrams in progress, want 0", n)
	}
}

// TestReassemblyReusesBuffers checks that steady fragmented traffic
// allocates nothing once the free list holds buffers.
func TestReassemblyReusesBuffers(t *testing.T) {
	v4 := v4seg(t, ackPsh, 100)
	frags := [][]byte{frag4(v4, 1, 0, 40, true), frag4(v4, 1, 40, 80, false)}
	d := NewDecoder()
	var seg Segment
	run := func() {
		for _, f := range frags {
			d.Decode(capture.Packet{Data: f, LinkType: capture.LinkRaw}, &seg)
		}
	}
	run()
	if allocs := testing.AllocsPerRun(50, run); allocs != 0 {
		t.Errorf("reassembly allocates %.1f times per datagram", allocs)
	}
}

// TestReassemblyOracle checks the capture where tshark shows a SYN on the
// last of three IPv4 fragments.
func TestReassemblyOracle(t *testing.T) {
	dir := testenv.Shared(t, "oracles", "wireshark")
	d := NewDecoder()
	var got []Outcome
	var seg Segment
	for _, f := range readFrames(t, filepath.Join(dir, "sv__ppp-ipfrag-syn.pcap")) {
		got = append(got, d.Decode(capture.Packet{Data: f.data, LinkType: f.link, Frame: f.frame}, &seg))
	}
	if want := []Outcome{Fragment, Fragment, OK}; !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
	want := Segment{
		Frame: 3, Src: netip.MustParseAddrPort("1.1.1.1:12345"), Dst: netip.MustParseAddrPort("2.2.2.2:8080"),
		Seq: 1, Flags: SYN, Window: 8192, HeaderLen: 24, IPLen: 44, WScale: 14, Reassembled: true,
		TTL: 64, Opts: OptLayout{Kinds: [MaxOptKinds]uint8{3, 0}, N: 2},
	}
	want.Time = seg.Time
	seg.Payload = nil
	if !reflect.DeepEqual(seg, want) {
		t.Errorf("segment\n got %+v\nwant %+v", seg, want)
	}
	if d.Reassembled() != 1 {
		t.Errorf("Reassembled() = %d, want 1", d.Reassembled())
	}
}

// TestFabricPath decodes a TCP SYN behind a Cisco FabricPath header.
func TestFabricPath(t *testing.T) {
	v4 := v4seg(t, syn, 0)
	fp := func(inner uint16) []byte { return cat(eth(0x8903), []byte{0, 0x3f}, eth(inner)) }
	tests := []struct {
		name string
		data []byte
		want Outcome
	}{
		{"ipv4", cat(fp(0x0800), v4), OK},
		{"vlan inside", cat(fp(0x8100), be16(10), be16(0x0800), v4), OK},
		{"in vlan", cat(eth(0x8100), be16(10), be16(0x8903), []byte{0, 0x3f}, eth(0x0800), v4), OK},
		{"inner ARP", cat(fp(0x0806), make([]byte, 28)), NotTCP},
		{"inner 802.3", cat(fp(0x0030), make([]byte, 48)), NotTCP},
		{"cut", cat(fp(0x0800))[:29], Truncated},
	}
	d := NewDecoder()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seg Segment
			if got := d.Decode(capture.Packet{Data: tc.data, LinkType: capture.LinkEthernet, Frame: 1}, &seg); got != tc.want {
				t.Fatalf("Decode = %v, want %v", got, tc.want)
			}
			if tc.want == OK && (seg.Flags != SYN || seg.Dst != netip.MustParseAddrPort("10.0.0.2:80")) {
				t.Errorf("segment %+v", seg)
			}
		})
	}
}

// TestFabricPathOracle decodes every TCP SYN of Zeek's FabricPath trace,
// both the plain copy and the one behind a FabricPath header.
func TestFabricPathOracle(t *testing.T) {
	path := filepath.Join(testenv.Shared(t, "oracles", "zeek"), "cisco-fabric-path", "cisco-fabric-path.pcap")
	d := NewDecoder()
	var syns, fabric int
	var seg Segment
	for _, f := range readFrames(t, path) {
		o := d.Decode(capture.Packet{Data: f.data, LinkType: f.link, Frame: f.frame}, &seg)
		if o == OK {
			syns++
			if binary.BigEndian.Uint16(f.data[12:]) == 0x8903 {
				fabric++
			}
		} else if o != NotTCP {
			t.Errorf("frame %d: %v", f.frame, o)
		}
	}
	// tshark shows 32 TCP frames: 16 SYNs, each seen plain and wrapped.
	if syns != 32 || fabric != 16 {
		t.Errorf("%d SYNs decoded, %d of them behind FabricPath; want 32 and 16", syns, fabric)
	}
}
