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
	"github.com/wirestat/wirestat/reconstruct/decode"
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
	ports        *decode.PortMap // --decode-as; nil: tshark's defaults
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
	fs.Func("decode-as", "decode UDP `TUNNEL=PORT[,PORT...],...` as that tunnel (vxlan, vxlan-gpe, geneve, gtp, teredo, ayiya, l2tp; none=PORT stops one), as tshark's Decode As; defaults "+decode.DefaultPorts().String()+"; repeatable", func(s string) error {
		if o.ports == nil {
			m := decode.DefaultPorts()
			o.ports = &m
		}
		return o.ports.ParseDecodeAs(s)
	})
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

// failure ends the command: its message is the one line printed on
// standard error, after "wirestat: ", and code the exit code.
type failure struct {
	code int
	msg  string
}

func (f *failure) Error() string { return f.msg }

func fail(code int, format string, args ...any) *failure {
	return &failure{code: code, msg: fmt.Sprintf(format, args...)}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(newFlagSet(&options{}), stdout)
		return exitOK
	}
	if err == nil {
		switch {
		case o.version:
			fmt.Fprintf(stdout, "wirestat %s\n", version())
			return exitOK
		case o.listThr:
			for _, st := range findings.Settings() {
				fmt.Fprintf(stdout, "%-26s %-9s %s\n", st.Name, st.Kind, st.Default)
			}
			return exitOK
		}
		err = analyse(ctx, &o, stdout, stderr)
	}
	var f *failure
	if !errors.As(err, &f) {
		return exitOK
	}
	if f.msg != "" {
		fmt.Fprintf(stderr, "wirestat: %s\n", f.msg)
	}
	return f.code
}

// parseOptions parses the command line. Options may follow the filter
// expression's words, as with GNU tcpdump: parse, set aside the words, and
// parse what follows them. It returns flag.ErrHelp for -h.
func parseOptions(args []string) (options, error) {
	var o options
	fs := newFlagSet(&o)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return o, err
			}
			return o, fail(exitUsage, "%v (see wirestat -h)", err)
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
	o.filter = strings.Join(words, " ")
	switch {
	case o.version || o.listThr:
	case (len(o.reads) == 0) == (o.iface == ""):
		return o, fail(exitUsage, "give either -r FILE or -i IFACE (see wirestat -h)")
	case o.annotate != "" && (o.iface != "" || slices.Contains(o.reads, "-")):
		return o, fail(exitUsage, "--annotate reads the capture files twice: it needs -r FILE, not standard input or -i (save with -w first)")
	case o.msl <= 0:
		return o, fail(exitUsage, "--msl must be positive")
	}
	return o, nil
}

// config turns the options into the analysis configuration: timers,
// thresholds, --at, and warnings on stderr (clearing the progress line
// first when it is shown).
func (o *options) config(stderr io.Writer, showProgress bool) (reconstruct.Config, error) {
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
		Decode: decode.Config{Ports: o.ports},
	}
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
			return cfg, fail(exitUsage, "--thresholds-file: %v", err)
		}
		err = cfg.Findings.Load(f)
		f.Close()
		if err != nil {
			return cfg, fail(exitUsage, "%s: %v", o.thrFile, err)
		}
	}
	for _, pair := range o.thresholds {
		if err := cfg.Findings.SetPair(pair); err != nil {
			return cfg, fail(exitUsage, "--threshold: %v", err)
		}
	}
	if o.at != "" {
		at, rel, err := parseAt(o.at)
		if err != nil {
			return cfg, fail(exitUsage, "--at %q: %v", o.at, err)
		}
		cfg.At, cfg.AtOffset, cfg.AtRelative = at, rel, at.IsZero()
	}
	return cfg, nil
}

// source opens the capture files or the live interface (saving its
// packets with -w) and names them in cfg. finish closes what was opened
// and reports a -w file that could not be written completely.
func (o *options) source(ctx context.Context, cfg *reconstruct.Config, stderr io.Writer) (src capture.Source, finish func() error, err error) {
	if o.iface == "" {
		s, err := capture.Open(o.reads, capture.Options{ReadAhead: true})
		if err != nil {
			return nil, nil, fail(exitInput, "%v", err)
		}
		cfg.Sources = o.reads
		return s, func() error { s.Close(); return nil }, nil
	}
	ls, err := live.Open(ctx, o.iface, live.Options{})
	if err != nil {
		return nil, nil, fail(exitLiveFailed, "%v", err)
	}
	cfg.Sources = []string{o.iface}
	if o.save == "" {
		return ls, func() error { ls.Close(); return nil }, nil
	}
	sv, err := newSaver(o.save, ls.LinkType(), stderr)
	if err != nil {
		ls.Close()
		return nil, nil, fail(exitOutput, "-w %s: %v", o.save, err)
	}
	cfg.Packet = sv.packet
	return ls, func() error {
		ls.Close()
		if err := sv.close(); err != nil {
			// Already named on stderr when it happened.
			return &failure{code: exitOutput}
		}
		return nil
	}, nil
}

// analyse runs the analysis the options ask for and writes its report.
// Problems come back as a *failure; the report of whatever was read is
// written first whenever it can be.
func analyse(ctx context.Context, o *options, stdout, stderr io.Writer) (err error) {
	if _, err := report.ForFormat(o.format, io.Discard, report.Options{}); err != nil {
		return fail(exitUsage, "%v", err) // before any file is opened or created
	}
	showProgress := !o.quiet && o.iface == "" && isTerminal(stderr)
	cfg, err := o.config(stderr, showProgress)
	if err != nil {
		return err
	}
	if o.iface != "" && o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	src, finish, err := o.source(ctx, &cfg, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if ferr := finish(); ferr != nil && err == nil {
			err = ferr
		}
	}()

	out, err := o.output(stdout)
	if err != nil {
		return err
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
	res, runErr := reconstruct.Run(ctx, src, cfg, out.w)
	if stopProgress != nil {
		close(stopProgress)
		<-progressDone
	}
	if errors.Is(runErr, reconstruct.ErrFilter) {
		return fail(exitUsage, "%v", runErr)
	}
	if ls, ok := src.(*live.Source); ok && res != nil {
		if rcv, drop, err := ls.Stats(); err == nil {
			res.Capture.Stats = &result.LiveStats{Received: rcv, Dropped: drop}
		}
	}

	// Write the report, then say what went wrong reading, if anything.
	writeErr := out.close(res)
	if notes != nil && res != nil && runErr == nil && writeErr == nil {
		notes.Findings(res.Findings)
		if err := writeAnnotated(o.annotate, o.reads, notes); err != nil {
			writeErr = fail(exitOutput, "--annotate %s: %v", o.annotate, err)
		}
	}
	if runErr == nil {
		return writeErr
	}
	if writeErr != nil {
		fmt.Fprintf(stderr, "wirestat: %s\n", writeErr)
	}
	if errors.Is(runErr, reconstruct.ErrUnreadable) {
		return fail(exitInput, "%s: %v", strings.Join(cfg.Sources, ", "), runErr)
	}
	return fail(exitInput, "%v", runErr)
}

// output is where the report goes: standard output or the -o file,
// buffered.
type output struct {
	file *os.File // nil for standard output
	bw   *bufio.Writer
	w    report.Writer
}

func (o *options) output(stdout io.Writer) (*output, error) {
	out := &output{}
	dst := stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return nil, fail(exitOutput, "%v", err)
		}
		out.file, dst = f, f
	}
	out.bw = bufio.NewWriterSize(dst, 64<<10)
	w, err := report.ForFormat(o.format, out.bw, report.Options{
		FindingsOnly: o.findingsOnly,
		TopN:         o.top,
		Tool:         result.Tool{Name: "wirestat", Version: version()},
	})
	if err != nil {
		return nil, fail(exitUsage, "%v", err)
	}
	out.w = w
	return out, nil
}

// close writes the rest of the report of res (none when res is nil),
// flushes and closes, and returns the first problem.
func (out *output) close(res *result.Result) error {
	var err error
	if res != nil {
		err = out.w.Close(res)
	}
	if ferr := out.bw.Flush(); err == nil {
		err = ferr
	}
	if out.file != nil {
		if cerr := out.file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fail(exitOutput, "write report: %v", err)
	}
	return nil
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
