package reconstruct

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/report"
)

// render runs the pipeline over files and returns the json report.
func render(t *testing.T, cfg Config, files ...string) []byte {
	t.Helper()
	src, err := capture.Open(files, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	w, err := report.ForFormat("json", &buf, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sources = files
	r, err := Run(context.Background(), src, cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWorkersSameOutput: with Workers 2 to 8 the report is byte for byte
// the one of a single tracker, on every shipped capture and Zeek trace,
// with and without payload reassembly, and with timers so short that
// connections are handed out while reading goes on (batches of a few
// segments, so the goroutines all work at once; go test -race checks they
// share nothing unguarded).
func TestWorkersSameOutput(t *testing.T) {
	defer func(n, m int) { shardBatchSize, maxKeptConns = n, m }(shardBatchSize, maxKeptConns)
	shardBatchSize, maxKeptConns = 3, 2
	caps := append(captureFiles(t, nil), wiresharkCaptures(t)...)
	short := flow.Config{MSL: time.Millisecond, Linger: time.Millisecond, ColdAfter: time.Millisecond, IdleTimeout: 50 * time.Millisecond, TombstoneTTL: 20 * time.Millisecond}
	workers := []int{2, 3, 8}
	if testing.Short() {
		workers = []int{3}
	}
	for _, c := range caps {
		for _, reassemble := range []bool{false, true} {
			for _, fl := range []flow.Config{{}, short} {
				// A filter numbers the streams in a pass of its own,
				// which the trackers then follow.
				filters := []string{""}
				if filter.CanCompile(capture.LinkEthernet) {
					filters = append(filters, "not port 80")
				}
				for _, filter := range filters {
					one := render(t, Config{Reassemble: reassemble, Flow: fl, Filter: filter}, c)
					for _, n := range workers {
						got := render(t, Config{Reassemble: reassemble, Flow: fl, Filter: filter, Workers: n}, c)
						if !bytes.Equal(one, got) {
							t.Errorf("%s (reassemble=%v, msl %v, filter %q): Workers %d output differs from Workers 1: %s", c, reassemble, fl.MSL, filter, n, firstDiff(string(one), string(got)))
						}
					}
				}
			}
		}
	}
}

// wiresharkCaptures returns the captures of the Wireshark oracle beside the
// repository (none when it is absent).
func wiresharkCaptures(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
		m, _ := filepath.Glob(filepath.Join(testenv.SharedDir(t), "oracles", "wireshark", pat))
		out = append(out, m...)
	}
	return out
}
