package report

import (
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// HTMLMaxConnections bounds the connections listed in the html report (the
// most interesting first, as in the text table); the rest are counted.
const HTMLMaxConnections = 20000

// htmlWriter keeps compact rows and renders one self-contained page at
// Close: capture summary, findings with their display filters, states by
// role, listeners and the connection table.
type htmlWriter struct {
	sink  stickyWriter
	opt   Options
	rows  []htmlRow
	conns int64
	start time.Time
}

type htmlRow struct {
	Stream         int64
	Client, Server string
	CState, SState string
	Frames         string
	Zeek, History  string
	Filter         string
	Inferred       bool
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

func (h *htmlWriter) Connection(c *result.Connection) error {
	if h.sink.err != nil {
		return h.sink.err
	}
	h.conns++
	if h.start.IsZero() || c.Start.Before(h.start) {
		h.start = c.Start
	}
	row := htmlRow{
		Stream: c.Stream,
		Client: hostPort(c.Client.Addr, c.Client.Port), Server: hostPort(c.Server.Addr, c.Server.Port),
		CState: c.Client.State, SState: c.Server.State,
		Frames: strconv.FormatInt(c.FirstFrame, 10) + "-" + strconv.FormatInt(c.LastFrame, 10),
		Zeek:   c.ZeekConnState, History: c.History, Filter: c.Filter, Inferred: c.RolesInferred,
		interest: min(stateRank(c.Client.State), stateRank(c.Server.State)),
	}
	h.rows = append(h.rows, row)
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

type htmlPage struct {
	Tool        result.Tool
	Capture     *result.Capture
	Conns       int64
	Rows        []htmlRow
	Hidden      int64
	Findings    []result.Finding
	Counts      []htmlCount
	Listeners   []result.Listener
	FindingOnly bool
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
		Tool: h.opt.Tool, Capture: &r.Capture, Conns: h.conns, Rows: h.rows,
		Hidden: h.conns - int64(len(h.rows)), Findings: r.Findings, Listeners: r.Listeners,
		FindingOnly: h.opt.FindingsOnly,
	}
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
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wirestat: {{range $i, $s := .Capture.Sources}}{{if $i}}, {{end}}{{$s}}{{end}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; font-size: 0.9em; }
th { background: #f0f0f0; }
code { font-size: 0.9em; background: #f6f6f6; padding: 0 0.2em; }
.s0 { background: #f8d0d0; } .s1 { background: #fbe3c4; } .s2 { background: #fff3b8; }
.s3 { background: #e8e0f8; } .s4 { background: #e8e8e8; }
.high { color: #a00; } .medium { color: #b60; } .low { color: #555; } .info { color: #555; }
.finding { margin-bottom: 1em; }
</style>
</head>
<body>
<h1>wirestat report</h1>
<p>{{range $i, $s := .Capture.Sources}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}:
{{.Capture.Packets}} packets ({{.Capture.TCPPackets}} TCP, {{.Capture.OtherPackets}} other),
{{.Conns}} connections, from {{ts .Capture.First}} to {{ts .Capture.Last}}{{if .Capture.At}}, states as of {{ts .Capture.At}}{{end}}.
{{.Tool.Name}} {{.Tool.Version}}.</p>
{{with .Capture.Warnings}}<h2>Warnings</h2><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Findings</h2>
{{if .Findings}}{{range .Findings}}<div class="finding">
<b class="{{.Severity}}">[{{.Severity}}] {{.Kind}}</b> <code>{{.Subject}}</code>: {{.Summary}}<br>
streams: {{join .Streams}}{{if gt .Count (len .Streams)}} (of {{.Count}}){{end}}<br>
filter: <code>{{.Filter}}</code>
</div>{{end}}{{else}}<p>No findings.</p>{{end}}
{{if not .FindingOnly}}
<h2>States by role</h2>
<table><tr><th>Count</th><th>Role</th><th>State</th></tr>
{{range .Counts}}<tr class="{{class .State}}"><td>{{.Count}}</td><td>{{.Role}}</td><td>{{.State}}</td></tr>
{{end}}</table>
<h2>Listeners</h2>
{{if .Listeners}}<table><tr><th>Address</th><th>Port</th><th>First frame</th><th>Connections</th></tr>
{{range .Listeners}}<tr><td>{{.Addr}}</td><td>{{.Port}}</td><td>{{.FirstFrame}}</td><td>{{.Connections}}</td></tr>
{{end}}</table>{{else}}<p>None seen.</p>{{end}}
<h2>Connections</h2>
{{if .Hidden}}<p>{{len .Rows}} most interesting of {{.Conns}} connections shown (use -F json for all).</p>{{end}}
<table><tr><th>Stream</th><th>Client</th><th>State</th><th>Server</th><th>State</th><th>Frames</th><th>Zeek</th><th>History</th><th>Wireshark filter</th></tr>
{{range .Rows}}<tr><td>{{.Stream}}</td><td>{{.Client}}{{if .Inferred}} *{{end}}</td><td class="{{class .CState}}">{{.CState}}</td><td>{{.Server}}</td><td class="{{class .SState}}">{{.SState}}</td><td>{{.Frames}}</td><td>{{.Zeek}}</td><td>{{.History}}</td><td><code>{{.Filter}}</code></td></tr>
{{end}}</table>
<p>* roles inferred: the capture missed the handshake.</p>
{{end}}
</body>
</html>
`))
