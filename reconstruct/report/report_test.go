package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/result"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// render streams conns through a writer for format and closes it with r.
func render(t testing.TB, format string, opt Options, conns []result.Connection, r *result.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := ForFormat(format, &buf, opt)
	if err != nil {
		t.Fatalf("ForFormat(%q): %v", format, err)
	}
	for i := range conns {
		if err := w.Connection(&conns[i]); err != nil {
			t.Fatalf("%s: Connection(stream %d): %v", format, conns[i].Stream, err)
		}
	}
	if err := w.Close(r); err != nil {
		t.Fatalf("%s: Close: %v", format, err)
	}
	return buf.Bytes()
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update. A mismatch shows the first differing lines.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl := strings.Split(string(got), "\n")
	wl := strings.Split(string(want), "\n")
	i := 0
	for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
		i++
	}
	var d strings.Builder
	for j := i; j < i+5; j++ {
		if j < len(wl) {
			d.WriteString("- " + wl[j] + "\n")
		}
	}
	for j := i; j < i+5; j++ {
		if j < len(gl) {
			d.WriteString("+ " + gl[j] + "\n")
		}
	}
	t.Errorf("%s differs from line %d (-want +got):\n%s(run go test ./reconstruct/report -update to accept)", path, i+1, d.String())
}

func TestGolden(t *testing.T) {
	tool := result.Tool{Name: "wirestat", Version: "test"}
	cases := []struct {
		golden string
		format string
		opt    Options
	}{
		{"web.txt", "text", Options{}},
		{"web.findings.txt", "text", Options{FindingsOnly: true}},
		{"web.json", "json", Options{Tool: tool}},
		{"web.findings.json", "json", Options{Tool: tool, FindingsOnly: true}},
		{"web.jsonl", "jsonl", Options{Tool: tool}},
		{"web.csv", "csv", Options{}},
		{"web.conn.log", "zeek", Options{CaptureStart: t0}},
		{"web.notice.log", "zeek", Options{CaptureStart: t0, FindingsOnly: true}},
		{"web.zeek.json", "zeek-json", Options{}},
		{"web.notice.json", "zeek-json", Options{FindingsOnly: true}},
		{"web.findings.csv", "csv", Options{FindingsOnly: true}},
		{"web.verbose.txt", "text", Options{Verbose: true}},
		{"web.html", "html", Options{Tool: tool}},
		{"empty.txt", "text", Options{}},
		{"empty.json", "json", Options{Tool: tool}},
		{"empty.conn.log", "zeek", Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			conns, r := testConnections(), testResult()
			if strings.HasPrefix(tc.golden, "empty.") {
				conns = nil
				r = &result.Result{Schema: result.Schema, Capture: result.Capture{Sources: []string{"empty.pcap"}, First: atp("0s"), Last: atp("0s")}}
			}
			checkGolden(t, tc.golden, render(t, tc.format, tc.opt, conns, r))
		})
	}
}

// TestCloseWritesResultConnections checks that a whole Result handed to
// Close prints the same as streaming its connections first.
func TestCloseWritesResultConnections(t *testing.T) {
	opt := Options{CaptureStart: t0} // else zeek's #open differs
	for _, format := range Formats() {
		streamed := render(t, format, opt, testConnections(), testResult())
		r := testResult()
		r.Connections = testConnections()
		whole := render(t, format, opt, nil, r)
		if !bytes.Equal(streamed, whole) {
			t.Errorf("%s: Close(r with connections) differs from streaming them", format)
		}
	}
}

// TestStreaming checks that the streaming formats write each connection
// before Close.
func TestStreaming(t *testing.T) {
	for _, format := range []string{"json", "jsonl", "csv", "zeek"} {
		var buf bytes.Buffer
		w, err := ForFormat(format, &buf, Options{})
		if err != nil {
			t.Fatal(err)
		}
		conns := testConnections()
		if err := w.Connection(&conns[0]); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "51240") {
			t.Errorf("%s: first connection not written before Close; have %q", format, buf.String())
		}
	}
}

func TestForFormat(t *testing.T) {
	for _, name := range []string{"", "text", "TEXT", "json", "jsonl", "csv", "zeek"} {
		if _, err := ForFormat(name, &bytes.Buffer{}, Options{}); err != nil {
			t.Errorf("ForFormat(%q): %v", name, err)
		}
	}
	_, err := ForFormat("xml", &bytes.Buffer{}, Options{})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("ForFormat(xml) error = %v, want ErrUnknownFormat", err)
	}
	for _, name := range Formats() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrors(t *testing.T) {
	for _, format := range Formats() {
		w, err := ForFormat(format, failWriter{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		conns := testConnections()
		err = w.Connection(&conns[0])
		if cerr := w.Close(testResult()); err == nil {
			err = cerr
		}
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s: error = %v, want one wrapping %v", format, err, errDiskFull)
		}
	}
}

func TestJSONParsesAsResult(t *testing.T) {
	out := render(t, "json", Options{}, testConnections(), testResult())
	var r result.Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("json output does not parse: %v\n%s", err, out)
	}
	if r.Schema != "wirestat.report/v1" {
		t.Errorf("schema = %q, want wirestat.report/v1", r.Schema)
	}
	if r.Tool != DefaultTool {
		t.Errorf("tool = %+v, want %+v", r.Tool, DefaultTool)
	}
	if got, want := len(r.Connections), len(testConnections()); got != want {
		t.Errorf("%d connections, want %d", got, want)
	}
	if got := r.Connections[1]; got.Stream != 0 || got.Client.State != "TIME_WAIT" || len(got.Transitions) != 10 {
		t.Errorf("second connection = stream %d, client %s, %d transitions; want 0, TIME_WAIT, 10",
			got.Stream, got.Client.State, len(got.Transitions))
	}
	if len(r.Listeners) != 2 || len(r.Findings) != 2 || r.Capture.Packets != 64 {
		t.Errorf("listeners %d, findings %d, packets %d; want 2, 2, 64", len(r.Listeners), len(r.Findings), r.Capture.Packets)
	}
	if r.Findings[1].Filter != testResult().Findings[1].Filter {
		t.Errorf("filter = %q, want it unescaped", r.Findings[1].Filter)
	}
	// Times are UTC with nanoseconds even when the model held another zone.
	if bytes.Contains(out, []byte("+02:00")) {
		t.Errorf("json output holds a non-UTC time")
	}
	if !bytes.Contains(out, []byte(`"start": "2024-05-01T10:00:01.5Z"`)) {
		t.Errorf("json output lacks the RFC 3339 UTC start of stream 2")
	}
}

// TestJSONEmptyLists checks that empty lists are [] and maps {}, never null.
func TestJSONEmptyLists(t *testing.T) {
	conns := testConnections()[5:8] // stream 5 has nil Transitions
	out := render(t, "json", Options{}, conns, &result.Result{})
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"connections", "listeners", "findings"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%s = %v, want a list", k, doc[k])
		}
	}
	c := doc["connections"].([]any)[2].(map[string]any)
	if _, ok := c["transitions"].([]any); !ok {
		t.Errorf("transitions = %v, want []", c["transitions"])
	}
	s := doc["summary"].(map[string]any)
	if _, ok := s["client_states"].(map[string]any); !ok {
		t.Errorf("client_states = %v, want {}", s["client_states"])
	}
	capture := doc["capture"].(map[string]any)
	for _, k := range []string{"sources", "warnings"} {
		if _, ok := capture[k].([]any); !ok {
			t.Errorf("capture.%s = %v, want a list", k, capture[k])
		}
	}
}

func TestJSONLLines(t *testing.T) {
	out := render(t, "jsonl", Options{}, testConnections(), testResult())
	var types []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line struct {
			Type   string `json:"type"`
			Schema string `json:"schema"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d does not parse: %v: %s", len(types)+1, err, sc.Bytes())
		}
		if line.Type == "" {
			t.Errorf("line %d has no type: %s", len(types)+1, sc.Bytes())
		}
		if line.Type == "summary" && line.Schema != result.Schema {
			t.Errorf("summary schema = %q", line.Schema)
		}
		types = append(types, line.Type)
	}
	// One digest line per kind of finding (testResult has two kinds).
	want := strings.Repeat("connection ", len(testConnections())) + "digest digest finding finding summary"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("line types = %s\nwant %s", got, want)
	}
}

func TestCSV(t *testing.T) {
	out := render(t, "csv", Options{}, testConnections(), testResult())
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 1+len(testConnections()) {
		t.Fatalf("%d lines, want header and %d rows", len(lines), len(testConnections()))
	}
	if lines[0] != strings.Join(csvHeader, ",") {
		t.Errorf("header = %s", lines[0])
	}
}

// zeekCut selects columns of a Zeek log by name as zeek-cut does: it reads
// the header from #fields and checks that #types and every row have as
// many columns.
func zeekCut(t *testing.T, log []byte, cols ...string) [][]string {
	t.Helper()
	var fields, types []string
	var rows [][]string
	for i, line := range strings.Split(strings.TrimSuffix(string(log), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "#fields\t"):
			fields = strings.Split(line, "\t")[1:]
		case strings.HasPrefix(line, "#types\t"):
			types = strings.Split(line, "\t")[1:]
		case strings.HasPrefix(line, "#"):
		default:
			row := strings.Split(line, "\t")
			if len(row) != len(fields) {
				t.Errorf("line %d has %d columns, #fields has %d", i+1, len(row), len(fields))
				continue
			}
			var sel []string
			for _, c := range cols {
				for j, f := range fields {
					if f == c {
						sel = append(sel, row[j])
					}
				}
			}
			rows = append(rows, sel)
		}
	}
	if len(fields) == 0 || len(fields) != len(types) {
		t.Fatalf("#fields has %d columns, #types %d", len(fields), len(types))
	}
	return rows
}

func TestZeekColumns(t *testing.T) {
	out := render(t, "zeek", Options{CaptureStart: t0.In(cest)}, testConnections(), testResult())
	rows := zeekCut(t, out, "uid", "id.orig_h", "id.orig_p", "duration", "orig_bytes", "conn_state", "history")
	if len(rows) != len(testConnections()) {
		t.Fatalf("%d rows, want %d", len(rows), len(testConnections()))
	}
	uids := map[string]bool{}
	for _, r := range rows {
		if len(r[0]) != 18 || r[0][0] != 'C' || uids[r[0]] {
			t.Errorf("uid %q: want C and 17 base62 digits, unique", r[0])
		}
		uids[r[0]] = true
	}
	// The unanswered SYN has duration 0: duration and bytes are unset.
	if got := strings.Join(rows[2][3:6], " "); got != "- - S0" {
		t.Errorf("unanswered SYN: duration orig_bytes conn_state = %s, want - - S0", got)
	}
	// The midstream connection is flipped: Zeek's originator is the server.
	if got := rows[7][1] + ":" + rows[7][2]; got != "10.0.0.2:80" {
		t.Errorf("flipped connection orig = %s, want 10.0.0.2:80", got)
	}
	for _, head := range []string{"#separator \\x09\n", "#set_separator\t,\n", "#empty_field\t(empty)\n",
		"#unset_field\t-\n", "#path\tconn\n", "#open\t2024-05-01-10-00-00\n", "#close\t2024-05-01-10-00-06\n"} {
		if !bytes.Contains(out, []byte(head)) {
			t.Errorf("zeek output lacks header line %q", head)
		}
	}
}

// TestZeekOpenFallback checks #open without Options.CaptureStart: the
// start of the first connection written, or Capture.First when Close comes
// first.
func TestZeekOpenFallback(t *testing.T) {
	out := render(t, "zeek", Options{}, testConnections(), testResult())
	if !bytes.Contains(out, []byte("#open\t2024-05-01-10-00-01\n")) {
		t.Errorf("#open is not the start of stream 2 (10:00:01.5):\n%s", out)
	}
	r := testResult()
	r.Connections = testConnections()
	out = render(t, "zeek", Options{}, nil, r)
	if !bytes.Contains(out, []byte("#open\t2024-05-01-10-00-00\n")) {
		t.Errorf("#open is not Capture.First:\n%s", out)
	}
}

func TestZeekUIDDistinct(t *testing.T) {
	seen := map[string]int64{}
	for s := range int64(100000) {
		uid := string(appendZeekUID(nil, s, 0))
		if prev, ok := seen[uid]; ok {
			t.Fatalf("streams %d and %d share uid %s", prev, s, uid)
		}
		seen[uid] = s
	}
}

func TestTextTopN(t *testing.T) {
	cases := []struct {
		name     string
		conns    int
		topN     int
		rows     int
		more     int
		firstRow string // state of the first table row
	}{
		{"fits", 10, 20, 20, 0, "ESTABLISHED"},
		{"exactly TopN", 10, 20, 20, 0, "ESTABLISHED"},
		{"summarised", 30, 8, 8, 52, "CLOSE_WAIT"},
		{"default limit", 150, 0, DefaultTopN, 300 - DefaultTopN, "CLOSE_WAIT"},
		{"no limit", 150, -1, 300, 0, "ESTABLISHED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conns := manyConnections(tc.conns)
			out := string(render(t, "text", Options{TopN: tc.topN}, conns, &result.Result{Summary: summarise(conns)}))
			table := out[strings.Index(out, "Endpoints\n"):]
			table = table[:strings.Index(table, "\n\n")]
			lines := strings.Split(table, "\n")[2:] // title, column header
			note := ""
			if tc.more > 0 {
				note = lines[len(lines)-1]
				lines = lines[:len(lines)-1]
			}
			if len(lines) != tc.rows {
				t.Errorf("%d rows, want %d", len(lines), tc.rows)
			}
			if want := "... " + strconv.Itoa(tc.more) + " more endpoints not shown (use -F json or --top N)"; tc.more > 0 && note != want {
				t.Errorf("note = %q, want %q", note, want)
			}
			if f := strings.Fields(lines[0]); f[3] != tc.firstRow {
				t.Errorf("first row %q, want state %s", lines[0], tc.firstRow)
			}
			if tc.more > 0 {
				// The most interesting rows come first, by stream
				// within a state rank.
				prevRank, prevStream := -1, int64(-1)
				for _, l := range lines {
					f := strings.Fields(l)
					rank := rankOther
					if r, ok := interest[f[3]]; ok {
						rank = int(r)
					}
					stream, _ := strconv.ParseInt(f[6], 10, 64)
					if rank < prevRank || rank == prevRank && stream < prevStream {
						t.Errorf("row %q (rank %d) out of order after rank %d, stream %d", l, rank, prevRank, prevStream)
					}
					prevRank, prevStream = rank, stream
				}
			}
		})
	}
}

func TestTextFindingsOnlyNone(t *testing.T) {
	out := render(t, "text", Options{FindingsOnly: true}, testConnections(), &result.Result{})
	if string(out) != "no findings\n" {
		t.Errorf("got %q, want %q", out, "no findings\n")
	}
}

// TestTextListenersLimited: past the row limit the text report lists the
// busiest listeners and says how many it left out.
func TestTextListenersLimited(t *testing.T) {
	r := testResult()
	r.Listeners = nil
	for i := range 10 {
		r.Listeners = append(r.Listeners, result.Listener{Addr: "10.0.0.9", Port: uint16(1000 + i), FirstFrame: int64(i + 1), Connections: int64(i)})
	}
	out := string(render(t, "text", Options{TopN: 3}, nil, r))
	for _, want := range []string{"10.0.0.9:1009", "10.0.0.9:1008", "10.0.0.9:1007", "... 7 more listeners not shown"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "10.0.0.9:1000 ") {
		t.Errorf("the least busy listener is listed:\n%s", out)
	}
}

// TestTextFindingsLimited: past the row limit the text report prints the
// most severe findings and counts the rest.
func TestTextFindingsLimited(t *testing.T) {
	r := testResult()
	r.Findings = nil
	for i, sev := range []string{"low", "high", "low", "medium", "info"} {
		r.Findings = append(r.Findings, result.Finding{Kind: "reset", Severity: sev, Subject: "10.0.0." + strconv.Itoa(i), Summary: "s", Count: 1})
	}
	out := string(render(t, "text", Options{TopN: 2, FindingsOnly: true}, nil, r))
	for _, want := range []string{"[high] reset 10.0.0.1", "[medium] reset 10.0.0.3", "... 3 more findings not shown"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	digest, list, ok := strings.Cut(out, "\nFindings\n")
	if !ok || !strings.HasPrefix(digest, "Digest: 5 findings\n") || !strings.Contains(digest, "reset  5 subjects: 1 high, 1 medium, 2 low, 1 info; 2 folded") {
		t.Errorf("the digest of all five findings does not come first:\n%s", out)
	}
	if strings.Contains(list, "[low]") {
		t.Errorf("a low finding is printed past the limit:\n%s", out)
	}
}

// summarise counts endpoint states per role, as the reconstructor fills
// Result.Summary for the connections it streams.
func summarise(conns []result.Connection) result.Summary {
	sum := result.Summary{ClientStates: map[string]int64{}, ServerStates: map[string]int64{}}
	for _, c := range conns {
		sum.ClientStates[c.Client.State]++
		sum.ServerStates[c.Server.State]++
	}
	return sum
}

// TestDigestOpensTheFindings: json carries the digest just before the
// findings, html shows it before them, and --top bounds the html findings
// but never the digest.
func TestDigestOpensTheFindings(t *testing.T) {
	r := testResult()
	r.Findings = nil
	for i := range 30 {
		sev := "info"
		if i == 7 {
			sev = "high"
		}
		r.Findings = append(r.Findings, result.Finding{Kind: "syn_rejected", Severity: sev, Subject: "10.0.0." + strconv.Itoa(i) + ":81", Summary: "s", Count: 1})
	}
	js := string(render(t, "json", Options{}, nil, r))
	d, f := strings.Index(js, `"digest": [`), strings.Index(js, `"findings": [`)
	if d < 0 || f < d {
		t.Fatalf("json: digest at %d, findings at %d", d, f)
	}
	var doc struct {
		Digest []result.DigestEntry `json:"digest"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Digest) != 1 || doc.Digest[0].Subjects != 30 || doc.Digest[0].Folded != 27 ||
		doc.Digest[0].Worst[0].Subject != "10.0.0.7:81" || doc.Digest[0].BySeverity["info"] != 29 {
		t.Errorf("digest %+v", doc.Digest)
	}
	page := string(render(t, "html", Options{TopN: 5}, nil, r))
	dg, fi := strings.Index(page, `id="digest-table"`), strings.Index(page, `id="findings"`)
	if dg < 0 || fi < dg || !strings.Contains(page, "<td>30</td>") {
		t.Errorf("html: digest at %d, findings at %d", dg, fi)
	}
	if !strings.Contains(page, "and 25 more") {
		t.Errorf("html: --top 5 does not bound the findings")
	}
}

// TestStreamViewNamesAnomalies: --stream lists a connection's anomalies.
func TestStreamViewNamesAnomalies(t *testing.T) {
	c := testConnections()[0]
	c.Anomalies = []result.Anomaly{{Name: "TCP_xmas_flags", Frame: 7, Count: 2}}
	var b strings.Builder
	if err := WriteStream(&b, &c, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "anomaly TCP_xmas_flags: 2, first in frame 7") {
		t.Errorf("no anomaly line:\n%s", b.String())
	}
	c.Anomalies = nil
	b.Reset()
	if err := WriteStream(&b, &c, nil); err != nil || strings.Contains(b.String(), "anomaly") {
		t.Errorf("a clean connection names an anomaly (%v):\n%s", err, b.String())
	}
}
