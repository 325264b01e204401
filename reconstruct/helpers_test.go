package reconstruct

import (
	"context"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// collect is a Sink that keeps every connection.
type collect struct{ conns []result.Connection }

func (c *collect) Connection(rc *result.Connection) error {
	c.conns = append(c.conns, *rc)
	return nil
}

type analysis struct {
	res      *result.Result
	conns    []result.Connection
	assigned map[int64]int64 // frame -> stream
	err      error
}

// analyse runs the whole pipeline over files.
func analyse(t testing.TB, cfg Config, files ...string) analysis {
	t.Helper()
	src, err := capture.Open(files, capture.Options{})
	if err != nil {
		t.Fatalf("open %v: %v", files, err)
	}
	defer src.Close()
	var sink collect
	a := analysis{assigned: map[int64]int64{}}
	cfg.Sources = files
	cfg.Assigned = func(frame, stream int64) { a.assigned[frame] = stream }
	a.res, a.err = Run(context.Background(), src, cfg, &sink)
	a.conns = sink.conns
	return a
}
