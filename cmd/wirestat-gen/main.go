// Command wirestat-gen writes a deterministic synthetic TCP capture for
// benchmarks: many concurrent connections with every outcome wirestat has
// to tell apart. The same seed always gives the same bytes.
//
//	wirestat-gen -seed 1 -packets 5000000 -o big.pcap
//	wirestat-gen -seed 3 -packets 2000000 -span 72h -o days.pcap
//	wirestat-gen -seed 4 -open 200000 -o open.pcap
//	wirestat-gen -seed 5 -profile services -packets 2000000 -o services.pcap
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wirestat/wirestat/cmd/wirestat-gen/synth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "wirestat-gen:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	var (
		cfg    synth.Config
		out    string
		seed   uint64
		quiet  bool
		period time.Duration
	)
	fs := flag.NewFlagSet("wirestat-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&seed, "seed", 1, "seed: equal seeds give equal captures")
	fs.Int64Var(&cfg.Packets, "packets", 100000, "packets to write (with -open: a cap, 0 for none)")
	fs.StringVar(&out, "o", "", "output file (required; - for standard output)")
	fs.StringVar(&cfg.Format, "format", "pcap", "pcap or pcapng")
	fs.DurationVar(&period, "span", 0, "stretch the capture over this duration (daily curve, quiet nights)")
	fs.IntVar(&cfg.Conns, "conns", 3000, "connections in progress at once (without -span)")
	fs.IntVar(&cfg.Open, "open", 0, "memory test: N connections established and left open")
	fs.StringVar(&cfg.Profile, "profile", "", "traffic mix: default, services (thousands of services of skewed popularity, thin failures, two scanners) or churn (about half of the connections refused, unanswered, reset or scan probes, 3,600 services)")
	fs.BoolVar(&quiet, "q", false, "no summary on standard error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("usage: wirestat-gen -seed N -packets N -o FILE [-format pcap|pcapng] [-span DURATION]")
	}
	cfg.Seed, cfg.Span = seed, period
	if cfg.Profile == "default" {
		cfg.Profile = synth.ProfileDefault
	}
	if cfg.Open > 0 && !isSet(fs, "packets") {
		cfg.Packets = 0
	}

	var f *os.File
	if out == "-" {
		f = os.Stdout
	} else {
		var err error
		if f, err = os.Create(out); err != nil {
			return err
		}
	}
	w := bufio.NewWriterSize(&ctxWriter{ctx: ctx, w: f}, 1<<20)
	start := time.Now()
	st, err := synth.Generate(w, cfg)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if out != "-" {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if !quiet {
		fmt.Fprintf(stderr, "%s: %d packets, %d bytes, %d connections (peak %d in progress), %s to %s (%s), written in %.1fs\n",
			out, st.Packets, st.Bytes, st.Connections, st.PeakActive,
			st.First.Format(time.RFC3339), st.Last.Format(time.RFC3339),
			st.Last.Sub(st.First).Round(time.Millisecond), time.Since(start).Seconds())
		for k := synth.Kind(0); k < synth.NumKinds; k++ {
			fmt.Fprintf(stderr, "  %-18s %d\n", k, st.Kinds[k])
		}
	}
	return nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// ctxWriter stops writing once ctx is cancelled (Ctrl-C on a big file).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
