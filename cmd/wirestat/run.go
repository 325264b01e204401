package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/annotate"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/live"
	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/report"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// Exit codes.
const (
	exitOK         = 0 // report written (warnings on stderr allowed)
	exitUsage      = 1 // bad flags, bad filter expression
	exitInput      = 2 // the input could not be read at all
	exitOutput     = 3 // the report, the -w capture or the --annotate file could not be written
	exitLiveFailed = 4 // the live interface could not be opened
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

type options struct {
	reads        files
	iface        string
	format       string
	out          string
	save         string
	count        int64
	duration     time.Duration
	msl          float64
	at           string
	top          int
	findingsOnly bool
	quiet        bool
	version      bool
	idle         time.Duration
	maxConns     int
	filter       string
	annotate     string
	reassemble   bool
	workers      int
	thresholds   files
	thrFile      string
	listThr      bool
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `usage: wirestat -r FILE [-r FILE ...] [options] [filter expression]
       wirestat -i IFACE [options] [filter expression]

Reconstructs every TCP connection in a capture and infers the RFC 793/9293
state of both endpoints (netstat from the wire). Several -r files are one
capture in the given order; "-r -" reads standard input.

options:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, `
exit codes: 0 report written (warnings allowed), 1 usage or filter error,
2 input could not be read at all, 3 report, -w or --annotate file could not be written,
4 live interface could not be opened
`)
}

func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("wirestat", flag.ContinueOnError)
	fs.Var(&o.reads, "r", "read packets from `FILE` (pcap or pcapng, optionally gzip; - for stdin); repeatable")
	fs.StringVar(&o.iface, "i", "", "capture live on `IFACE`; Ctrl-C ends the capture and writes the report")
	fs.StringVar(&o.format, "F", "text", "output `format`: text, json, jsonl, csv, zeek, html")
	fs.StringVar(&o.format, "format", "text", "same as -F")
	fs.StringVar(&o.out, "o", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(&o.save, "w", "", "live capture: also save the packets to `FILE` (pcap)")
	fs.Int64Var(&o.count, "c", 0, "stop after `COUNT` packets")
	fs.DurationVar(&o.duration, "duration", 0, "live capture: stop after this `duration` (e.g. 30s)")
	fs.Float64Var(&o.msl, "msl", 60, "maximum segment lifetime in `seconds`; TIME_WAIT lasts 2*MSL (Linux 60, Windows 120)")
	fs.StringVar(&o.at, "at", "", "report the states as of `TIME`: RFC 3339, epoch seconds, or +SECONDS from the first packet")
	fs.IntVar(&o.top, "top", report.DefaultTopN, "text format: show at most `N` endpoints, listeners and findings (most interesting first); -1 for all")
	fs.StringVar(&o.annotate, "annotate", "", "also write the capture as pcapng to `FILE` with a comment on every frame that changed a state or is evidence of a finding (offline files only)")
	fs.IntVar(&o.workers, "workers", 1, "1, or 2 to read and decode in one goroutine while another tracks connections (same output)")
	fs.BoolVar(&o.reassemble, "reassemble", false, "measure missed bytes by payload reassembly (gopacket/tcpassembly) instead of sequence-number holes")
	fs.Var(&o.thresholds, "threshold", "set a finding threshold, `NAME=VALUE` (e.g. time-wait-threshold=50); repeatable; see --thresholds")
	fs.StringVar(&o.thrFile, "thresholds-file", "", "read finding thresholds from `FILE` (NAME=VALUE per line, # comments)")
	fs.BoolVar(&o.listThr, "thresholds", false, "list the finding thresholds with their defaults and exit")
	fs.BoolVar(&o.findingsOnly, "findings-only", false, "print only the findings")
	fs.BoolVar(&o.quiet, "q", false, "quiet: no warnings or progress on standard error (progress is shown only when standard error is a terminal)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.DurationVar(&o.idle, "idle-timeout", time.Hour, "hand out a connection idle this long (capture time)")
	fs.IntVar(&o.maxConns, "max-conns", 1_000_000, "bound on connections (and on remembered finished 4-tuples) tracked at once; the least recently active are evicted and counted")
	return fs
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var o options
	fs := newFlagSet(&o)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	// Options may follow the filter expression's words, as with GNU
	// tcpdump: parse, set aside the words, and parse what follows them.
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(fs, stdout)
				return exitOK
			}
			fmt.Fprintf(stderr, "wirestat: %v (see wirestat -h)\n", err)
			return exitUsage
		}
		args = fs.Args()
		for len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-") {
			words = append(words, args[0])
			args = args[1:]
		}
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			words = append(words, args[1:]...)
			break
		}
	}
	if o.version {
		fmt.Fprintf(stdout, "wirestat %s\n", version())
		return exitOK
	}
	if o.listThr {
		for _, st := range findings.Settings() {
			fmt.Fprintf(stdout, "%-26s %-9s %s\n", st.Name, st.Kind, st.Default)
		}
		return exitOK
	}
	o.filter = strings.Join(words, " ")
	if (len(o.reads) == 0) == (o.iface == "") {
		fmt.Fprintln(stderr, "wirestat: give either -r FILE or -i IFACE (see wirestat -h)")
		return exitUsage
	}
	if o.annotate != "" && (o.iface != "" || slices.Contains(o.reads, "-")) {
		fmt.Fprintln(stderr, "wirestat: --annotate reads the capture files twice: it needs -r FILE, not standard input or -i (save with -w first)")
		return exitUsage
	}
	if o.msl <= 0 {
		fmt.Fprintln(stderr, "wirestat: --msl must be positive")
		return exitUsage
	}

	cfg := reconstruct.Config{
		Filter:     o.filter,
		Count:      o.count,
		Reassemble: o.reassemble,
		Workers:    o.workers,
		Version:    version(),
		Flow: flow.Config{
			MSL:         time.Duration(o.msl * float64(time.Second)),
			IdleTimeout: o.idle,
			MaxConns:    o.maxConns,
		},
	}
	showProgress := !o.quiet && o.iface == "" && isTerminal(stderr)
	if !o.quiet {
		cfg.Warn = func(msg string) {
			if showProgress {
				fmt.Fprint(stderr, "\r\033[K") // clear the progress line first
			}
			fmt.Fprintf(stderr, "wirestat: warning: %s\n", msg)
		}
	}
	if o.thrFile != "" {
		f, err := os.Open(o.thrFile)
		if err != nil {
			fmt.Fprintf(stderr, "wirestat: --thresholds-file: %v\n", err)
			return exitUsage
		}
		err = cfg.Findings.Load(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "wirestat: %s: %v\n", o.thrFile, err)
			return exitUsage
		}
	}
	for _, pair := range o.thresholds {
		if err := cfg.Findings.SetPair(pair); err != nil {
			fmt.Fprintf(stderr, "wirestat: --threshold: %v\n", err)
			return exitUsage
		}
	}
	if o.at != "" {
		at, rel, err := parseAt(o.at)
		if err != nil {
			fmt.Fprintf(stderr, "wirestat: --at %q: %v\n", o.at, err)
			return exitUsage
		}
		cfg.At, cfg.AtOffset, cfg.AtRelative = at, rel, at.IsZero()
	}

	var src capture.Source
	if o.iface != "" {
		if o.duration > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, o.duration)
			defer cancel()
		}
		ls, err := live.Open(ctx, o.iface, live.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "wirestat: %v\n", err)
			return exitLiveFailed
		}
		src = ls
		cfg.Sources = []string{o.iface}
		if o.save != "" {
			sv, err := newSaver(o.save, ls.LinkType(), stderr)
			if err != nil {
				fmt.Fprintf(stderr, "wirestat: -w %s: %v\n", o.save, err)
				return exitOutput
			}
			cfg.Packet = sv.packet
			defer func() {
				if err := sv.close(); err != nil && code == exitOK {
					code = exitOutput
				}
			}()
		}
	} else {
		s, err := capture.Open(o.reads, capture.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "wirestat: %v\n", err)
			return exitInput
		}
		src = s
		cfg.Sources = o.reads
	}
	defer src.Close()

	out := stdout
	var outFile *os.File
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			fmt.Fprintf(stderr, "wirestat: %v\n", err)
			return exitOutput
		}
		outFile = f
		out = f
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	w, err := report.ForFormat(o.format, bw, report.Options{
		FindingsOnly: o.findingsOnly,
		TopN:         o.top,
		Tool:         result.Tool{Name: "wirestat", Version: cfg.Version},
	})
	if err != nil {
		fmt.Fprintf(stderr, "wirestat: %v\n", err)
		return exitUsage
	}

	var notes *annotate.Notes
	if o.annotate != "" {
		notes = annotate.NewNotes()
		cfg.OnConnection = func(c *flow.Conn, _ *result.Connection) { notes.Connection(c) }
	}
	var stopProgress, progressDone chan struct{}
	if p, ok := src.(capture.Progresser); ok && showProgress {
		stopProgress, progressDone = make(chan struct{}), make(chan struct{})
		go progress(stderr, p, 500*time.Millisecond, stopProgress, progressDone)
	}
	res, runErr := reconstruct.Run(ctx, src, cfg, w)
	if stopProgress != nil {
		close(stopProgress)
		<-progressDone
	}
	if errors.Is(runErr, reconstruct.ErrFilter) {
		fmt.Fprintf(stderr, "wirestat: %v\n", runErr)
		return exitUsage
	}
	if ls, ok := src.(*live.Source); ok && res != nil {
		if rcv, drop, err := ls.Stats(); err == nil {
			res.Capture.Stats = &result.LiveStats{Received: rcv, Dropped: drop}
		}
	}
	code = exitOK
	if res != nil {
		if err := w.Close(res); err != nil {
			fmt.Fprintf(stderr, "wirestat: write report: %v\n", err)
			code = exitOutput
		}
	}
	if err := bw.Flush(); err != nil && code == exitOK {
		fmt.Fprintf(stderr, "wirestat: write report: %v\n", err)
		code = exitOutput
	}
	if outFile != nil {
		if err := outFile.Close(); err != nil && code == exitOK {
			fmt.Fprintf(stderr, "wirestat: write report: %v\n", err)
			code = exitOutput
		}
	}
	if notes != nil && res != nil && runErr == nil && code == exitOK {
		notes.Findings(res.Findings)
		if err := writeAnnotated(o.annotate, o.reads, notes); err != nil {
			fmt.Fprintf(stderr, "wirestat: --annotate %s: %v\n", o.annotate, err)
			code = exitOutput
		}
	}
	switch {
	case errors.Is(runErr, reconstruct.ErrUnreadable):
		fmt.Fprintf(stderr, "wirestat: %s: %v\n", strings.Join(cfg.Sources, ", "), runErr)
		return exitInput
	case runErr != nil:
		fmt.Fprintf(stderr, "wirestat: %v\n", runErr)
		return exitInput
	}
	return code
}

// writeAnnotated reads the capture files again and writes them to path as
// pcapng with the notes as packet comments.
func writeAnnotated(path string, files []string, notes *annotate.Notes) error {
	src, err := capture.Open(files, capture.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := annotate.Write(f, src, notes); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// parseAt reads --at: an RFC 3339 time, epoch seconds, or +SECONDS (a
// duration like +90s also works) relative to the first packet.
func parseAt(s string) (time.Time, time.Duration, error) {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		if d, err := time.ParseDuration(rest); err == nil {
			return time.Time{}, d, nil
		}
		f, err := strconv.ParseFloat(rest, 64)
		if err != nil || f < 0 {
			return time.Time{}, 0, errors.New("want +SECONDS or +DURATION")
		}
		return time.Time{}, time.Duration(f * float64(time.Second)), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, 0, errors.New("want RFC 3339 time, epoch seconds or +SECONDS")
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), 0, nil
}
