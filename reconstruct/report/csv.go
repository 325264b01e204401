package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// csvHeader names the csv columns, one row per connection.
var csvHeader = []string{
	"stream",
	"client_addr", "client_port", "client_state",
	"server_addr", "server_port", "server_state",
	"roles_inferred", "first_frame", "last_frame",
	"start", "end", "duration",
	"client_packets", "server_packets",
	"client_payload_bytes", "server_payload_bytes",
	"zeek_conn_state", "history", "missed_bytes", "closed_by", "filter",
	"client_evidence", "server_evidence",
	"community_id",
	"tunnel",
	"part",
}

// csvFindingsHeader names the columns of --findings-only, one row per
// finding; streams and frames are space-separated lists.
var csvFindingsHeader = []string{
	"kind", "severity", "subject", "summary", "count",
	"streams", "frames", "first", "last", "filter",
}

// csvWriter writes a header and one row per connection, or with
// FindingsOnly one row per finding. Times are RFC 3339 with nanoseconds in
// UTC, durations are seconds, an unknown closed_by is the empty string.
type csvWriter struct {
	cw      *csv.Writer
	opt     Options
	rec     []string
	started bool
	err     error
}

func newCSVWriter(w io.Writer, opt Options) *csvWriter {
	return &csvWriter{cw: csv.NewWriter(w), opt: opt, rec: make([]string, len(csvHeader))}
}

func (cw *csvWriter) row(rec []string) error {
	if cw.err != nil {
		return cw.err
	}
	if err := cw.cw.Write(rec); err != nil {
		cw.err = fmt.Errorf("write report: %w", err)
		return cw.err
	}
	cw.cw.Flush()
	if err := cw.cw.Error(); err != nil {
		cw.err = fmt.Errorf("write report: %w", err)
	}
	return cw.err
}

func (cw *csvWriter) head() error {
	if cw.started {
		return cw.err
	}
	cw.started = true
	if cw.opt.FindingsOnly {
		return cw.row(csvFindingsHeader)
	}
	return cw.row(csvHeader)
}

func (cw *csvWriter) Connection(c *result.Connection) error {
	if cw.opt.FindingsOnly {
		return cw.err
	}
	if err := cw.head(); err != nil {
		return err
	}
	closedBy := ""
	if c.ClosedBy != nil {
		closedBy = *c.ClosedBy
	}
	r := cw.rec
	r[0] = strconv.FormatInt(c.Stream, 10)
	r[1] = c.Client.Addr
	r[2] = strconv.FormatUint(uint64(c.Client.Port), 10)
	r[3] = c.Client.State
	r[4] = c.Server.Addr
	r[5] = strconv.FormatUint(uint64(c.Server.Port), 10)
	r[6] = c.Server.State
	r[7] = strconv.FormatBool(c.RolesInferred)
	r[8] = strconv.FormatInt(c.FirstFrame, 10)
	r[9] = strconv.FormatInt(c.LastFrame, 10)
	r[10] = c.Start.UTC().Format(time.RFC3339Nano)
	r[11] = c.End.UTC().Format(time.RFC3339Nano)
	r[12] = strconv.FormatFloat(c.Duration, 'f', -1, 64)
	r[13] = strconv.FormatInt(c.Client.Packets, 10)
	r[14] = strconv.FormatInt(c.Server.Packets, 10)
	r[15] = strconv.FormatInt(c.Client.PayloadBytes, 10)
	r[16] = strconv.FormatInt(c.Server.PayloadBytes, 10)
	r[17] = c.ZeekConnState
	r[18] = c.History
	r[19] = strconv.FormatInt(c.MissedBytes, 10)
	r[20] = closedBy
	r[21] = c.Filter
	r[22] = c.Client.Evidence
	r[23] = c.Server.Evidence
	r[24] = c.CommunityID
	r[25] = csvTunnel(c.Tunnel)
	r[26] = ""
	if c.Part != 0 {
		r[26] = strconv.FormatInt(int64(c.Part), 10)
	}
	return cw.row(r)
}

// csvTunnel writes a connection's tunnel layers, outermost first, as
// "vxlan id=42 192.0.2.1:50000 > 192.0.2.2:4789; gre 10.0.0.1 > 10.0.0.2";
// empty for plain IP.
func csvTunnel(ts []result.Tunnel) string {
	var b []byte
	for i, t := range ts {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = append(b, t.Type...)
		if t.ID != nil {
			b = append(b, " id="...)
			b = strconv.AppendUint(b, uint64(*t.ID), 10)
		}
		b = append(b, ' ')
		b = append(b, t.Outer...)
	}
	return string(b)
}

func (cw *csvWriter) Close(r *result.Result) error {
	for i := range r.Connections {
		if err := cw.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	if err := cw.head(); err != nil || !cw.opt.FindingsOnly {
		return err
	}
	rec := make([]string, len(csvFindingsHeader))
	for i := range r.Findings {
		f := &r.Findings[i]
		rec[0], rec[1], rec[2], rec[3] = f.Kind, f.Severity, f.Subject, f.Summary
		rec[4] = strconv.FormatInt(f.Count, 10)
		rec[5], rec[6] = joinInts(f.Streams), joinInts(f.Frames)
		rec[7] = f.First.UTC().Format(time.RFC3339Nano)
		rec[8] = f.Last.UTC().Format(time.RFC3339Nano)
		rec[9] = f.Filter
		if err := cw.row(rec); err != nil {
			return err
		}
	}
	return nil
}

// joinInts joins xs with spaces.
func joinInts(xs []int64) string {
	b := make([]byte, 0, 8*len(xs))
	for i, x := range xs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, x, 10)
	}
	return string(b)
}
