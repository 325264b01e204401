package report

import (
	"encoding/json"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/findings"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// HTMLMaxConnections bounds the connections listed in the html report (the
// most interesting first, as in the text table); the rest are counted.
const HTMLMaxConnections = 20000

// Limits of the other html sections: findings shown in full per severity,
// one line each after that, and listeners listed.
const (
	htmlFullFindings  = 10
	htmlShortFindings = 500
	htmlListeners     = 20
)

// htmlWriter keeps compact rows and each endpoint's time in each state,
// and renders one self-contained page at Close (no network: inline CSS,
// SVG and JavaScript): capture summary, findings by severity, a plot of
// endpoints per state over capture time, states by role, the busiest
// listeners and a sortable, filterable connection table.
type htmlWriter struct {
	sink  stickyWriter
	opt   Options
	rows  []htmlRow
	conns int64
	tl    timeline
}

type htmlRow struct {
	Stream         int64
	Client, Server string
	CState, SState string
	First, Last    int64
	Zeek, History  string
	Inferred       bool
	Service        string
	interest       int // lower is more interesting
}

func newHTMLWriter(w io.Writer, opt Options) *htmlWriter {
	return &htmlWriter{sink: stickyWriter{w: w}, opt: opt}
}

// stateRank orders states by how much an operator wants to see them.
func stateRank(s string) int {
	switch s {
	case "CLOSE_WAIT":
		return 0
	case "FIN_WAIT_2":
		return 1
	case "SYN_SENT", "SYN_RECEIVED":
		return 2
	case "LAST_ACK", "FIN_WAIT_1", "CLOSING":
		return 3
	case "TIME_WAIT":
		return 4
	}
	return 5
}

// services names well-known server ports; others show as the number.
var services = map[uint16]string{
	21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "dns", 80: "http", 110: "pop3", 143: "imap",
	389: "ldap", 443: "https", 445: "smb", 465: "smtps", 587: "submission", 636: "ldaps", 993: "imaps",
	995: "pop3s", 1433: "mssql", 3306: "mysql", 3389: "rdp", 5432: "postgres", 6379: "redis",
	8080: "http-alt", 8443: "https-alt", 9200: "elasticsearch", 27017: "mongodb",
}

func service(port uint16) string {
	if s, ok := services[port]; ok {
		return s
	}
	return strconv.Itoa(int(port))
}

func (h *htmlWriter) Connection(c *result.Connection) error {
	if h.sink.err != nil {
		return h.sink.err
	}
	h.conns++
	h.tl.add(c)
	h.rows = append(h.rows, htmlRow{
		Stream: c.Stream,
		Client: hostPort(c.Client.Addr, c.Client.Port), Server: hostPort(c.Server.Addr, c.Server.Port),
		CState: c.Client.State, SState: c.Server.State, First: c.FirstFrame, Last: c.LastFrame,
		Zeek: c.ZeekConnState, History: c.History, Inferred: c.RolesInferred, Service: service(c.Server.Port),
		interest: min(stateRank(c.Client.State), stateRank(c.Server.State)),
	})
	if len(h.rows) >= 2*HTMLMaxConnections {
		h.trim()
	}
	return nil
}

// trim keeps the HTMLMaxConnections most interesting rows.
func (h *htmlWriter) trim() {
	slices.SortStableFunc(h.rows, func(a, b htmlRow) int {
		if a.interest != b.interest {
			return a.interest - b.interest
		}
		return int(a.Stream - b.Stream)
	})
	if len(h.rows) > HTMLMaxConnections {
		h.rows = h.rows[:HTMLMaxConnections]
	}
}

type htmlCount struct {
	Count       int64
	Role, State string
}

// htmlSeverity is one severity's findings: the first shown in full, the
// next as one line each, the rest counted.
type htmlSeverity struct {
	Name        string
	Count       int
	Full, Short []result.Finding
	More        int
}

type htmlPage struct {
	Tool          result.Tool
	Capture       *result.Capture
	Conns         int64
	Shown         int
	Hidden        int64
	RowsJSON      template.JS
	Findings      int
	Digest        []result.DigestEntry
	Severities    []htmlSeverity
	Plot          *htmlPlot
	Counts        []htmlCount
	Listeners     []result.Listener
	MoreListeners int
	FindingOnly   bool
}

func (h *htmlWriter) Close(r *result.Result) error {
	for i := range r.Connections {
		if err := h.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	if h.sink.err != nil {
		return h.sink.err
	}
	h.trim()
	slices.SortStableFunc(h.rows, func(a, b htmlRow) int { return int(a.Stream - b.Stream) })
	p := htmlPage{
		Tool: h.opt.Tool, Capture: &r.Capture, Conns: h.conns, Shown: len(h.rows),
		Hidden: h.conns - int64(len(h.rows)), Findings: len(r.Findings),
		FindingOnly: h.opt.FindingsOnly, RowsJSON: rowsJSON(h.rows),
	}
	if r.Capture.First != nil && r.Capture.Last != nil {
		p.Plot = h.tl.plot(*r.Capture.First, *r.Capture.Last)
	}
	p.Digest = digestOf(r.Findings)
	limit := h.opt.TopN
	if limit == 0 {
		limit = DefaultTopN
	}
	p.Severities = bySeverity(r.Findings, limit)
	listeners := slices.Clone(r.Listeners)
	slices.SortStableFunc(listeners, func(a, b result.Listener) int { return int(b.Connections - a.Connections) })
	if len(listeners) > htmlListeners {
		p.MoreListeners = len(listeners) - htmlListeners
		listeners = listeners[:htmlListeners]
	}
	p.Listeners = listeners
	for _, role := range []struct {
		name string
		m    map[string]int64
	}{{"client", r.Summary.ClientStates}, {"server", r.Summary.ServerStates}} {
		for _, st := range slices.Sorted(maps.Keys(role.m)) {
			p.Counts = append(p.Counts, htmlCount{role.m[st], role.name, st})
		}
	}
	slices.SortStableFunc(p.Counts, func(a, b htmlCount) int { return int(b.Count - a.Count) })
	var buf bytesBuffer
	if err := htmlTemplate.Execute(&buf, p); err != nil {
		h.sink.err = err
		return err
	}
	return h.sink.write(buf.b)
}

// bySeverity groups findings, most severe first and by impact within a
// severity (findings.Rank), showing at most limit of them in all (no bound
// when negative).
func bySeverity(fs []result.Finding, limit int) []htmlSeverity {
	var out []htmlSeverity
	shown := 0
	fs = findings.Rank(fs)
	for _, name := range severityOrder {
		s := htmlSeverity{Name: name}
		for _, f := range fs {
			if f.Severity != name {
				continue
			}
			s.Count++
			switch {
			case limit >= 0 && shown >= limit:
				s.More++
				continue
			case len(s.Full) < htmlFullFindings:
				s.Full = append(s.Full, f)
				shown++
			case len(s.Short) < htmlShortFindings:
				s.Short = append(s.Short, f)
				shown++
			default:
				s.More++
			}
		}
		if s.Count > 0 {
			out = append(out, s)
		}
	}
	return out
}

// rowsJSON encodes the rows as arrays (stream, client, client state,
// server, server state, first frame, last frame, zeek state, history,
// roles inferred 0/1, service), which the page's script renders a page at
// a time. encoding/json escapes <, > and &, so the text is safe inside a
// script element.
func rowsJSON(rows []htmlRow) template.JS {
	b := make([]byte, 0, 100*len(rows)+2)
	b = append(b, '[')
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		inf := 0
		if r.Inferred {
			inf = 1
		}
		cell, _ := json.Marshal([]any{r.Stream, r.Client, r.CState, r.Server, r.SState, r.First, r.Last, r.Zeek, r.History, inf, r.Service})
		b = append(b, cell...)
	}
	return template.JS(append(b, ']'))
}

// bytesBuffer is an io.Writer collecting the page, so the page reaches the
// underlying writer in one Write.
type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"class": func(s string) string { return "s" + strconv.Itoa(stateRank(s)) },
	"ts": func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05.000000 MST")
	},
	"add": func(a, b int) int { return a + b },
	"sevs": func(m map[string]int64) string {
		var parts []string
		for _, s := range severityOrder {
			if n := m[s]; n > 0 {
				parts = append(parts, strconv.FormatInt(n, 10)+" "+s)
			}
		}
		return strings.Join(parts, ", ")
	},
	"join": func(xs []int64) string {
		b := make([]byte, 0, 64)
		for i, x := range xs {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, x, 10)
		}
		return string(b)
	},
}).Parse(htmlPageText))
