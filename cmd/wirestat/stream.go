package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/live"
	"github.com/wirestat/wirestat/reconstruct/livestream"
	"github.com/wirestat/wirestat/reconstruct/liveview"
	"github.com/wirestat/wirestat/reconstruct/metrics"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tally"
)

// streaming reports whether a live capture writes its event stream: with
// -F jsonl, or when no format is asked for and the report would go to a
// standard output that is not a terminal (a pipe or a file). It sets the
// report format to jsonl then.
func (o *options) streaming(stdout io.Writer) bool {
	if o.iface == "" {
		return false
	}
	if !o.set["F"] && o.out == "" && !isTerminal(stdout) {
		o.format = "jsonl"
	}
	return o.format == "jsonl"
}

// serveMetrics listens on --metrics ADDR and serves exp at /metrics until
// the returned stop is called. A failure to listen is refused at once.
func serveMetrics(addr string, exp *metrics.Exporter) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fail(exitUsage, "--metrics %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", exp.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "wirestat: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed
	return func() { srv.Close() }, nil
}

// liveOutputs are what a live run shows while it captures; nil fields are
// off.
type liveOutputs struct {
	ev      *livestream.Writer // the event stream
	exp     *metrics.Exporter  // the metrics
	view    *liveview.View     // the terminal view
	changes *liveview.Changes  // the view's latest state changes
	warns   *warnings          // warnings the view shows
}

// watchLive makes a live run report while it captures, every --interval:
// the event stream (state changes as they happen, the findings raised, a
// summary line, then a flush), the metrics and the view.
func watchLive(cfg *reconstruct.Config, o *options, src capture.Source, out *output, lo liveOutputs) {
	ev, exp := lo.ev, lo.exp
	switch {
	case ev != nil && !o.noStates:
		cfg.Flow.OnTransition = ev.State
	case lo.changes != nil:
		cfg.Flow.OnTransition = lo.changes.Record
	}
	ls, _ := src.(*live.Source)
	cfg.TickEvery = o.interval
	cfg.OnTick = func(tk *reconstruct.Tick) {
		b := tally.New(tally.Options{})
		tk.Each(b.Add)
		t := b.Tally()
		fs := tk.Findings()
		var stats *result.LiveStats
		if ls != nil {
			if c, err := ls.Counts(); err == nil {
				stats = &result.LiveStats{Received: c.Received, Dropped: c.Dropped, KernelDropped: c.KernelDropped, QueueDropped: c.QueueDropped}
			}
		}
		if exp != nil {
			exp.Update(&metrics.Sample{Time: tk.Now, Capture: *tk.Capture, Live: stats, Finished: tk.Connections, Tally: t, Findings: fs})
		}
		if lo.view != nil {
			lo.view.Update(&liveview.Frame{Time: tk.Now, Interface: o.iface, Capture: *tk.Capture, Live: stats, Finished: tk.Connections,
				Tally: t, Changes: lo.changes.Latest(), Findings: fs, Warnings: lo.warns.list()})
		}
		if ev == nil {
			return
		}
		ev.Findings(tk.Now, fs)
		ev.Interval(&livestream.Interval{Time: tk.Now, Capture: tk.Capture, Live: stats, Finished: tk.Connections, Tally: t, Findings: len(fs)})
		if err := out.bw.Flush(); err != nil && out.err == nil {
			out.err = fmt.Errorf("write report: %w", err) // the next connection stops the run
		}
	}
}
