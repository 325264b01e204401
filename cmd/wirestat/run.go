package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
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
	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/livestream"
	"github.com/wirestat/wirestat/reconstruct/metrics"
	"github.com/wirestat/wirestat/reconstruct/report"
	"github.com/wirestat/wirestat/reconstruct/result"
	"golang.org/x/sys/unix"
)

// Exit codes.
const (
	exitOK         = 0 // report written (warnings on stderr allowed)
	exitUsage      = 1 // bad flags, bad filter expression
	exitInput      = 2 // the input could not be read at all
	exitOutput     = 3 // the report, the -w capture or the --annotate file could not be written
	exitLiveFailed = 4 // the live interface could not be opened
)

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
		case o.man:
			manPage(newFlagSet(&options{}), stdout)
			return exitOK
		case o.listThr:
			for _, st := range findings.Settings() {
				fmt.Fprintf(stdout, "%-26s %-9s %s\n", st.Name, st.Kind, st.Default)
			}
			return exitOK
		case o.listIfaces:
			err = listInterfaces(stdout)
		default:
			err = analyse(ctx, &o, stdout, stderr)
		}
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

// listInterfaces prints the interfaces as tcpdump -D does:
// "1.eth0 [Up, Running]".
func listInterfaces(stdout io.Writer) error {
	ifs, err := live.ListInterfaces()
	if err != nil {
		return fail(exitLiveFailed, "%v", err)
	}
	for i, nif := range ifs {
		line := strconv.Itoa(i+1) + "." + nif.Name
		if nif.Description != "" {
			line += " (" + nif.Description + ")"
		}
		if f := nif.Flags(); len(f) > 0 {
			line += " [" + strings.Join(f, ", ") + "]"
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

// parseOptions parses the command line. Options may follow the filter
// expression's words, as with GNU tcpdump: parse, set aside the words, and
// parse what follows them. "state NAME" words are taken out of the
// expression as --state NAME, as ss reads them. It returns flag.ErrHelp
// for -h.
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
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		name := f.Name
		if a, ok := aliases[name]; ok {
			name = a
		}
		o.set[name] = true
	})
	for i := 0; i < len(words); i++ {
		if words[i] == "state" && i+1 < len(words) {
			o.states = append(o.states, words[i+1])
			words = slices.Delete(words, i, i+2)
			i--
		}
	}
	o.filter = strings.Join(words, " ")
	if o.version || o.man || o.listThr || o.listIfaces {
		return o, nil
	}
	return o, o.validate()
}

// validate refuses what makes no sense, each problem in one line.
func (o *options) validate() error {
	isLive := o.iface != ""
	switch {
	case (len(o.reads) == 0) == !isLive:
		return fail(exitUsage, "give either -r FILE or -i IFACE (see wirestat -h)")
	case o.annotate != "" && (isLive || slices.Contains(o.reads, "-")):
		return fail(exitUsage, "--annotate reads the capture files twice: it needs -r FILE, not standard input or -i (save with -w first)")
	case o.set["c"] && o.count <= 0:
		return fail(exitUsage, "-c %d: the packet count must be positive", o.count)
	case o.set["duration"] && !isLive:
		return fail(exitUsage, "--duration ends a live capture: it needs -i (use -c or --at to stop early in a file)")
	case o.set["duration"] && o.duration <= 0:
		return fail(exitUsage, "--duration %v: must be positive", o.duration)
	case (o.set["C"] || o.set["G"] || o.set["W"]) && o.save == "":
		return fail(exitUsage, "-C, -G and -W rotate the -w file: they need -w FILE")
	case o.set["W"] && !o.set["C"] && !o.set["G"]:
		return fail(exitUsage, "-W %d: it counts the files of -C or -G", o.rotation.Count)
	case o.set["W"] && o.rotation.Count <= 0:
		return fail(exitUsage, "-W %d: the file count must be positive", o.rotation.Count)
	case o.set["G"] && o.rotation.Every < time.Second:
		return fail(exitUsage, "-G: want a positive number of seconds")
	case o.runAs != "" && !isLive:
		return fail(exitUsage, "-Z drops root once a live capture is open: it needs -i")
	case o.metrics != "" && !isLive:
		return fail(exitUsage, "--metrics serves a live capture's figures: it needs -i")
	case o.set["interval"] && !isLive:
		return fail(exitUsage, "--interval paces a live capture's output: it needs -i")
	case o.interval < 10*time.Millisecond:
		return fail(exitUsage, "--interval %v: want at least 10ms", o.interval)
	case o.set["B"] && !isLive:
		return fail(exitUsage, "-B sets the live capture's buffer size: it needs -i")
	case o.bufferKiB <= 0:
		return fail(exitUsage, "-B %d: the buffer size in KiB must be positive", o.bufferKiB)
	case o.set["s"] && !isLive:
		return fail(exitUsage, "-s sets the live capture's snapshot length: it needs -i")
	case o.snaplen < 0 || o.snaplen > live.DefaultSnaplen:
		return fail(exitUsage, "-s %d: the snapshot length must be between 0 and %d", o.snaplen, live.DefaultSnaplen)
	case !(o.msl > 0) || math.IsInf(o.msl, 0):
		return fail(exitUsage, "--msl must be positive")
	case o.top == 0 || o.top < -1:
		return fail(exitUsage, "--top %d: want a positive number of rows, or -1 for all", o.top)
	case o.workers < 1 || o.workers > reconstruct.MaxWorkers:
		return fail(exitUsage, "--workers %d: want 1 to %d", o.workers, reconstruct.MaxWorkers)
	case o.idle <= 0:
		return fail(exitUsage, "--idle-timeout %v: must be positive", o.idle)
	case o.maxConns <= 0:
		return fail(exitUsage, "--max-conns %d: must be positive", o.maxConns)
	case o.role != "" && o.role != "client" && o.role != "server":
		return fail(exitUsage, "--role %q: want client or server", o.role)
	}
	if _, err := report.ParseStates(o.states); err != nil {
		return fail(exitUsage, "--state: %v", err)
	}
	if o.runAs != "" {
		c, err := live.LookupUser(o.runAs)
		if err != nil {
			return fail(exitUsage, "-Z: %v", err)
		}
		o.creds = c
	}
	if _, err := report.ForFormat(o.format, io.Discard, report.Options{}); err != nil {
		return fail(exitUsage, "%v", err)
	}
	// Refuse to write over an input.
	for _, out := range []struct{ flag, path string }{{"-o", o.out}, {"-w", o.save}, {"--annotate", o.annotate}} {
		if out.path == "" || out.path == "-" {
			continue
		}
		for _, in := range o.reads {
			if sameFile(in, out.path) {
				return fail(exitUsage, "%s %s would overwrite the input %s", out.flag, out.path, in)
			}
		}
	}
	if o.save != "" && o.save == o.out && o.out != "-" {
		return fail(exitUsage, "-w and -o name the same file %s", o.save)
	}
	return o.companion.validate(o)
}

// sameFile reports whether a and b name one existing file.
func sameFile(a, b string) bool {
	if a == "-" {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// config turns the options into the analysis configuration: timers,
// thresholds, --at, and warnings on stderr (clearing the progress line
// first when it is shown).
func (o *options) config(stderr io.Writer, showProgress bool) (reconstruct.Config, error) {
	cfg := reconstruct.Config{
		Filter:          o.filter,
		Count:           o.count,
		Reassemble:      o.reassemble,
		Workers:         o.workers,
		Version:         version(),
		CommunityIDSeed: o.companion.communityIDSeed,
		Flow: flow.Config{
			MSL: time.Duration(o.msl * float64(time.Second)),
			// Without --msl, each endpoint keeps TIME_WAIT as long as its
			// fingerprinted OS does by default.
			OSTimeWait:  !o.set["msl"],
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
	if o.iface != "" {
		// A live capture ends now, not at its last packet: a CLOSE_WAIT
		// lasts until the wall clock at the end.
		cfg.Findings.Now = time.Now
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

// interfaceName resolves -i N, a number from -D, when no interface has
// that name.
func interfaceName(name string) string {
	n, err := strconv.Atoi(name)
	if err != nil || n < 1 {
		return name
	}
	ifs, err := live.ListInterfaces()
	if err != nil || n > len(ifs) || slices.ContainsFunc(ifs, func(i live.Interface) bool { return i.Name == name }) {
		return name
	}
	return ifs[n-1].Name
}

// source opens the capture files or the live interface, and the -w file,
// and names the inputs in cfg. finish closes what was opened and reports a
// -w file that could not be written completely. stop ends the run (ctx's
// cancel): -G with -W calls it once its files are written.
func (o *options) source(ctx context.Context, stop func(), cfg *reconstruct.Config, stderr io.Writer) (src capture.Source, finish func(keep bool) error, err error) {
	var closeSrc func()
	var link uint16 // the -w file's link type; 0: the first packet's
	if o.iface == "" {
		s, err := capture.Open(o.reads, capture.Options{ReadAhead: true})
		if err != nil {
			return nil, nil, fail(exitInput, "%v", err)
		}
		cfg.Sources = o.reads
		src, closeSrc = s, func() { s.Close() }
	} else {
		name := interfaceName(o.iface)
		// The filter runs in the kernel; Run sees only the packets it selects.
		ls, err := live.Open(ctx, name, live.Options{Snaplen: o.snaplen, Filter: cfg.Filter, BufferSize: o.bufferKiB << 10, Sockets: o.workers, Wake: true})
		if errors.Is(err, filter.ErrInvalid) || errors.Is(err, filter.ErrNoCompiler) {
			return nil, nil, fail(exitUsage, "%v", err)
		} else if err != nil {
			return nil, nil, fail(exitLiveFailed, "%v", err)
		}
		cfg.Sources, cfg.Filter, cfg.Clock = []string{name}, "", ls
		src, closeSrc, link = ls, func() { ls.Close() }, ls.LinkType()
	}
	if o.save == "" {
		return src, func(bool) error { closeSrc(); return nil }, nil
	}
	sv := newSaver(o.save, link, o.snaplen, o.rotation, stderr)
	sv.limit = stop
	cfg.Packet = sv.packet
	return src, func(keep bool) error {
		closeSrc()
		if err := sv.close(keep); err != nil {
			// Already named on stderr when it happened.
			return &failure{code: exitOutput}
		}
		return nil
	}, nil
}

// analyse runs the analysis the options ask for and writes its report.
// Problems come back as a *failure; the report of whatever was read is
// written first whenever it can be. When no input could be read at all,
// no report is written and no -o file created.
func analyse(ctx context.Context, o *options, stdout, stderr io.Writer) (err error) {
	showProgress := !o.quiet && o.iface == "" && isTerminal(stderr)
	cfg, err := o.config(stderr, showProgress)
	if err != nil {
		return err
	}
	if err := o.checkOutputs(); err != nil {
		return err
	}
	if o.iface != "" && o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	src, finish, err := o.source(ctx, stop, &cfg, stderr)
	if err != nil {
		return err
	}
	defer func() {
		// No -w file either when no input could be read.
		var f *failure
		keep := !errors.As(err, &f) || f.code != exitInput
		if ferr := finish(keep); ferr != nil && err == nil {
			err = ferr
		}
	}()
	if o.companion.active() {
		return o.companion.view(ctx, o, cfg, src, stdout)
	}

	stream := o.streaming(stdout)
	out, err := o.output(stdout)
	if err != nil {
		return err
	}
	var lo liveOutputs
	if stream {
		lo.ev = livestream.New(out.bw)
	}
	if o.metrics != "" {
		lo.exp = metrics.New()
		stop, err := serveMetrics(o.metrics, lo.exp)
		if err != nil {
			return err
		}
		defer stop()
	}
	var view *runningView
	if o.viewing(stream, stdout) {
		if view, err = openView(ctx, stop, &cfg, &lo); err != nil {
			// No view then: the final report still comes.
			fmt.Fprintf(stderr, "wirestat: warning: %v\n", err)
		} else {
			defer view.close() // also when panicking: the terminal is restored
		}
	}
	if lo != (liveOutputs{}) {
		watchLive(&cfg, o, src, out, lo)
	}
	if o.runAs != "" {
		// The capture socket and the metrics listener are open: root is
		// no longer needed.
		if err := live.DropPrivileges(o.creds); err != nil {
			return fail(exitLiveFailed, "-Z: %v", err)
		}
	}
	var notes *annotate.Notes
	if o.annotate != "" {
		notes = annotate.NewNotes()
		cfg.OnConnection = func(c *finished.Conn, _ *result.Connection) { notes.Connection(c) }
	}

	var stopProgress, progressDone chan struct{}
	if p, ok := src.(capture.Progresser); ok && showProgress {
		stopProgress, progressDone = make(chan struct{}), make(chan struct{})
		go progress(stderr, p, 500*time.Millisecond, stopProgress, progressDone)
	}
	watch := newWatcher(src, cfg.Warn)
	res, runErr := reconstruct.Run(ctx, watch, cfg, out)
	if view != nil {
		// The terminal is back before the final report.
		view.wait()
		view.close()
	}
	if stopProgress != nil {
		close(stopProgress)
		<-progressDone
	}
	if errors.Is(runErr, reconstruct.ErrFilter) {
		return fail(exitUsage, "%v", runErr)
	}
	if errors.Is(runErr, reconstruct.ErrUnreadable) {
		// Nothing to report: no partial, empty report.
		return fail(exitInput, "%s: %v", strings.Join(cfg.Sources, ", "), runErr)
	}
	if res != nil {
		complete(res, &cfg, src, watch)
	}

	// Write the report, then say what went wrong reading, if anything.
	var writeErr error
	if out.err != nil && runErr == out.err {
		runErr, writeErr = nil, fail(exitOutput, "%v", out.err)
		out.discard()
	} else {
		writeErr = out.close(res)
	}
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
	return fail(exitInput, "%v", runErr)
}

// complete adds to res what Run could not know: the watcher's warnings,
// an --at outside the capture, and the live capture's counters.
func complete(res *result.Result, cfg *reconstruct.Config, src capture.Source, watch *watcher) {
	res.Capture.Warnings = append(res.Capture.Warnings, watch.warnings...)
	if w := atWarning(cfg, res, watch); w != "" {
		if cfg.Warn != nil {
			cfg.Warn(w)
		}
		res.Capture.Warnings = append(res.Capture.Warnings, w)
	}
	if ls, ok := src.(*live.Source); ok {
		if c, err := ls.Counts(); err == nil {
			res.Capture.Stats = &result.LiveStats{Received: c.Received, Dropped: c.Dropped, KernelDropped: c.KernelDropped, QueueDropped: c.QueueDropped}
		}
	}
}

// atWarning says when --at lies outside the packets read.
func atWarning(cfg *reconstruct.Config, res *result.Result, watch *watcher) string {
	at := res.Capture.At
	if at == nil || watch.first.IsZero() {
		return ""
	}
	const layout = "2006-01-02 15:04:05.000 MST"
	switch {
	case at.Before(watch.first):
		return fmt.Sprintf("--at %s is before the first packet (%s): no connection had started", at.UTC().Format(layout), watch.first.UTC().Format(layout))
	case at.After(watch.last) && (cfg.Count == 0 || res.Capture.Packets < cfg.Count):
		// The run read to the end without meeting a packet after --at.
		return fmt.Sprintf("--at %s is after the last packet (%s): the states are those at the end of the capture, aged to --at", at.UTC().Format(layout), watch.last.UTC().Format(layout))
	}
	return ""
}

// output is where the report goes: standard output or the -o file,
// buffered. It is the Sink of the run: it remembers the first error of
// writing a connection, so a write failure is not taken for a read
// failure.
type output struct {
	file *lazyFile // nil for standard output
	bw   *bufio.Writer
	w    report.Writer
	err  error // first error from w.Connection
}

// Connection implements reconstruct.Sink.
func (out *output) Connection(c *result.Connection) error {
	if out.err != nil {
		return out.err
	}
	out.err = out.w.Connection(c)
	return out.err
}

// checkOutputs refuses at once an output file that could not be
// created, so a long analysis does not end in a write error. The files
// themselves are created when their first bytes are written.
func (o *options) checkOutputs() error {
	for _, out := range []struct{ flag, path string }{{"-o", o.out}, {"-w", o.save}, {"--annotate", o.annotate}} {
		if out.path == "" || out.path == "-" && out.flag == "-o" {
			continue
		}
		if err := writable(out.path); err != nil {
			return fail(exitOutput, "%s %s: %v", out.flag, out.path, err)
		}
	}
	return nil
}

// writable reports why path could not be created or written, if so.
func writable(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return errors.New("is a directory")
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("no directory %s", dir)
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fmt.Errorf("cannot create a file in %s: %v", dir, err)
	}
	return nil
}

func (o *options) output(stdout io.Writer) (*output, error) {
	out := &output{}
	dst := stdout
	if o.out != "" && o.out != "-" {
		out.file = &lazyFile{path: o.out}
		dst = out.file
	}
	out.bw = bufio.NewWriterSize(dst, 64<<10)
	states, _ := report.ParseStates(o.states) // checked by validate
	w, err := report.ForFormat(o.format, out.bw, report.Options{
		FindingsOnly: o.findingsOnly,
		TopN:         o.top,
		Verbose:      o.verbose,
		Select:       report.Selection{States: states, Role: o.role},
		Tool:         result.Tool{Name: "wirestat", Version: version()},
	})
	if err != nil {
		return nil, fail(exitUsage, "%v", err)
	}
	out.w = w
	return out, nil
}

// close writes the rest of the report of res (none when res is nil),
// flushes, creates the -o file if nothing was written yet, and closes. It
// returns the first problem.
func (out *output) close(res *result.Result) error {
	var err error
	if res != nil {
		err = out.w.Close(res) // its errors say "write report"
	}
	if ferr := out.bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write report: %w", ferr)
	}
	if out.file != nil && !out.file.created() && err == nil {
		if _, werr := out.file.Write(nil); werr != nil {
			err = fmt.Errorf("write report: %w", werr)
		}
	}
	if out.file != nil {
		if cerr := out.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write report: %w", cerr)
		}
	}
	if err != nil {
		return fail(exitOutput, "%v", err)
	}
	return nil
}

// discard closes the -o file after a failed write without writing more.
func (out *output) discard() {
	if out.file != nil {
		out.file.Close()
	}
}

// watcher passes the packets of a Source on and notes what the run cannot
// see: the time range of the packets read (including the one after --at
// that ends the run) and a file that starts before the previous one ended
// (files given out of time order), which it warns about through warn as
// it happens.
type watcher struct {
	capture.Source
	warn        func(string)
	file        string
	fileLast    time.Time // latest packet time of the current file
	first, last time.Time
	warnings    []string
}

func newWatcher(src capture.Source, warn func(string)) *watcher {
	return &watcher{Source: src, warn: warn}
}

// Next implements capture.Source.
func (w *watcher) Next() (capture.Packet, error) {
	p, err := w.Source.Next()
	if err != nil {
		return p, err
	}
	ts := p.Timestamp
	if p.File != w.file {
		if w.file != "" && !w.fileLast.IsZero() && ts.Before(w.fileLast) {
			msg := fmt.Sprintf("%s starts at %s, before the end of %s (%s): files are read in the order given, so give them in time order",
				p.File, ts.UTC().Format(time.RFC3339Nano), w.file, w.fileLast.UTC().Format(time.RFC3339Nano))
			w.warnings = append(w.warnings, msg)
			if w.warn != nil {
				w.warn(msg)
			}
		}
		w.file, w.fileLast = p.File, ts
	}
	if ts.After(w.fileLast) {
		w.fileLast = ts
	}
	if w.first.IsZero() {
		w.first = ts
	}
	if ts.After(w.last) {
		w.last = ts
	}
	return p, nil
}

// writeAnnotated reads the capture files again and writes them to path as
// pcapng with the notes as packet comments.
func writeAnnotated(path string, files []string, notes *annotate.Notes) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := annotate.WriteFiles(f, files, notes); err != nil {
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
