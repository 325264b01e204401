// Package report writes Results in the formats of the wirestat report
// contract (schema wirestat.report/v1, described in the README): text (a
// netstat-like table), json, jsonl, csv, zeek (a Zeek conn.log), zeek-json
// (the same log as Zeek's JSON writer prints it) and html (one
// self-contained page). ForFormat picks a Writer with a plain switch.
// Writers stream: the reconstructor calls Connection for each
// connection as it finishes and Close once with the final Result, so memory
// stays bounded by open connections rather than by the capture. Close also
// accepts a whole Result: connections still in r.Connections are written
// first, as if passed to Connection.
//
// Output is deterministic: times come from the model (packet time) and are
// printed in UTC, lists keep the model's order, and maps are printed with
// sorted keys. Nothing about the run (wall-clock time, host) is printed.
//
// # json
//
// One document, indented by two spaces, written as it goes: the head
// ("schema", "tool", and the opening of "connections") with the first
// connection, each connection as it finishes (finishing order, not stream
// order), and at Close "listeners", "findings", "summary" and "capture". The
// key order therefore differs from the contract's example, which lists
// "capture" second; JSON objects are unordered, and capture statistics are
// only final at the end. "tool" is Options.Tool, because it is printed
// before Close delivers the Result. Empty lists are [] and empty maps {},
// never null; times are RFC 3339 with nanoseconds in UTC. Display filters
// are written unescaped (no \u0026 for &). With Options.FindingsOnly,
// "connections" and "listeners" are empty.
//
// # jsonl
//
// One compact object per line: {"type":"connection",...} for each
// connection as it finishes, then {"type":"finding",...} for each finding,
// then one {"type":"summary",...} line with schema, tool, capture,
// listeners and summary. Objects have the json document's fields. With
// Options.FindingsOnly the connection lines are left out.
//
// # csv
//
// A header row, then one row per connection as it finishes (see csvHeader
// for the columns). Times are RFC 3339 with nanoseconds in UTC, durations
// seconds, and closed_by is empty when nobody closed the connection. With
// Options.FindingsOnly: a header row, then one row per finding (see
// csvFindingsHeader), streams and frames as space-separated lists.
//
// # zeek
//
// A conn.log in Zeek's ASCII format with Zeek's header lines, readable by
// zeek-cut. Rows follow Zeek's view of the connection (result.ZeekView):
// the originator is the client only when OrigIsClient is set, and History
// is printed as is, so it must already be in Zeek's originator orientation.
// ts is the connection start; duration, orig_bytes and resp_bytes are unset
// ("-") when the Zeek duration is zero, as Zeek does; service, local_orig
// and local_resp are unset. tunnel_parents names one uid per tunnel layer
// of a tunnelled connection (a hash of the layer, so all connections in
// one tunnel share it). The uid is "C" plus 17 base62
// digits derived from the stream number: stable and unique within a
// report, but not the uid Zeek would assign. #open is Options.CaptureStart
// when set; otherwise Capture.First when Close comes before any connection,
// else the start of the first connection written. #close is Capture.Last.
// Both are printed in UTC. With Options.FindingsOnly it is a notice.log
// instead, one row per finding: note Wirestat::KIND, msg the severity and
// summary, sub the display filter, src (a host subject) or dst and p (a
// host:port subject), n the count, uid the stream's when there is exactly
// one.
//
// # zeek-json
//
// The zeek rows as Zeek's JSON logs (LogAscii::use_json=T) carry them: one
// object per line, no header, Zeek's field names, ts as epoch seconds
// (microseconds, the shortest decimal that reads back as the same number),
// intervals as plain numbers, and unset fields left out instead of "-".
// With Options.FindingsOnly, the notice.log rows likewise.
//
// # Selection and verbosity
//
// Options.Select (ss's state names and groups, ParseStates, and a role)
// narrows the text table to the selected endpoints and every other format
// to the connections with a selected endpoint. Options.Verbose adds to the
// text report a Transitions section: every state change of each
// connection in the table, in the table's order.
//
// # text
//
// The default. At Close it prints a one-line capture header, the Endpoints
// table (two rows per connection, one per endpoint, like netstat -an),
// endpoint counts per state and role, listeners, findings and capture
// statistics. Since is the endpoint's last state change as an offset from
// the capture's first packet. Rows are sorted by stream, client first. When
// there are more endpoints than Options.TopN (DefaultTopN), only the TopN
// most interesting are printed, trouble states first (CLOSE_WAIT,
// FIN_WAIT_2, SYN_SENT, SYN_RECEIVED, LAST_ACK, FIN_WAIT_1, CLOSING), then
// TIME_WAIT, then the rest, by stream within each, followed by a line
// counting the rows left out.
//
// Because the table is sorted, the text writer keeps rows until Close: one
// compact struct per endpoint (addresses, state, Since, frames, stream; no
// transitions or history), held in a heap bounded by TopN, so even the text
// output needs memory only for TopN rows plus the per-state counts. A
// negative TopN keeps and prints every row.
//
// # Performance
//
// Writers run once per connection, not per packet. Each record reaches the
// io.Writer in a single Write call as soon as it is complete, so live
// output appears promptly; wrap a file in a bufio.Writer. The zeek and text
// writers format numbers with strconv.Append* into reused buffers; json,
// jsonl and csv use encoding/json and encoding/csv so that output follows
// the model's struct tags exactly. BenchmarkWriters reports connections per
// second for each format.
package report
