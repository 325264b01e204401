package reconstruct_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/cmd/wirestat-gen/synth"
	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/pcaptest"
	"github.com/wirestat/wirestat/reconstruct/report"
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

// lifeCapture returns a capture of n connections, each living a whole
// life: handshake, a request and a response, a close by the client, its
// TIME_WAIT, 11 packets in all. A connection starts every 5 ms, so about
// 12,000 are in TIME_WAIT (and frozen) at once and the rest expire and
// are thawed and written out during the run.
func lifeCapture(b *testing.B, n int) []byte {
	le := binary.LittleEndian
	out := le.AppendUint32(nil, 0xa1b2c3d4)
	out = le.AppendUint16(out, 2)
	out = le.AppendUint16(out, 4)
	out = le.AppendUint64(out, 0)
	out = le.AppendUint32(out, 262144)
	out = le.AppendUint32(out, 1)
	eth := []gopacket.SerializableLayer{pcaptest.Ethernet(layers.EthernetTypeIPv4)}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	req, resp := []byte("GET / HTTP/1.1\r\n\r\n"), make([]byte, 512)
	for i := range n {
		cli := fmt.Sprintf("10.%d.%d.%d", 1+i>>16&0xff, i>>8&0xff, i&0xff)
		sport := uint16(10000 + i%50000)
		srv := fmt.Sprintf("192.0.2.%d", 1+i%200)
		c, s := uint32(1000+i), uint32(9000+i)
		up := func(tcp *layers.TCP, payload []byte) []byte {
			return pcaptest.Frame(b, eth, pcaptest.IPv4(cli, srv, layers.IPProtocolTCP), tcp, payload)
		}
		down := func(tcp *layers.TCP, payload []byte) []byte {
			return pcaptest.Frame(b, eth, pcaptest.IPv4(srv, cli, layers.IPProtocolTCP), tcp, payload)
		}
		A := pcaptest.Flags{ACK: true}
		frames := [][]byte{
			up(pcaptest.TCP(sport, 80, c, 0, pcaptest.Flags{SYN: true}), nil),
			down(pcaptest.TCP(80, sport, s, c+1, pcaptest.Flags{SYN: true, ACK: true}), nil),
			up(pcaptest.TCP(sport, 80, c+1, s+1, A), nil),
			up(pcaptest.TCP(sport, 80, c+1, s+1, pcaptest.Flags{ACK: true, PSH: true}), req),
			down(pcaptest.TCP(80, sport, s+1, c+1+uint32(len(req)), A), nil),
			down(pcaptest.TCP(80, sport, s+1, c+1+uint32(len(req)), pcaptest.Flags{ACK: true, PSH: true}), resp),
			up(pcaptest.TCP(sport, 80, c+1+uint32(len(req)), s+1+uint32(len(resp)), A), nil),
			up(pcaptest.TCP(sport, 80, c+1+uint32(len(req)), s+1+uint32(len(resp)), pcaptest.Flags{ACK: true, FIN: true}), nil),
			down(pcaptest.TCP(80, sport, s+1+uint32(len(resp)), c+2+uint32(len(req)), A), nil),
			down(pcaptest.TCP(80, sport, s+1+uint32(len(resp)), c+2+uint32(len(req)), pcaptest.Flags{ACK: true, FIN: true}), nil),
			up(pcaptest.TCP(sport, 80, c+2+uint32(len(req)), s+2+uint32(len(resp)), A), nil),
		}
		at := start.Add(time.Duration(i) * 5 * time.Millisecond)
		for j, f := range frames {
			ts := at.Add(time.Duration(j) * 100 * time.Microsecond)
			out = le.AppendUint32(out, uint32(ts.Unix()))
			out = le.AppendUint32(out, uint32(ts.Nanosecond()/1000))
			out = le.AppendUint32(out, uint32(len(f)))
			out = le.AppendUint32(out, uint32(len(f)))
			out = append(out, f...)
		}
	}
	return out
}

// BenchmarkConnectionLife is the cost of one connection's whole life
// through the pipeline, JSON row included: reading and decoding its 11
// packets, its table entry, transitions, freezing in TIME_WAIT, thawing at
// expiry, the Zeek view, findings and the report row. It reports
// nanoseconds and heap allocations per connection.
func BenchmarkConnectionLife(b *testing.B) {
	const n = 20_000
	data := lifeCapture(b, n)
	run := func() {
		if got := runJSON(b, data); got != n {
			b.Fatalf("%d connections, want %d", got, n)
		}
	}
	run()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		run()
	}
	runtime.ReadMemStats(&after)
	conns := float64(n) * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/conns, "ns/conn")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/conns, "allocs/conn")
	b.ReportMetric(11*conns/b.Elapsed().Seconds(), "pkts/s")
}

// runJSON runs the pipeline over data with the JSON report written to
// io.Discard and returns the number of connections written.
func runJSON(b *testing.B, data []byte) int {
	src := capture.NewReader("bench", bytes.NewReader(data), capture.Options{})
	defer src.Close()
	w, err := report.ForFormat("json", io.Discard, report.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cw := &countingWriter{Writer: w}
	r, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{"bench"}}, cw)
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Close(r); err != nil {
		b.Fatal(err)
	}
	return cw.n
}

// countingWriter counts the connections written.
type countingWriter struct {
	report.Writer
	n int
}

func (w *countingWriter) Connection(c *result.Connection) error {
	w.n++
	return w.Writer.Connection(c)
}

// BenchmarkStages measures the single-goroutine pipeline stage by stage on
// the same capture, each sub-benchmark adding one stage to the one before:
// read (capture records), decode (link to TCP), track (the connection
// table, its timers and hand-outs), analyse (findings and the summary:
// reconstruct.Run with a sink that drops the rows) and json (the JSON
// report written to io.Discard). Each reports seconds per million packets
// ("s/Mpkt", wall time of one goroutine, close to its CPU time); a stage's
// own cost is its figure less the one before.
// bench/run.sh runs it on its captures for the README's model of where
// more cores help.
func BenchmarkStages(b *testing.B) {
	cases := []struct {
		name string
		data func(b *testing.B) []byte
	}{
		{"synth-200k", synthCapture("pcap")},
		{"file", func(b *testing.B) []byte {
			path := os.Getenv("WIRESTAT_BENCH_PCAP")
			if path == "" {
				b.Skip("set WIRESTAT_BENCH_PCAP to a capture to measure it")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			return data
		}},
	}
	stages := []struct {
		name string
		run  func(b *testing.B, data []byte)
	}{
		{"read", func(b *testing.B, data []byte) { stageRun(b, data, false, false) }},
		{"decode", func(b *testing.B, data []byte) { stageRun(b, data, true, false) }},
		{"track", func(b *testing.B, data []byte) { stageRun(b, data, true, true) }},
		{"analyse", func(b *testing.B, data []byte) { runPipeline(b, data) }},
		{"json", func(b *testing.B, data []byte) { runJSON(b, data) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			data := tc.data(b)
			pkts := runPipeline(b, data)
			for _, st := range stages {
				b.Run(st.name, func(b *testing.B) {
					st.run(b, data) // warm up
					for b.Loop() {
						st.run(b, data)
					}
					b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(pkts)/1e6), "s/Mpkt")
				})
			}
		})
	}
}

// stageRun reads data to the end, decoding each packet when decode is set
// and tracking each TCP segment when track is.
func stageRun(b *testing.B, data []byte, decodeIt, track bool) {
	src := capture.NewReader("bench", bytes.NewReader(data), capture.Options{})
	defer src.Close()
	dec := decode.NewDecoder()
	tr := flow.NewTracker(flow.Config{Reuse: true}, func(*flow.Conn) {})
	var seg decode.Segment
	var last time.Time
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		last = p.Timestamp
		if decodeIt && dec.Decode(p, &seg) == decode.OK && track {
			tr.Add(&seg)
		}
	}
	if track {
		tr.Flush(last)
	}
}
