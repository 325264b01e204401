package decode

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// frameData is a copy of one captured frame.
type frameData struct {
	frame int64
	link  uint16
	data  []byte
}

// readFrames reads every frame of a capture into memory.
func readFrames(t testing.TB, path string) []frameData {
	t.Helper()
	src, err := capture.Open([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []frameData
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		out = append(out, frameData{p.Frame, p.LinkType, slices.Clone(p.Data)})
	}
}

// tsharkTCPFrames returns the frames tshark decodes as TCP.
func tsharkTCPFrames(t testing.TB, path string) []int64 {
	var out []int64
	for _, r := range testenv.TsharkRows(t, path) {
		out = append(out, r.Frame)
	}
	return out
}

// oracleExceptions lists the captures where tshark decodes TCP in frames
// the decoder deliberately does not, and the frames concerned.
var oracleExceptions = map[string]struct {
	reason string
	frames []int64 // tshark TCP frames the decoder reports otherwise; nil: any
}{
	"td__geneve.pcap": {
		reason: "TCP inside Geneve (UDP 6081) tunnels is not decapsulated",
	},
	"sv__bug-5437-02-tunnels.pcap": {
		reason: "TCP inside GRE and other tunnels is not decapsulated",
	},
	"sv__filestore-5408.pcap": {
		reason: "tshark decodes the TCP headers sampled inside sFlow (UDP 6343) datagrams",
		frames: []int64{87, 116},
	},
}

func TestWiresharkOracle(t *testing.T) {
	dir := testenv.Shared(t, "oracles", "wireshark")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder()
	for _, e := range ents {
		name := e.Name()
		tsv := filepath.Join(dir, name+".tshark.tsv")
		if _, err := os.Stat(tsv); err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			want := tsharkTCPFrames(t, tsv)
			var got []int64
			counts := map[Outcome]int{}
			var seg Segment
			for _, f := range readFrames(t, filepath.Join(dir, name)) {
				o := d.Decode(capture.Packet{Data: f.data, LinkType: f.link, Frame: f.frame}, &seg)
				counts[o]++
				if o == OK {
					got = append(got, f.frame)
				}
			}
			missing, extra := diff(want, got)
			ex, ok := oracleExceptions[name]
			if ok {
				t.Logf("exception: %s (missing %v, extra %v)", ex.reason, missing, extra)
				if ex.frames == nil {
					return
				}
				missing, _ = diff(missing, ex.frames)
			}
			if len(missing) > 0 || len(extra) > 0 {
				t.Errorf("outcomes %v\ntshark TCP frames not decoded: %v\ndecoded frames tshark does not show as TCP: %v", counts, missing, extra)
			}
		})
	}
}

// diff returns the elements of a missing from b and of b missing from a.
func diff(a, b []int64) (onlyA, onlyB []int64) {
	inA := map[int64]bool{}
	for _, x := range a {
		inA[x] = true
	}
	inB := map[int64]bool{}
	for _, x := range b {
		inB[x] = true
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	for _, x := range a {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	return onlyA, onlyB
}

// zeekTraces lists the traces of the Zeek oracle.
func zeekTraces(t testing.TB) []string {
	dir := testenv.Shared(t, "oracles", "zeek")
	var out []string
	for _, pat := range []string{"*/*.pcap", "*/*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	slices.Sort(out)
	return out
}

func TestZeekOracleTraces(t *testing.T) {
	d := NewDecoder()
	for _, path := range zeekTraces(t) {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			counts := map[Outcome]int{}
			var seg Segment
			for _, f := range readFrames(t, path) {
				o := d.Decode(capture.Packet{Data: f.data, LinkType: f.link, Frame: f.frame}, &seg)
				counts[o]++
				if o == OK {
					checkSegment(t, &seg, len(f.data))
				}
			}
			if counts[UnsupportedLink] > 0 || counts[Malformed] > 0 {
				t.Errorf("outcomes %v", counts)
			}
			t.Logf("outcomes %v", counts)
		})
	}
}

// checkSegment asserts the invariants of a decoded segment.
func checkSegment(t testing.TB, seg *Segment, frameLen int) {
	t.Helper()
	if seg.PayloadLen < 0 || seg.HeaderLen < 0 || seg.HeaderLen > 60 || seg.HeaderLen%4 != 0 {
		t.Fatalf("frame %d: HeaderLen %d PayloadLen %d", seg.Frame, seg.HeaderLen, seg.PayloadLen)
	}
	if !seg.Src.IsValid() || !seg.Dst.IsValid() || seg.Src.Addr().Is4() != seg.Dst.Addr().Is4() {
		t.Fatalf("frame %d: addresses %v -> %v", seg.Frame, seg.Src, seg.Dst)
	}
	hdr := max(20, seg.HeaderLen)
	if seg.BadHeaderLen {
		hdr = 20 // the header may overrun the IP payload
	}
	if !seg.Quoted && !seg.Truncated && !seg.Reassembled && seg.PayloadLen+hdr > frameLen {
		t.Fatalf("frame %d: payload %d + header %d beyond a %d-byte frame not marked truncated", seg.Frame, seg.PayloadLen, seg.HeaderLen, frameLen)
	}
	if seg.IPLen < seg.PayloadLen+20 {
		t.Fatalf("frame %d: IPLen %d < payload %d + 20", seg.Frame, seg.IPLen, seg.PayloadLen)
	}
	if seg.WScale < -1 || seg.WScale > 14 {
		t.Fatalf("frame %d: WScale %d", seg.Frame, seg.WScale)
	}
}
