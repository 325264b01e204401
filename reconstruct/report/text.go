package report

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// The text writer prints a netstat-like report at Close. It has to see every
// connection before printing (the table is sorted and may be summarised), so
// it keeps one compact endpointRow per endpoint: no transitions, no history,
// and the two address strings of a connection shared by its two rows. With a
// row limit (Options.TopN, DefaultTopN by default) it keeps only the TopN
// most interesting rows in a bounded heap, so memory stays bounded however
// large the capture; with no limit it keeps them all.

// interest ranks the states an operator looks for first; lower is more
// interesting. States not listed rank after TIME_WAIT.
var interest = map[string]uint8{
	"CLOSE_WAIT":   0,
	"FIN_WAIT_2":   1,
	"SYN_SENT":     2,
	"SYN_RECEIVED": 3,
	"LAST_ACK":     4,
	"FIN_WAIT_1":   5,
	"CLOSING":      6,
	"TIME_WAIT":    7,
}

const rankOther = 8

// noSince marks an endpoint whose Since is unknown.
const noSince = math.MinInt64

// listLimit is how many streams or frames a finding shows before "+N more".
const listLimit = 8

// endpointRow is one line of the Endpoints table.
type endpointRow struct {
	stream      int64
	part        int32 // result.Connection.Part
	first, last int64
	since       int64 // Endpoint.Since in Unix nanoseconds, or noSince
	local       string
	foreign     string
	state       string
	rank        uint8
	server      bool
	v6          bool
	trans       []result.Transition // with Options.Verbose; shared by the connection's two rows
}

// byStream orders rows by stream, the client before the server.
func byStream(a, b *endpointRow) int {
	if c := cmp.Compare(a.stream, b.stream); c != 0 {
		return c
	}
	if c := cmp.Compare(a.part, b.part); c != 0 {
		return c
	}
	switch {
	case a.server == b.server:
		return 0
	case b.server:
		return -1
	}
	return 1
}

// byInterest orders rows by interest rank, then as byStream.
func byInterest(a, b *endpointRow) int {
	if c := cmp.Compare(a.rank, b.rank); c != 0 {
		return c
	}
	return byStream(a, b)
}

// rowHeap holds the most interesting rows seen so far with the least
// interesting on top, so it can be evicted when a better row arrives.
type rowHeap []endpointRow

func (h rowHeap) Len() int           { return len(h) }
func (h rowHeap) Less(i, j int) bool { return byInterest(&h[i], &h[j]) > 0 }
func (h rowHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rowHeap) Push(x any)        { *h = append(*h, x.(endpointRow)) }
func (h *rowHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type textWriter struct {
	out   io.Writer
	opt   Options
	limit int // rows kept; negative means all
	rows  rowHeap
	total int64 // endpoints selected
	all   int64 // endpoints seen
	conns int64
	start int64 // earliest connection start, Unix ns
	// marked: some endpoint's state is inferred or assumed (the table
	// then ends with the legend of its marks).
	marked bool
}

func newTextWriter(w io.Writer, opt Options) *textWriter {
	limit := opt.TopN
	if limit == 0 {
		limit = DefaultTopN
	}
	return &textWriter{
		out:   w,
		opt:   opt,
		limit: limit,
		start: math.MaxInt64,
	}
}

func (tw *textWriter) Connection(c *result.Connection) error {
	tw.conns++
	if !c.Start.IsZero() {
		tw.start = min(tw.start, c.Start.UnixNano())
	}
	if tw.opt.FindingsOnly {
		return nil
	}
	tw.all += 2
	sel := &tw.opt.Select
	takeClient, takeServer := sel.Endpoint("client", c.Client.State), sel.Endpoint("server", c.Server.State)
	if !takeClient && !takeServer {
		return nil
	}
	client := hostPort(c.Client.Addr, c.Client.Port)
	server := hostPort(c.Server.Addr, c.Server.Port)
	var trans []result.Transition
	if tw.opt.Verbose {
		trans = c.Transitions
	}
	if takeClient {
		tw.add(c, &c.Client, client, server, false, trans)
	}
	if takeServer {
		tw.add(c, &c.Server, server, client, true, trans)
	}
	return nil
}

func (tw *textWriter) add(c *result.Connection, ep *result.Endpoint, local, foreign string, server bool, trans []result.Transition) {
	tw.total++
	row := endpointRow{
		trans:   trans,
		stream:  c.Stream,
		part:    c.Part,
		first:   c.FirstFrame,
		last:    c.LastFrame,
		since:   noSince,
		local:   local,
		foreign: foreign,
		state:   ep.State + evidenceMark(ep.Evidence),
		rank:    rankOther,
		server:  server,
		v6:      strings.IndexByte(ep.Addr, ':') >= 0,
	}
	if ep.Evidence == "inferred" || ep.Evidence == "assumed" {
		tw.marked = true
	}
	if r, ok := interest[ep.State]; ok {
		row.rank = r
	}
	if ep.Since != nil {
		row.since = ep.Since.UnixNano()
	}
	switch {
	case tw.limit < 0 || len(tw.rows) < tw.limit:
		heap.Push(&tw.rows, row)
	case tw.limit > 0 && byInterest(&row, &tw.rows[0]) < 0:
		tw.rows[0] = row
		heap.Fix(&tw.rows, 0)
	}
}

// hostPort formats addr:port, bracketing IPv6 addresses.
func hostPort(addr string, port uint16) string {
	b := make([]byte, 0, len(addr)+8)
	if strings.IndexByte(addr, ':') >= 0 {
		b = append(b, '[')
		b = append(b, addr...)
		b = append(b, ']')
	} else {
		b = append(b, addr...)
	}
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(port), 10)
	return string(b)
}

func (tw *textWriter) Close(r *result.Result) error {
	for i := range r.Connections {
		if err := tw.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(tw.out)
	if tw.opt.FindingsOnly {
		writeDigest(bw, r.Findings, true)
		writeFindings(bw, r.Findings, true, tw.limit)
	} else {
		start := tw.start
		if r.Capture.First != nil {
			start = r.Capture.First.UnixNano()
		}
		tw.writeHeader(bw, r)
		writeDigest(bw, r.Findings, false)
		tw.writeEndpoints(bw, start)
		if tw.opt.Verbose {
			tw.writeTransitions(bw, start)
		}
		writeStates(bw, &r.Summary)
		writeListeners(bw, r.Listeners, tw.limit)
		writeFindings(bw, r.Findings, false, tw.limit)
		writeStats(bw, &r.Capture)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func plural(b []byte, n int64, one, many string) []byte {
	b = strconv.AppendInt(b, n, 10)
	b = append(b, ' ')
	if n == 1 {
		return append(b, one...)
	}
	return append(b, many...)
}

// appendSeconds appends d as seconds with millisecond precision and a unit.
func appendSeconds(b []byte, d time.Duration) []byte {
	b = strconv.AppendFloat(b, d.Seconds(), 'f', 3, 64)
	return append(b, 's')
}

func (tw *textWriter) writeHeader(bw *bufio.Writer, r *result.Result) {
	c := &r.Capture
	b := make([]byte, 0, 256)
	b = append(b, "capture "...)
	if len(c.Sources) == 0 {
		b = append(b, '-')
	}
	for i, s := range c.Sources {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, s...)
	}
	b = append(b, ": "...)
	b = plural(b, c.Packets, "packet", "packets")
	b = append(b, " ("...)
	b = strconv.AppendInt(b, c.TCPPackets, 10)
	b = append(b, " tcp, "...)
	b = strconv.AppendInt(b, c.OtherPackets, 10)
	b = append(b, " other), "...)
	b = plural(b, tw.conns, "connection", "connections")
	b = append(b, ", "...)
	b = plural(b, int64(len(c.Warnings)), "warning", "warnings")
	if c.First != nil {
		b = append(b, "\ntime "...)
		b = c.First.UTC().AppendFormat(b, "2006-01-02 15:04:05.000 MST")
		if c.Last != nil {
			b = append(b, " for "...)
			b = appendSeconds(b, c.Last.Sub(*c.First))
		}
	}
	if c.At != nil {
		b = append(b, ", states at "...)
		b = c.At.UTC().AppendFormat(b, "2006-01-02 15:04:05.000 MST")
	}
	b = append(b, '\n')
	bw.Write(b)
}

func newTab(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
}

func (tw *textWriter) writeEndpoints(bw *bufio.Writer, start int64) {
	bw.WriteString("\nEndpoints")
	if tw.opt.Select.Active() {
		bw.WriteString(" (" + tw.opt.Select.String() + ": " + strconv.FormatInt(tw.total, 10) + " of " + strconv.FormatInt(tw.all, 10) + ")")
	}
	bw.WriteString("\n")
	switch {
	case tw.all == 0:
		bw.WriteString("no TCP connections\n")
		return
	case tw.total == 0:
		bw.WriteString("no endpoint selected\n")
		return
	}
	rows := tw.sorted()
	truncated := int64(len(rows)) < tw.total
	t := newTab(bw)
	t.Write([]byte("Proto\tLocal Address\tForeign Address\tState\tSince\tFrames\tStream\n"))
	b := make([]byte, 0, 128)
	for i := range rows {
		row := &rows[i]
		b = b[:0]
		if row.v6 {
			b = append(b, "tcp6\t"...)
		} else {
			b = append(b, "tcp\t"...)
		}
		b = append(b, row.local...)
		b = append(b, '\t')
		b = append(b, row.foreign...)
		b = append(b, '\t')
		b = append(b, row.state...)
		b = append(b, '\t')
		if row.since == noSince || start == math.MaxInt64 {
			b = append(b, '-')
		} else {
			d := time.Duration(row.since - start)
			if d >= 0 {
				b = append(b, '+')
			}
			b = appendSeconds(b, d)
		}
		b = append(b, '\t')
		b = strconv.AppendInt(b, row.first, 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, row.last, 10)
		b = append(b, '\t')
		b = appendStream(b, row.stream, row.part)
		b = append(b, '\n')
		t.Write(b)
	}
	t.Flush()
	if tw.marked {
		bw.WriteString(evidenceLegend)
	}
	if truncated {
		b = append(b[:0], "... "...)
		b = strconv.AppendInt(b, tw.total-int64(len(rows)), 10)
		b = append(b, " more endpoints not shown (use -F json or --top N)\n"...)
		bw.Write(b)
	}
}

// sorted returns the rows kept in the order they are printed: by stream,
// or by interest when some were left out.
func (tw *textWriter) sorted() []endpointRow {
	rows := []endpointRow(tw.rows)
	if int64(len(rows)) < tw.total {
		slices.SortFunc(rows, func(a, b endpointRow) int { return byInterest(&a, &b) })
	} else {
		slices.SortFunc(rows, func(a, b endpointRow) int { return byStream(&a, &b) })
	}
	return rows
}

// writeTransitions prints, for each connection in the endpoint table in
// its order, every state change of its endpoints (Options.Verbose).
func (tw *textWriter) writeTransitions(bw *bufio.Writer, start int64) {
	rows := tw.sorted()
	if len(rows) == 0 {
		return
	}
	bw.WriteString("\nTransitions\n")
	type streamPart struct {
		stream int64
		part   int32
	}
	done := make(map[streamPart]bool, len(rows))
	b := make([]byte, 0, 128)
	for i := range rows {
		row := &rows[i]
		if done[streamPart{row.stream, row.part}] {
			continue
		}
		done[streamPart{row.stream, row.part}] = true
		client, server := row.local, row.foreign
		if row.server {
			client, server = server, client
		}
		b = append(b[:0], "stream "...)
		b = appendStream(b, row.stream, row.part)
		b = append(b, ": client "...)
		b = append(b, client...)
		b = append(b, ", server "...)
		b = append(b, server...)
		b = append(b, '\n')
		bw.Write(b)
		if len(row.trans) == 0 {
			bw.WriteString("  no state changes\n")
			continue
		}
		t := newTab(bw)
		for j := range row.trans {
			tr := &row.trans[j]
			b = append(b[:0], "  "...)
			if tr.Frame > 0 {
				b = append(b, "frame "...)
				b = strconv.AppendInt(b, tr.Frame, 10)
			} else {
				b = append(b, "timer"...) // a TIME_WAIT expiry, on the clock
			}
			b = append(b, '\t')
			if start == math.MaxInt64 || tr.Time.IsZero() {
				b = append(b, '-')
			} else {
				d := time.Duration(tr.Time.UnixNano() - start)
				if d >= 0 {
					b = append(b, '+')
				}
				b = appendSeconds(b, d)
			}
			b = append(b, '\t')
			b = append(b, tr.Endpoint...)
			b = append(b, '\t')
			b = append(b, tr.From...)
			b = append(b, " -> "...)
			b = append(b, tr.To...)
			b = append(b, '\t')
			b = append(b, tr.Cause...)
			b = append(b, '\n')
			t.Write(b)
		}
		t.Flush()
	}
}

// writeStates prints the Result's counts of endpoint states per role, the
// largest first.
func writeStates(bw *bufio.Writer, sum *result.Summary) {
	type stateCount struct {
		n     int64
		role  string
		state string
	}
	var all []stateCount
	for role, m := range [2]map[string]int64{sum.ClientStates, sum.ServerStates} {
		name := "client"
		if role == 1 {
			name = "server"
		}
		for state, n := range m {
			all = append(all, stateCount{n, name, state})
		}
	}
	if len(all) == 0 {
		return
	}
	slices.SortFunc(all, func(a, b stateCount) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		if c := cmp.Compare(a.role, b.role); c != 0 {
			return c
		}
		return cmp.Compare(a.state, b.state)
	})
	width := max(len("Count"), len(strconv.FormatInt(all[0].n, 10)))
	bw.WriteString("\nStates by role\n")
	b := make([]byte, 0, 64)
	b = appendRight(b, "Count", width)
	b = append(b, "  Role    State\n"...)
	bw.Write(b)
	var num [20]byte
	for _, sc := range all {
		b = appendRight(b[:0], string(strconv.AppendInt(num[:0], sc.n, 10)), width)
		b = append(b, "  "...)
		b = append(b, sc.role...)
		b = append(b, "  "...)
		b = append(b, sc.state...)
		b = append(b, '\n')
		bw.Write(b)
	}
}

// appendRight appends s right-aligned in width columns.
func appendRight(b []byte, s string, width int) []byte {
	for range width - len(s) {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// writeListeners prints the listeners in first-frame order; beyond limit
// (when positive) it prints the busiest limit of them and a note.
func writeListeners(bw *bufio.Writer, ls []result.Listener, limit int) {
	if len(ls) == 0 {
		return
	}
	hidden := 0
	if limit > 0 && len(ls) > limit {
		busiest := slices.Clone(ls)
		slices.SortStableFunc(busiest, func(a, b result.Listener) int { return cmp.Compare(b.Connections, a.Connections) })
		busiest = busiest[:limit]
		slices.SortStableFunc(busiest, func(a, b result.Listener) int { return cmp.Compare(a.FirstFrame, b.FirstFrame) })
		hidden, ls = len(ls)-limit, busiest
	}
	defer func() {
		if hidden > 0 {
			bw.WriteString("... " + strconv.Itoa(hidden) + " more listeners not shown (use -F json or --top N)\n")
		}
	}()
	bw.WriteString("\nListeners\n")
	t := newTab(bw)
	t.Write([]byte("Address\tFirst frame\tConnections\n"))
	b := make([]byte, 0, 64)
	for i := range ls {
		l := &ls[i]
		b = append(b[:0], hostPort(l.Addr, l.Port)...)
		b = append(b, '\t')
		b = strconv.AppendInt(b, l.FirstFrame, 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, l.Connections, 10)
		b = append(b, '\n')
		t.Write(b)
	}
	t.Flush()
}

// appendList appends up to listLimit numbers separated by ", " and then
// "+N more" for the rest.
func appendList(b []byte, xs []int64) []byte {
	if len(xs) == 0 {
		return append(b, '-')
	}
	for i, x := range xs[:min(len(xs), listLimit)] {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, x, 10)
	}
	if more := len(xs) - listLimit; more > 0 {
		b = append(b, " +"...)
		b = strconv.AppendInt(b, int64(more), 10)
		b = append(b, " more"...)
	}
	return b
}

// writeFindings prints one block per finding. With always set it prints
// "no findings" when there are none; otherwise it prints nothing then.
// writeDigest prints the digest of the findings (nothing when there are
// none): one line per kind with its subjects by severity and how many were
// folded, and under it its worst findings with their figures. blank adds
// an empty line after it.
func writeDigest(bw *bufio.Writer, fs []result.Finding, blank bool) {
	if len(fs) == 0 {
		return
	}
	dg := findings.Digest(fs, findings.DigestWorst)
	width := 0
	for _, e := range dg {
		width = max(width, len(e.Kind))
	}
	b := make([]byte, 0, 256)
	b = append(b, "Digest: "...)
	b = plural(b, int64(len(fs)), "finding", "findings")
	b = append(b, '\n')
	for _, e := range dg {
		b = append(b, "  "...)
		b = append(b, e.Kind...)
		b = append(b, strings.Repeat(" ", width-len(e.Kind)+2)...)
		b = plural(b, e.Subjects, "subject", "subjects")
		sep := ": "
		for _, sev := range severityOrder {
			if n := e.BySeverity[sev]; n > 0 {
				b = append(b, sep...)
				b = strconv.AppendInt(b, n, 10)
				b = append(b, ' ')
				b = append(b, sev...)
				sep = ", "
			}
		}
		if e.Folded > 0 {
			b = append(b, "; "...)
			b = strconv.AppendInt(b, e.Folded, 10)
			b = append(b, " folded"...)
		}
		b = append(b, '\n')
		for _, it := range e.Worst {
			b = append(b, "    ["...)
			b = append(b, it.Severity...)
			b = append(b, "] "...)
			b = append(b, it.Subject...)
			b = append(b, ": "...)
			b = append(b, it.Figure...)
			b = append(b, '\n')
		}
	}
	if blank {
		b = append(b, '\n')
	}
	bw.Write(b)
}

// severityOrder lists the severities most severe first.
var severityOrder = [...]string{"high", "medium", "low", "info"}

// writeFindings prints the findings most important first (by severity,
// then impact: findings.Rank); beyond limit (when positive) it prints the
// first limit of them and says how many it left out.
func writeFindings(bw *bufio.Writer, fs []result.Finding, always bool, limit int) {
	if len(fs) == 0 {
		if always {
			bw.WriteString("no findings\n")
		}
		return
	}
	if !always {
		bw.WriteString("\n")
	}
	bw.WriteString("Findings\n")
	fs = findings.Rank(fs)
	if limit > 0 && len(fs) > limit {
		defer bw.WriteString("... " + strconv.Itoa(len(fs)-limit) + " more findings not shown, less severe (use -F json or --top N)\n")
		fs = fs[:limit]
	}
	b := make([]byte, 0, 256)
	for i := range fs {
		f := &fs[i]
		b = append(b[:0], '[')
		b = append(b, f.Severity...)
		b = append(b, "] "...)
		b = append(b, f.Kind...)
		b = append(b, ' ')
		b = append(b, f.Subject...)
		b = append(b, ':')
		b = appendWrapped(b, f.Summary, textWidth, "  ")
		b = append(b, "\n  streams: "...)
		b = appendList(b, f.Streams)
		b = append(b, "\n  frames: "...)
		b = appendList(b, f.Frames)
		b = append(b, '\n')
		if len(f.Details) > 0 {
			b = append(b, "  details:"...)
			var d []byte
			for _, k := range slices.Sorted(maps.Keys(f.Details)) {
				d = append(d, ' ')
				d = append(d, k...)
				d = append(d, '=')
				d = appendDetail(d, f.Details[k])
			}
			b = appendWrapped(b, string(d), textWidth, "    ")
			b = append(b, '\n')
		}
		if f.Filter != "" {
			b = append(b, "  filter: "...)
			b = append(b, f.Filter...)
			b = append(b, '\n')
		}
		bw.Write(b)
	}
}

// textWidth is the width the text report wraps findings at.
const textWidth = 80

// appendWrapped appends the words of text to b, starting on b's current
// line, breaking lines before width with indent at the start of each new
// line. A word longer than a line stays whole.
func appendWrapped(b []byte, text string, width int, indent string) []byte {
	col := len(b) - (bytes.LastIndexByte(b, '\n') + 1)
	for _, w := range strings.Fields(text) {
		if col+1+len(w) > width && col > len(indent) {
			b = append(b, '\n')
			b = append(b, indent...)
			col = len(indent)
			b = append(b, w...)
			col += len(w)
			continue
		}
		b = append(b, ' ')
		b = append(b, w...)
		col += 1 + len(w)
	}
	return b
}

// appendDetail appends a finding detail value: strings as they are (quoted
// when they contain spaces), anything else as JSON.
func appendDetail(b []byte, v any) []byte {
	if s, ok := v.(string); ok {
		if s == "" || strings.ContainsAny(s, " \t\n\"") {
			return strconv.AppendQuote(b, s)
		}
		return append(b, s...)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, '?')
	}
	return append(b, j...)
}

func writeStats(bw *bufio.Writer, c *result.Capture) {
	type stat struct {
		name string
		n    int64
	}
	stats := []stat{
		{"decode errors", c.DecodeErrors},
		{"truncated packets", c.TruncatedPackets},
		{"IP fragments", c.Fragments},
		{"ICMP-quoted TCP packets", c.ICMPQuoted},
		{"evicted connections", c.Evicted},
	}
	if c.Stats != nil {
		stats = append(stats, stat{"packets dropped by the capture", c.Stats.Dropped})
	}
	var lines []byte
	for _, s := range stats {
		if s.n == 0 {
			continue
		}
		lines = append(lines, s.name...)
		lines = append(lines, ": "...)
		lines = strconv.AppendInt(lines, s.n, 10)
		lines = append(lines, '\n')
	}
	for _, w := range c.Warnings {
		lines = append(lines, "warning: "...)
		lines = append(lines, w...)
		lines = append(lines, '\n')
	}
	if len(lines) == 0 {
		return
	}
	bw.WriteString("\nCapture statistics\n")
	bw.Write(lines)
}

// evidenceMark is the text view's suffix for a state that the endpoint's
// own packets do not show.
func evidenceMark(evidence string) string {
	switch evidence {
	case "inferred":
		return "*"
	case "assumed":
		return "~"
	}
	return ""
}

const evidenceLegend = "* inferred from the peer's packets or acknowledgement numbers; ~ assumed (no evidence, e.g. a mid-stream pickup)\n"

// appendStream appends a stream number, and "(part N)" for a record that
// continues a stream handed out before it ended.
func appendStream(b []byte, stream int64, part int32) []byte {
	b = strconv.AppendInt(b, stream, 10)
	if part != 0 {
		b = append(b, " (part "...)
		b = strconv.AppendInt(b, int64(part), 10)
		b = append(b, ')')
	}
	return b
}
