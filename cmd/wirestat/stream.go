package main

import (
	"fmt"
	"io"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/live"
	"github.com/wirestat/wirestat/reconstruct/livestream"
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

// streamEvents wires the event stream into the run: state changes as
// they happen, and every interval the findings raised since the last one,
// a summary line and a flush of everything written so far.
func streamEvents(cfg *reconstruct.Config, o *options, src capture.Source, out *output) {
	ev := livestream.New(out.bw)
	if !o.noStates {
		cfg.Flow.OnTransition = ev.State
	}
	ls, _ := src.(*live.Source)
	cfg.TickEvery = o.interval
	cfg.OnTick = func(tk *reconstruct.Tick) {
		b := tally.New(tally.Options{})
		tk.Each(b.Add)
		fs := tk.Findings()
		ev.Findings(tk.Now, fs)
		iv := &livestream.Interval{Time: tk.Now, Capture: tk.Capture, Finished: tk.Connections, Tally: b.Tally(), Findings: len(fs)}
		if ls != nil {
			if c, err := ls.Counts(); err == nil {
				iv.Live = &result.LiveStats{Received: c.Received, Dropped: c.Dropped, KernelDropped: c.KernelDropped, QueueDropped: c.QueueDropped}
			}
		}
		ev.Interval(iv)
		if err := out.bw.Flush(); err != nil && out.err == nil {
			out.err = fmt.Errorf("write report: %w", err) // the next connection stops the run
		}
	}
}
