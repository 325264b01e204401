package reconstruct

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/flow"
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

// TestWorkersSameOutput: with Workers 2 the report is byte for byte the
// one of a single goroutine, on every shipped capture and Zeek trace, with
// and without payload reassembly, and with timers so short that
// connections are handed out while reading goes on (the goroutines then
// all work at once, batches of one item each; go test -race checks they
// share nothing unguarded).
func TestWorkersSameOutput(t *testing.T) {
	defer func(a, b int) { batchSize, connBatchSize = a, b }(batchSize, connBatchSize)
	batchSize, connBatchSize = 1, 1
	caps := captureFiles(t, nil)
	short := flow.Config{MSL: time.Millisecond, Linger: time.Millisecond, ColdAfter: time.Millisecond}
	for _, c := range caps {
		for _, reassemble := range []bool{false, true} {
			for _, fl := range []flow.Config{{}, short} {
				one := render(t, Config{Reassemble: reassemble, Flow: fl}, c)
				two := render(t, Config{Reassemble: reassemble, Flow: fl, Workers: 2}, c)
				if !bytes.Equal(one, two) {
					t.Errorf("%s (reassemble=%v, msl %v): Workers 2 output differs from Workers 1", c, reassemble, fl.MSL)
				}
			}
		}
	}
}
