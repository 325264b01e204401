package report

import (
	"io"
	"testing"
)

// BenchmarkWriters writes 100k connections per iteration and reports
// connections per second. The connections are built before timing.
func BenchmarkWriters(b *testing.B) {
	const n = 100_000
	conns := manyConnections(n)
	r := testResult()
	for _, format := range []string{"json", "jsonl", "text", "csv", "zeek"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w, err := ForFormat(format, io.Discard, Options{})
				if err != nil {
					b.Fatal(err)
				}
				for i := range conns {
					if err := w.Connection(&conns[i]); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "conns/s")
		})
	}
}
