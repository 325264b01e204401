package decode

import (
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
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		var seg Segment
		p := capture.Packet{Data: data, LinkType: link, Frame: 3, Timestamp: time.Unix(5, 0).UTC(), CaptureLength: len(data), Length: len(data)}
		o := d.Decode(p, &seg)
		if o > UnsupportedLink {
			t.Fatalf("outcome %d out of range", o)
		}
		if seg.Frame != 3 || !seg.Time.Equal(p.Timestamp) {
			t.Fatalf("frame/time not copied: %+v", seg)
		}
		if o != OK {
			if seg.Src.IsValid() || seg.PayloadLen != 0 || seg.HeaderLen != 0 {
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
		if seg.Flags&SYN == 0 && (seg.MSS != 0 || seg.WScale != -1 || seg.SACKPerm) {
			t.Fatalf("options parsed from a non-SYN: %+v", seg)
		}
	})
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
