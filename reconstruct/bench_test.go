package reconstruct_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/wirestat/wirestat/cmd/wirestat-gen/synth"
	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// discard is a Sink that drops every connection, so the benchmark times
// the pipeline and not a report writer.
type discard struct{}

func (discard) Connection(*result.Connection) error { return nil }

// BenchmarkPipeline runs capture reader, decoder, tracker and findings over
// a capture held in memory (loaded or generated before the timer) and
// reports packets per second and heap allocations per packet. The
// generated captures come from wirestat-gen's synth package (about 200,000
// packets, ~3000 connections in progress at once, the full outcome mix);
// "small" is bench/out/small.pcap when bench/run.sh has made it.
func BenchmarkPipeline(b *testing.B) {
	cases := []struct {
		name string
		data func(b *testing.B) []byte
	}{
		{"synth-200k", synthCapture("pcap")},
		{"synth-200k-pcapng", synthCapture("pcapng")},
		{"small", func(b *testing.B) []byte {
			data, err := os.ReadFile("../bench/out/small.pcap")
			if err != nil {
				b.Skip("no bench/out/small.pcap (run bench/run.sh): ", err)
			}
			return data
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			data := tc.data(b)
			pkts := runPipeline(b, data) // warm up and count
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				runPipeline(b, data)
			}
			runtime.ReadMemStats(&after)
			total := float64(pkts) * float64(b.N)
			b.ReportMetric(total/b.Elapsed().Seconds(), "pkts/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/pkt")
		})
	}
}

func synthCapture(format string) func(b *testing.B) []byte {
	return func(b *testing.B) []byte {
		var buf bytes.Buffer
		if _, err := synth.Generate(&buf, synth.Config{Seed: 1, Packets: 200_000, Format: format}); err != nil {
			b.Fatal(err)
		}
		return buf.Bytes()
	}
}

func runPipeline(b *testing.B, data []byte) int64 {
	src := capture.NewReader("bench", bytes.NewReader(data), capture.Options{})
	r, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{"bench"}}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	src.Close()
	return r.Capture.Packets
}
