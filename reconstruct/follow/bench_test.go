package follow_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/follow"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// BenchmarkFollow feeds every decoded segment of a capture with payload
// to one Follower (all in one stream), loaded before timing.
func BenchmarkFollow(b *testing.B) {
	name := filepath.Join(testenv.RepoRoot(b), "pcaps", "half-close.pcap")
	if _, err := os.Stat(name); err != nil {
		b.Skip(err)
	}
	src, err := capture.Open([]string{name}, capture.Options{})
	if err != nil {
		b.Fatal(err)
	}
	dec := decode.NewDecoder()
	var segs []decode.Segment
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		var s decode.Segment
		if dec.Decode(p, &s) == decode.OK {
			s.Payload = append([]byte(nil), s.Payload...)
			segs = append(segs, s)
		}
	}
	src.Close()
	b.ReportAllocs()
	for b.Loop() {
		f := follow.New(0)
		for i := range segs {
			f.Segment(&segs[i], 0)
		}
		f.Finish()
	}
	b.ReportMetric(float64(b.N*len(segs))/b.Elapsed().Seconds(), "pkts/s")
}
