package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// zeekConnFields are the conn.log columns, as the TSV writer names them.
var zeekConnFields = strings.Fields(strings.TrimPrefix(zeekFields, "#fields"))

// zeekJSONAsTSV renders one zeek-json object as the TSV writer would
// print its fields: numbers of type time and interval with six decimals,
// fields left out as "-".
func zeekJSONAsTSV(t *testing.T, line []byte, fields, types []string) []string {
	t.Helper()
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("zeek-json line %q: %v", line, err)
	}
	for k := range obj {
		if !slices.Contains(fields, k) {
			t.Errorf("zeek-json field %q is not a Zeek field", k)
		}
	}
	row := make([]string, len(fields))
	for i, f := range fields {
		v, ok := obj[f]
		switch {
		case !ok:
			row[i] = "-"
		case types[i] == "time" || types[i] == "interval":
			n, err := v.(json.Number).Float64()
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			row[i] = strconv.FormatFloat(n, 'f', 6, 64)
		case strings.HasPrefix(types[i], "set["):
			var items []string
			for _, x := range v.([]any) {
				items = append(items, x.(string))
			}
			row[i] = strings.Join(items, ",")
		default:
			switch x := v.(type) {
			case string:
				row[i] = x
			case json.Number:
				row[i] = x.String()
			default:
				t.Fatalf("%s: unexpected JSON value %v (%T)", f, v, v)
			}
		}
	}
	return row
}

// TestZeekJSONMatchesTSV parses every zeek-json line back and compares it
// field by field with the TSV zeek row of the same connection (and the
// notice rows of --findings-only likewise).
func TestZeekJSONMatchesTSV(t *testing.T) {
	for _, findingsOnly := range []bool{false, true} {
		opt := Options{CaptureStart: t0, FindingsOnly: findingsOnly}
		tsv := render(t, "zeek", opt, testConnections(), testResult())
		js := render(t, "zeek-json", opt, testConnections(), testResult())
		var fields, types []string
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSuffix(string(tsv), "\n"), "\n") {
			switch {
			case strings.HasPrefix(line, "#fields\t"):
				fields = strings.Split(line, "\t")[1:]
			case strings.HasPrefix(line, "#types\t"):
				types = strings.Split(line, "\t")[1:]
			case !strings.HasPrefix(line, "#"):
				rows = append(rows, strings.Split(line, "\t"))
			}
		}
		lines := bytes.Split(bytes.TrimSuffix(js, []byte("\n")), []byte("\n"))
		want := len(testConnections())
		if findingsOnly {
			want = len(testResult().Findings)
		}
		if len(rows) != want || len(lines) != want {
			t.Fatalf("findings-only %v: %d TSV rows, %d JSON lines, want %d each", findingsOnly, len(rows), len(lines), want)
		}
		for i := range rows {
			got := zeekJSONAsTSV(t, lines[i], fields, types)
			for j := range fields {
				if got[j] != rows[i][j] {
					t.Errorf("findings-only %v row %d %s: json %q, tsv %q", findingsOnly, i+1, fields[j], got[j], rows[i][j])
				}
			}
		}
	}
}

// TestZeekJSONShape: one object per line, ts as a number of epoch
// seconds, Zeek's dotted field names, unset fields left out.
func TestZeekJSONShape(t *testing.T) {
	out := render(t, "zeek-json", Options{}, testConnections(), testResult())
	if bytes.HasPrefix(out, []byte("#")) || bytes.Contains(out, []byte("\n#")) {
		t.Errorf("zeek-json has header lines:\n%s", out)
	}
	first := out[:bytes.IndexByte(out, '\n')]
	var obj map[string]any
	if err := json.Unmarshal(first, &obj); err != nil {
		t.Fatal(err)
	}
	ts, ok := obj["ts"].(float64)
	if !ok || ts != float64(testConnections()[0].Start.UnixMicro())/1e6 {
		t.Errorf("ts = %v (%T), want epoch seconds %v", obj["ts"], obj["ts"], float64(testConnections()[0].Start.UnixMicro())/1e6)
	}
	for _, k := range []string{"uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "conn_state", "history", "orig_pkts"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("first line lacks %q: %s", k, first)
		}
	}
	for _, k := range []string{"service", "local_orig", "tunnel_parents"} {
		if _, ok := obj[k]; ok {
			t.Errorf("unset field %q written: %s", k, first)
		}
	}
	if !slices.Equal(zeekConnFields[:3], []string{"ts", "uid", "id.orig_h"}) {
		t.Errorf("conn.log fields start %v", zeekConnFields[:3])
	}
}

// TestCSVFindingsOnly: --findings-only makes csv one row per finding.
func TestCSVFindingsOnly(t *testing.T) {
	out := render(t, "csv", Options{FindingsOnly: true}, testConnections(), testResult())
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	fs := testResult().Findings
	if len(recs) != len(fs)+1 || !slices.Equal(recs[0], csvFindingsHeader) {
		t.Fatalf("got %d records (header %v), want header and %d findings", len(recs), recs[0], len(fs))
	}
	for i, f := range fs {
		r := recs[i+1]
		if r[0] != f.Kind || r[1] != f.Severity || r[2] != f.Subject || r[4] != strconv.FormatInt(f.Count, 10) || r[9] != f.Filter {
			t.Errorf("row %d = %v, want finding %s %s", i+1, r, f.Kind, f.Subject)
		}
		if len(f.Streams) > 0 && !strings.HasPrefix(r[5], strconv.FormatInt(f.Streams[0], 10)) {
			t.Errorf("row %d streams %q, want %v", i+1, r[5], f.Streams)
		}
	}
}

// TestSelection: --state and --role pick endpoints in the text table and
// connections in every other format.
func TestSelection(t *testing.T) {
	conns := testConnections()
	count := func(sel Selection) (eps, cs int) {
		for i := range conns {
			c := &conns[i]
			if sel.Endpoint("client", c.Client.State) {
				eps++
			}
			if sel.Endpoint("server", c.Server.State) {
				eps++
			}
			if sel.Connection(c) {
				cs++
			}
		}
		return eps, cs
	}
	tests := []struct {
		names []string
		role  string
	}{
		{[]string{"time-wait"}, ""},
		{[]string{"close-wait"}, "server"},
		{[]string{"connected"}, "client"},
		{[]string{"bucket"}, ""},
		{[]string{"all"}, "server"},
		{nil, "client"},
	}
	for _, tc := range tests {
		states, err := ParseStates(tc.names)
		if err != nil {
			t.Fatal(err)
		}
		sel := Selection{States: states, Role: tc.role}
		eps, cs := count(sel)
		if cs == 0 {
			t.Fatalf("%v: fixture has no selected connection", sel)
		}
		csvOut := render(t, "csv", Options{Select: sel}, conns, testResult())
		if n := bytes.Count(csvOut, []byte("\n")) - 1; n != cs {
			t.Errorf("%s: csv has %d rows, want %d", sel, n, cs)
		}
		js := render(t, "jsonl", Options{Select: sel}, conns, testResult())
		if n := bytes.Count(js, []byte(`"type":"connection"`)); n != cs {
			t.Errorf("%s: jsonl has %d connections, want %d", sel, n, cs)
		}
		text := string(render(t, "text", Options{Select: sel}, conns, testResult()))
		table := text[strings.Index(text, "\nEndpoints"):strings.Index(text, "\nStates by role")]
		if n := strings.Count(table, "\ntcp"); n != eps {
			t.Errorf("%s: text shows %d endpoints, want %d:\n%s", sel, n, eps, table)
		}
		for _, line := range strings.Split(table, "\n") {
			if f := strings.Fields(line); len(f) > 3 && strings.HasPrefix(f[0], "tcp") && len(states) > 0 && !slices.Contains(states, strings.TrimRight(f[3], "*~")) {
				t.Errorf("%s: text row in state %s: %s", sel, f[3], line)
			}
		}
	}
}

func TestParseStates(t *testing.T) {
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"established"}, []string{"ESTABLISHED"}},
		{[]string{"CLOSE_WAIT", "syn-recv"}, []string{"SYN_RECEIVED", "CLOSE_WAIT"}},
		{[]string{"bucket"}, []string{"SYN_RECEIVED", "TIME_WAIT"}},
		{[]string{"synchronized"}, []string{"SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}},
		{[]string{"connected"}, []string{"SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}},
		{[]string{"big"}, []string{"UNKNOWN", "CLOSED", "LISTEN", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK"}},
		{[]string{"all"}, allStates},
	}
	for _, tc := range tests {
		got, err := ParseStates(tc.names)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseStates(%v) = %v, %v; want %v", tc.names, got, err, tc.want)
		}
	}
	if _, err := ParseStates([]string{"half-open"}); err == nil || !strings.Contains(err.Error(), `unknown state "half-open"`) {
		t.Errorf("unknown name: err = %v", err)
	}
}

// TestTextVerbose: -v lists every transition of each connection shown.
func TestTextVerbose(t *testing.T) {
	conns := testConnections()
	text := string(render(t, "text", Options{Verbose: true}, conns, testResult()))
	i := strings.Index(text, "\nTransitions\n")
	if i < 0 {
		t.Fatalf("no Transitions section:\n%s", text)
	}
	section := text[i:]
	for _, c := range conns {
		if !strings.Contains(section, "stream "+strconv.FormatInt(c.Stream, 10)+": client "+hostPort(c.Client.Addr, c.Client.Port)) {
			t.Errorf("no heading for stream %d", c.Stream)
		}
		for _, tr := range c.Transitions {
			if !strings.Contains(section, tr.From+" -> "+tr.To) || !strings.Contains(section, tr.Cause) {
				t.Errorf("stream %d: transition %s -> %s (%s) missing", c.Stream, tr.From, tr.To, tr.Cause)
			}
		}
	}
	if plain := string(render(t, "text", Options{}, conns, testResult())); strings.Contains(plain, "Transitions") {
		t.Errorf("transitions printed without Verbose")
	}
}
