package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture/live"
	"github.com/wirestat/wirestat/reconstruct/capture/rotate"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/report"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

type options struct {
	reads        files
	iface        string
	listIfaces   bool
	format       string
	out          string
	save         string
	count        int64
	duration     time.Duration
	snaplen      int
	msl          float64
	at           string
	top          int
	states       files
	role         string
	verbose      bool
	noResolve    bool
	findingsOnly bool
	quiet        bool
	version      bool
	man          bool
	idle         time.Duration
	maxConns     int
	filter       string
	annotate     string
	reassemble   bool
	workers      int
	thresholds   files
	thrFile      string
	listThr      bool
	bufferKiB    int
	ports        *decode.PortMap // --decode-as; nil: tshark's defaults
	companion    companionOptions
	interval     time.Duration // live: refresh and flush period
	noStates     bool          // live stream: no "state" events
	metrics      string        // live: serve Prometheus metrics on this address
	runAs        string        // -Z: drop root to this user once the capture is open
	creds        live.Credentials
	rotation     rotate.Options // -C, -G, -W
	noView       bool           // live on a terminal: no live view

	set map[string]bool // flags given on the command line, by name
}

// newFlagSet defines every flag. The -h text and the man page
// (docs/wirestat.1, from --man) are both printed from these definitions,
// in the order of helpOrder.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("wirestat", flag.ContinueOnError)
	fs.Var(&o.reads, "r", "read packets from `FILE`: pcap or pcapng, optionally compressed with gzip, zstd, xz, bzip2 or lz4 (detected by content); - for standard input; repeatable, the files are one capture in the order given")
	fs.StringVar(&o.iface, "i", "", "capture live on `IFACE` (a name, any, or a number from -D); Ctrl-C ends the capture and writes the report")
	fs.BoolVar(&o.listIfaces, "D", false, "list the interfaces -i can capture on, numbered as tcpdump -D does, and exit")
	fs.StringVar(&o.format, "F", "text", "output `format`: "+strings.Join(report.Formats(), ", "))
	fs.StringVar(&o.format, "format", "text", "same as -F")
	fs.StringVar(&o.out, "o", "", "write the report to `FILE` instead of standard output (- is standard output); not created when no input could be read")
	fs.StringVar(&o.save, "w", "", "also save the packets to `FILE` (pcap, nanosecond timestamps): live, every packet captured; with -r, the packets that pass the filter, with their link type and timestamps, as tcpdump -r -w does")
	fs.Func("C", "with -w: start a new file once the current one holds more than `SIZE` (millions of bytes, or with a k, m or g suffix KiB, MiB, GiB), as tcpdump -C: the files after the first are named FILE1, FILE2...", func(v string) error {
		n, err := parseSize(v)
		o.rotation.Size = n
		return err
	})
	fs.Func("G", "with -w: start a new file every `SECONDS` of packet time, as tcpdump -G; FILE is a strftime pattern (%Y%m%d-%H%M%S...) of the local time of each file's first packet", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return errors.New("want a positive number of seconds")
		}
		o.rotation.Every = time.Duration(n) * time.Second
		return nil
	})
	fs.IntVar(&o.rotation.Count, "W", 0, "with -C: keep a ring of `COUNT` files (FILE0..., overwritten in turn); with -G alone: stop after COUNT files, as tcpdump -W")
	fs.Int64Var(&o.count, "c", 0, "stop after `COUNT` packets (that pass the filter)")
	fs.Int64Var(&o.count, "count", 0, "same as -c")
	fs.DurationVar(&o.duration, "duration", 0, "live capture: stop after this `duration` (e.g. 30s)")
	fs.DurationVar(&o.interval, "interval", time.Second, "live capture: write the event stream's summary line and flush it (jsonl) every `D`")
	fs.StringVar(&o.metrics, "metrics", "", "live capture: serve Prometheus metrics at http://`ADDR`/metrics (e.g. :9183 or 127.0.0.1:9183), refreshed every --interval")
	fs.StringVar(&o.runAs, "Z", "", "live capture: once the capture socket (and --metrics) is open, drop root and run as `USER`, its group and supplementary groups, as tcpdump -Z; files (-o, -w) are then created as USER")
	fs.BoolVar(&o.noView, "no-view", false, "live capture on a terminal: no live view, only the final report")
	fs.BoolVar(&o.noStates, "no-state-events", false, "live event stream: leave out the line per state change (connections, findings and summaries remain)")
	fs.IntVar(&o.bufferKiB, "B", live.DefaultBufferSize>>10, "live capture: kernel ring buffer `SIZE` in KiB, as tcpdump -B (per socket with --workers)")
	fs.IntVar(&o.snaplen, "s", 0, "live capture: keep at most `SNAPLEN` bytes of each packet (0 or unset: 262144, as tcpdump)")
	fs.Var(&o.states, "state", "select endpoints in `STATE`, as ss does: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing, unknown, or a group: all, connected, synchronized, bucket, big; repeatable; \"state NAME\" in the filter expression works too")
	fs.StringVar(&o.role, "role", "", "select only the `ROLE` side of each connection: client or server")
	fs.StringVar(&o.at, "at", "", "report the states as of `TIME`: RFC 3339, epoch seconds, or +SECONDS from the first packet")
	fs.IntVar(&o.top, "top", report.DefaultTopN, "text and html formats: show at most `N` endpoints, listeners and findings (most interesting first, after the digest of all findings); -1 for all")
	fs.BoolVar(&o.verbose, "v", false, "text format: list every state transition of each connection shown (json and jsonl always carry them)")
	fs.BoolVar(&o.verbose, "vv", false, "same as -v")
	fs.BoolVar(&o.noResolve, "n", false, "accepted for tcpdump habits: wirestat never resolves addresses or ports to names")
	fs.BoolVar(&o.noResolve, "nn", false, "same as -n")
	fs.BoolVar(&o.findingsOnly, "findings-only", false, "print only the findings (csv: one row per finding; zeek, zeek-json: a Zeek notice.log)")
	fs.Float64Var(&o.msl, "msl", 60, "maximum segment lifetime in `seconds`; TIME_WAIT lasts 2*MSL (Linux 60, Windows 120)")
	fs.DurationVar(&o.idle, "idle-timeout", time.Hour, "hand out an attempt that never completed its handshake after this `long` without packets (capture time); established connections are never split on time")
	fs.IntVar(&o.maxConns, "max-conns", 1_000_000, "bound on connections (and on remembered finished 4-tuples) tracked at `once`; the least recently active are evicted and counted")
	fs.Var(&o.thresholds, "threshold", "set a finding threshold, `NAME=VALUE` (e.g. time-wait-threshold=50); repeatable; see --thresholds")
	fs.StringVar(&o.thrFile, "thresholds-file", "", "read finding thresholds from `FILE` (NAME=VALUE per line, # comments)")
	fs.BoolVar(&o.listThr, "thresholds", false, "list the finding thresholds with their defaults and exit")
	o.companion.flags(fs)
	fs.Func("decode-as", "decode UDP `TUNNEL=PORT[,PORT...],...` as that tunnel (vxlan, vxlan-gpe, geneve, gtp, teredo, ayiya, l2tp; none=PORT stops one), as tshark's Decode As, whose default ports it starts from; repeatable", func(s string) error {
		if o.ports == nil {
			m := decode.DefaultPorts()
			o.ports = &m
		}
		return o.ports.ParseDecodeAs(s)
	})
	fs.StringVar(&o.annotate, "annotate", "", "also write the capture as pcapng to `FILE` with a comment on every frame that changed a state or is evidence of a finding (offline files only)")
	fs.BoolVar(&o.reassemble, "reassemble", false, "measure missed bytes by payload reassembly (gopacket/tcpassembly) instead of sequence-number holes")
	fs.IntVar(&o.workers, "workers", 1, "`N` connection trackers: above 1, reading and decoding, N trackers sharing the connections by 4-tuple, and the report run at once (same output)")
	fs.BoolVar(&o.quiet, "q", false, "quiet: no warnings or progress on standard error (progress is shown only when standard error is a terminal)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.BoolVar(&o.man, "man", false, "print the man page (roff) and exit")
	return fs
}

// helpOrder lists the flags in the order -h and the man page show them;
// aliases name each alias's flag, and hidden flags are in neither.
var (
	helpOrder = []string{
		"r", "i", "D", "F", "o", "w", "C", "G", "W", "c", "duration", "interval", "no-view", "no-state-events", "metrics", "Z", "s", "B",
		"state", "role", "at", "top", "v", "n", "findings-only",
		"msl", "idle-timeout", "max-conns",
		"threshold", "thresholds-file", "thresholds",
		"annotate", "follow", "follow-mode", "stream", "community-id-seed",
		"decode-as", "reassemble", "workers", "q", "version",
	}
	aliases = map[string]string{"format": "F", "count": "c", "vv": "v", "nn": "n"}
	hidden  = map[string]bool{"man": true}
)

// parseSize reads -C: millions of bytes, or KiB, MiB, GiB with a k, m or
// g suffix, as tcpdump does.
func parseSize(v string) (int64, error) {
	unit := int64(1_000_000)
	switch {
	case strings.HasSuffix(v, "k"), strings.HasSuffix(v, "K"):
		unit = 1 << 10
	case strings.HasSuffix(v, "m"), strings.HasSuffix(v, "M"):
		unit = 1 << 20
	case strings.HasSuffix(v, "g"), strings.HasSuffix(v, "G"):
		unit = 1 << 30
	}
	if unit != 1_000_000 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		return 0, errors.New("want a positive size: millions of bytes, or a number with k, m or g")
	}
	return n * unit, nil
}

// spelled writes a flag name as users type it: -x for one letter or a
// letter repeated (-nn, -vv, as tcpdump), --name otherwise.
func spelled(name string) string {
	if strings.Count(name, name[:1]) == len(name) {
		return "-" + name
	}
	return "--" + name
}

// flagNames returns the spellings of a flag and its aliases ("-c, --count").
func flagNames(name string) []string {
	names := []string{spelled(name)}
	for _, a := range slices.Sorted(maps.Keys(aliases)) {
		if aliases[a] == name {
			names = append(names, spelled(a))
		}
	}
	return names
}

// defaultShown is the default printed after a flag's usage, or "" when
// the zero value is the default.
func defaultShown(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]":
		return ""
	}
	return f.DefValue
}

const synopsis = `wirestat -r FILE [-r FILE ...] [options] [filter expression]
wirestat -i IFACE [options] [filter expression]
wirestat -D`

const description = `Reconstructs every TCP connection in a capture and infers the RFC 793/9293
state of both endpoints (netstat from the wire). Several -r files are one
capture in the given order; "-r -" reads standard input. The filter
expression uses tcpdump syntax and may come before or after the options.
wirestat never resolves addresses or ports to names: -n and -nn are accepted
and change nothing.`

var exitCodes = [][2]string{
	{"0", "report written (warnings on standard error allowed)"},
	{"1", "usage error: a bad flag or value, a filter that does not compile, an unknown -Z user, a --metrics address that cannot be listened on"},
	{"2", "the input could not be read at all (no report is written)"},
	{"3", "the report, the -w capture or the --annotate file could not be written"},
	{"4", "the live interface could not be opened, or -Z could not drop privileges"},
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n\noptions:\n", strings.ReplaceAll(synopsis, "\n", "\n       "), description)
	for _, name := range helpOrder {
		f := fs.Lookup(name)
		arg, text := flag.UnquoteUsage(f)
		line := "  " + strings.Join(flagNames(name), ", ")
		if arg != "" {
			line += " " + arg
		}
		if d := defaultShown(f); d != "" {
			text += " (default " + d + ")"
		}
		fmt.Fprintf(w, "%s\n%s\n", line, wrap(text, "        ", 80))
	}
	fmt.Fprintf(w, "\nexit codes:\n")
	for _, c := range exitCodes {
		fmt.Fprintf(w, "  %s  %s\n", c[0], c[1])
	}
}

// wrap breaks text into lines of at most width columns, each starting
// with indent.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(text) {
		if col > 0 && col+1+len(word) > width {
			b.WriteByte('\n')
			col = 0
		}
		if col == 0 {
			b.WriteString(indent)
			col = len(indent)
		} else {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// roff escapes text for a man page: backslashes, dashes, and a leading
// dot or quote.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// manPage writes docs/wirestat.1 from the flag definitions.
func manPage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, ".\\\" Generated by wirestat --man (go generate ./cmd/wirestat); do not edit.\n")
	fmt.Fprintf(w, ".TH WIRESTAT 1 \"\" \"wirestat\" \"User Commands\"\n")
	fmt.Fprintf(w, ".SH NAME\nwirestat \\- netstat from the wire: the TCP state of both endpoints of every connection in a capture\n")
	fmt.Fprintf(w, ".SH SYNOPSIS\n")
	for _, line := range strings.Split(synopsis, "\n") {
		fmt.Fprintf(w, ".B %s\n.br\n", roff(line))
	}
	fmt.Fprintf(w, ".SH DESCRIPTION\n%s\n", roff(strings.ReplaceAll(description, "\n", " ")))
	fmt.Fprintf(w, ".SH OPTIONS\n")
	for _, name := range helpOrder {
		f := fs.Lookup(name)
		arg, text := flag.UnquoteUsage(f)
		var spell []string
		for _, n := range flagNames(name) {
			spell = append(spell, `\fB`+roff(n)+`\fR`)
		}
		head := strings.Join(spell, ", ")
		if arg != "" {
			head += ` \fI` + roff(arg) + `\fR`
		}
		if d := defaultShown(f); d != "" {
			text += " (default " + d + ")"
		}
		fmt.Fprintf(w, ".TP\n%s\n%s\n", head, roff(text))
	}
	fmt.Fprintf(w, ".SH EXIT STATUS\n")
	for _, c := range exitCodes {
		fmt.Fprintf(w, ".TP\n%s\n%s\n", c[0], roff(c[1]))
	}
	fmt.Fprintf(w, ".SH EXAMPLES\n")
	for _, ex := range [][2]string{
		{"wirestat -r capture.pcap.zst", "the endpoint table, states by role, listeners and findings"},
		{"wirestat -r capture.pcap --state close-wait --role server", "only the servers sitting in CLOSE_WAIT"},
		{"wirestat -r capture.pcap --at +30 state time-wait", "the TIME_WAIT endpoints 30 seconds into the capture"},
		{"wirestat -r capture.pcap -F zeek-json -o conn.json", "Zeek's JSON conn.log"},
		{"wirestat -r capture.pcap -w port80.pcap tcp port 80", "the packets of port 80 saved, as tcpdump -r -w does"},
		{"wirestat -i eth0", "on a terminal: the live view, refreshed every second; q prints the final report"},
		{"wirestat -i eth0 --no-state-events | jq 'select(.type==\"finding_raised\")'", "findings as they are raised, from the event stream"},
		{"wirestat -i eth0 -Z nobody --metrics :9183 -w ring.pcap -C 100 -W 50 -F json -o /dev/null", "a sensor: Prometheus metrics, a ring of 50 files of 100 MB, running as nobody"},
	} {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roff(ex[0]), roff(ex[1]))
	}
	fmt.Fprintf(w, ".SH SEE ALSO\n.BR tcpdump (1),\n.BR tshark (1),\n.BR ss (8),\n.BR zeek (8)\n")
}
