package reconstruct

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// wiresharkLeftOut are oracle captures where tshark numbers TCP that
// wirestat does not decode, and why.
var wiresharkLeftOut = map[string]string{
	"sv__filestore-5408.pcap": "frame 87 is an sFlow datagram whose samples quote five TCP headers; tshark numbers them, wirestat does not decode sFlow",
}

// TestWiresharkStreams checks that every TCP frame of every capture in the
// Wireshark oracle lands in the connection with tshark 4.0's tcp.stream
// number, and that each stream's first and last frames agree.
func TestWiresharkStreams(t *testing.T) {
	dir := testenv.Shared(t, "oracles", "wireshark")
	tsvs, _ := filepath.Glob(filepath.Join(dir, "*.tshark.tsv"))
	if len(tsvs) == 0 {
		t.Skip("no tshark oracle files")
	}
	var total, agree int
	for _, tsv := range tsvs {
		capName := strings.TrimSuffix(filepath.Base(tsv), ".tshark.tsv")
		t.Run(capName, func(t *testing.T) {
			if why, ok := wiresharkLeftOut[capName]; ok {
				t.Skip(why)
			}
			a, n := compareStreams(t, filepath.Join(dir, capName), testenv.TsharkRows(t, tsv))
			agree, total = agree+a, total+n
		})
	}
	t.Logf("wireshark stream agreement: %d/%d TCP frames", agree, total)
}

// compareStreams checks every TCP frame of capFile against tshark's stream
// number and each stream's first and last frames; it returns the frames
// that agree and the frames compared.
func compareStreams(t *testing.T, capFile string, want []testenv.TsharkRow) (agree, total int) {
	t.Helper()
	a := analyse(t, Config{}, capFile)
	if a.err != nil {
		t.Fatalf("run: %v", a.err)
	}
	bad := 0
	for _, w := range want {
		total++
		got, ok := a.assigned[w.Frame]
		if ok && got == w.Stream {
			agree++
			continue
		}
		if bad < 5 {
			if !ok {
				t.Errorf("frame %d: tshark stream %d, wirestat saw no TCP", w.Frame, w.Stream)
			} else {
				t.Errorf("frame %d: tshark stream %d, wirestat stream %d", w.Frame, w.Stream, got)
			}
		}
		bad++
	}
	wantFrames := map[int64]bool{}
	for _, w := range want {
		wantFrames[w.Frame] = true
	}
	for fr := range a.assigned {
		if !wantFrames[fr] && bad < 5 {
			t.Errorf("frame %d: wirestat assigned a stream, tshark shows no TCP", fr)
			bad++
		}
	}
	// First and last frame per stream.
	span := map[int64][2]int64{}
	for _, w := range want {
		s, ok := span[w.Stream]
		if !ok {
			s = [2]int64{w.Frame, w.Frame}
		}
		s[0], s[1] = min(s[0], w.Frame), max(s[1], w.Frame)
		span[w.Stream] = s
	}
	// A stream's records (its parts, when it was handed out before it
	// ended) together span tshark's frames.
	seen := map[int64]bool{}
	got := map[int64][2]int64{}
	for _, c := range a.conns {
		if _, ok := span[c.Stream]; !ok {
			t.Errorf("stream %d not in tshark output", c.Stream)
			continue
		}
		g, ok := got[c.Stream]
		if !ok {
			g = [2]int64{c.FirstFrame, c.LastFrame}
		}
		got[c.Stream] = [2]int64{min(g[0], c.FirstFrame), max(g[1], c.LastFrame)}
		seen[c.Stream] = true
	}
	for stream, g := range got {
		if s := span[stream]; g != s {
			t.Errorf("stream %d frames %d-%d, tshark %d-%d", stream, g[0], g[1], s[0], s[1])
		}
	}
	if len(seen) != len(span) {
		var missing []int64
		for s := range span {
			if !seen[s] {
				missing = append(missing, s)
			}
		}
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		t.Errorf("%d tshark streams not reported, e.g. %v", len(missing), missing[:min(5, len(missing))])
	}
	return agree, total
}
