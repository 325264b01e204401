package decode

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// seedCaptures lists the sample captures shipped in pcaps/ and, when
// present, the Wireshark oracle captures.
func seedCaptures(f *testing.F) []string {
	root := testenv.RepoRoot(f)
	paths, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap*"))
	shared := os.Getenv("WIRESTAT_SHARED")
	if shared == "" {
		shared = filepath.Join(filepath.Dir(root), "shared")
	}
	dir := filepath.Join(shared, "oracles", "wireshark")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(dir, e.Name()+".tshark.tsv")); err == nil {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths
}

// FuzzDecode decodes arbitrary frames under arbitrary link types and checks
// that Decode never panics and that OK segments are consistent.
func FuzzDecode(f *testing.F) {
	for _, path := range seedCaptures(f) {
		for _, fr := range readFrames(f, path) {
			f.Add(fr.link, fr.data)
		}
	}
	f.Add(capture.LinkRaw, []byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0, 80, 0, 81, 0, 0, 0, 1, 0, 0, 0, 0, 0x20, 2, 0, 0, 0, 0, 0, 0})
	v4 := v4seg(f, syn, 0)
	f.Add(capture.LinkEthernet, cat(eth(0x8903), []byte{0, 0x3f}, eth(0x0800), v4))                    // FabricPath
	f.Add(capture.LinkEthernet, cat(eth(0x8903), []byte{0, 0x3f}, eth(0x8100), be16(7), be16(0x86dd))) // FabricPath, VLAN, cut
	f.Add(capture.LinkRaw, macSYN(v4))
	f.Add(capture.LinkRaw, patch(macSYN(v4), 63, 7)) // option bytes after EOL
	f.Add(capture.LinkRaw, frag4(v4, 1, 0, 16, true))
	f.Add(capture.LinkRaw, frag6(v6seg(f, syn, 0), 1, 8, 16, false))
	for _, tc := range tunnelCases(f) { // every tunnel and link decoder
		f.Add(tc.link, tc.data)
	}
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		// A fresh Decoder per input: reassembly state must not carry
		// over, or a crasher would not reproduce on its own.
		checkDecode(t, NewDecoder(), link, data, time.Unix(5, 0).UTC())
	})
}

// FuzzReassemble feeds a sequence of raw IP frames, each prefixed with its
// 16-bit length, to one Decoder, 20 s of packet time apart, and checks
// every outcome as FuzzDecode does.
func FuzzReassemble(f *testing.F) {
	v4 := v4seg(f, ackPsh, 100)
	v6 := v6seg(f, ackPsh, 10)
	framed := func(frames ...[]byte) []byte {
		var out []byte
		for _, fr := range frames {
			out = binary.BigEndian.AppendUint16(out, uint16(len(fr)))
			out = append(out, fr...)
		}
		return out
	}
	f.Add(framed(frag4(v4, 7, 80, 40, false), frag4(v4, 7, 0, 48, true), frag4(v4, 7, 40, 48, true)))
	f.Add(framed(frag6(v6, 9, 16, 14, false), frag6(v6, 9, 0, 24, true)))
	f.Add(framed(frag4(v4, 7, 0, 40, true), frag4(v4, 7, 8, 8, true), frag4(v4, 7, 40, 80, false), frag4(v4, 7, 0, 40, true)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder()
		t0 := time.Unix(5, 0).UTC()
		for i := 0; len(data) >= 2; i++ {
			n := min(int(binary.BigEndian.Uint16(data)), len(data)-2)
			frame := data[2 : 2+n]
			data = data[2+n:]
			checkDecode(t, d, capture.LinkRaw, frame, t0.Add(time.Duration(i)*20*time.Second))
			if d.frag.pending() > MaxFragDatagrams {
				t.Fatalf("%d datagrams in progress", d.frag.pending())
			}
		}
	})
}

// checkDecode decodes one frame and checks the outcome and segment.
func checkDecode(t *testing.T, d *Decoder, link uint16, data []byte, ts time.Time) {
	t.Helper()
	var seg Segment
	p := capture.Packet{Data: data, LinkType: link, Frame: 3, Timestamp: ts, CaptureLength: len(data), Length: len(data)}
	o := d.Decode(p, &seg)
	if o > UnsupportedLink {
		t.Fatalf("outcome %d out of range", o)
	}
	if seg.Frame != 3 || !seg.Time.Equal(p.Timestamp) {
		t.Fatalf("frame/time not copied: %+v", seg)
	}
	if o != OK {
		if seg.Src.IsValid() || seg.PayloadLen != 0 || seg.HeaderLen != 0 || seg.Reassembled {
			t.Fatalf("outcome %v with a filled segment %+v", o, seg)
		}
		return
	}
	checkSegment(t, &seg, len(data))
	if (seg.HeaderLen < 20 && !seg.BadHeaderLen) || (seg.BadHeaderLen && seg.HeaderLen >= 20 && seg.PayloadLen != 0) {
		t.Fatalf("BadHeaderLen %v with HeaderLen %d", seg.BadHeaderLen, seg.HeaderLen)
	}
	if seg.Flags&^(FIN|SYN|RST|PSH|ACK|URG|ECE|CWR|NS) != 0 {
		t.Fatalf("flags %#x", seg.Flags)
	}
	if seg.Opts.N > MaxOptKinds || (seg.Opts.Overflow && seg.Opts.N != MaxOptKinds) {
		t.Fatalf("option layout %+v", seg.Opts)
	}
	if seg.Flags&SYN == 0 && (seg.MSS != 0 || seg.WScale != -1 || seg.SACKPerm || seg.Opts != (OptLayout{})) {
		t.Fatalf("options parsed from a non-SYN: %+v", seg)
	}
}

// BenchmarkDecode decodes the frames of the oracle captures, loaded into
// memory before timing.
func BenchmarkDecode(b *testing.B) {
	dir := testenv.Shared(b, "oracles", "wireshark")
	var frames []capture.Packet
	for _, name := range []string{"ws__challenge01_ooo_stream.pcapng.gz", "sv__syn_retransmit_with_ts.pcap", "ws__grpc_web.pcapng.gz", "sv__bug-6269-01-ipv6.pcap"} {
		for _, fr := range readFrames(b, filepath.Join(dir, name)) {
			frames = append(frames, capture.Packet{Data: fr.data, LinkType: fr.link, Frame: fr.frame})
		}
	}
	d := NewDecoder()
	var seg Segment
	var pkts, ok int
	b.ReportAllocs()
	for b.Loop() {
		for i := range frames {
			if d.Decode(frames[i], &seg) == OK {
				ok++
			}
		}
		pkts += len(frames)
	}
	b.ReportMetric(float64(pkts)/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(len(frames)), "pkts/op")
	if ok == 0 {
		b.Fatal("no TCP decoded")
	}
}

func TestDecodeDoesNotAllocate(t *testing.T) {
	dir := testenv.Shared(t, "oracles", "wireshark")
	frames := readFrames(t, filepath.Join(dir, "sv__filestore-5408.pcap"))
	d := NewDecoder()
	var seg Segment
	allocs := testing.AllocsPerRun(20, func() {
		for _, fr := range frames {
			d.Decode(capture.Packet{Data: fr.data, LinkType: fr.link, Frame: fr.frame}, &seg)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %.1f times per run", allocs)
	}
}
