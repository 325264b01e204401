package report

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// Connections are the bulk of a json or jsonl report, so they are encoded
// by hand rather than by encoding/json's reflection: jsonOut writes exactly
// the bytes json.Encoder writes (SetEscapeHTML(false), with or without
// SetIndent), which the tests check against it. What it cannot write the
// same way (a time outside the years 0-9999, a non-finite float, a string
// that is not plain ASCII) makes ok false, and the writer falls back to
// encoding/json for that connection.

// jsonOut appends one JSON value, indented with prefix and two spaces per
// level when indent is set.
type jsonOut struct {
	b      []byte
	indent bool
	prefix string
	depth  int
	first  bool // nothing written yet in the innermost object or array
	ok     bool
	sec    *secondText
}

// rowIndent is a newline, the json writer's four-space prefix and room for
// twelve levels of indentation: most newlines are one slice of it.
const rowIndent = "\n    " + "                        "

func (j *jsonOut) newline() {
	if n := 1 + len(j.prefix) + 2*j.depth; j.prefix == "    " && n <= len(rowIndent) {
		j.b = append(j.b, rowIndent[:n]...)
		return
	}
	j.b = append(j.b, '\n')
	j.b = append(j.b, j.prefix...)
	for range j.depth {
		j.b = append(j.b, ' ', ' ')
	}
}

func (j *jsonOut) open(c byte) {
	j.b = append(j.b, c)
	j.depth++
	j.first = true
}

func (j *jsonOut) close(c byte) {
	j.depth--
	if !j.first && j.indent {
		j.newline()
	}
	j.b = append(j.b, c)
	j.first = false
}

// next starts the next member of an object (key) or element of an array
// (key "").
func (j *jsonOut) next(key string) {
	if !j.first {
		j.b = append(j.b, ',')
	}
	j.first = false
	if j.indent {
		j.newline()
	}
	if key != "" {
		j.b = append(j.b, '"')
		j.b = append(j.b, key...)
		j.b = append(j.b, '"', ':')
		if j.indent {
			j.b = append(j.b, ' ')
		}
	}
}

func (j *jsonOut) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			j.ok = false
			return
		}
	}
	j.b = append(j.b, '"')
	j.b = append(j.b, s...)
	j.b = append(j.b, '"')
}

func (j *jsonOut) int(v int64) { j.b = strconv.AppendInt(j.b, v, 10) }

func (j *jsonOut) bool(v bool) { j.b = strconv.AppendBool(j.b, v) }

func (j *jsonOut) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		j.ok = false
		return
	}
	j.b = append(j.b, '"')
	if t.Location() == time.UTC {
		j.b = j.sec.appendUTC(j.b, t)
	} else {
		j.b = t.AppendFormat(j.b, time.RFC3339Nano)
	}
	j.b = append(j.b, '"')
}

// appendUTC appends t (in UTC, year 0-9999) as time.RFC3339Nano does:
// 2006-01-02T15:04:05.999999999Z, trailing zeros of the fraction dropped.
func appendUTC(b []byte, t time.Time) []byte {
	return appendFraction(appendSecond(b, t), t.Nanosecond())
}

// appendSecond appends t's whole second: 2006-01-02T15:04:05.
func appendSecond(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, min, 2)
	b = append(b, ':')
	return appendDigits(b, sec, 2)
}

// appendFraction appends the fraction ns of a second, trailing zeros
// dropped, and the Z.
func appendFraction(b []byte, ns int) []byte {
	if ns != 0 {
		digits := 9
		for ns%10 == 0 {
			ns /= 10
			digits--
		}
		b = append(b, '.')
		b = appendDigits(b, ns, digits)
	}
	return append(b, 'Z')
}

// secondText keeps the text of the last whole second written: a row's
// times, and the rows of a capture, mostly fall in the same second.
type secondText struct {
	unix int64
	text [len("2006-01-02T15:04:05")]byte
	set  bool
}

// appendUTC is appendUTC with the second's text from s (nil: none kept).
func (s *secondText) appendUTC(b []byte, t time.Time) []byte {
	if s == nil {
		return appendUTC(b, t)
	}
	if u := t.Unix(); !s.set || u != s.unix {
		appendSecond(s.text[:0], t)
		s.unix, s.set = u, true
	}
	return appendFraction(append(b, s.text[:]...), t.Nanosecond())
}

// appendDigits appends v (non-negative) with exactly n digits.
func appendDigits(b []byte, v, n int) []byte {
	var buf [9]byte
	for i := n - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:n]...)
}

// float formats as encoding/json does: %f-like between 1e-6 and 1e21,
// exponent form with a one-digit negative exponent cleaned up otherwise.
func (j *jsonOut) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		j.ok = false
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	j.b = strconv.AppendFloat(j.b, f, format, -1, 64)
	if format == 'e' {
		if n := len(j.b); n >= 4 && j.b[n-4] == 'e' && j.b[n-3] == '-' && j.b[n-2] == '0' {
			j.b[n-2] = j.b[n-1]
			j.b = j.b[:n-1]
		}
	}
}

func (j *jsonOut) endpoint(e *result.Endpoint) {
	j.open('{')
	j.next("addr")
	j.str(e.Addr)
	j.next("port")
	j.int(int64(e.Port))
	j.next("state")
	j.str(e.State)
	j.next("evidence")
	j.str(e.Evidence)
	j.next("since")
	if e.Since == nil {
		j.b = append(j.b, "null"...)
	} else {
		j.time(*e.Since)
	}
	j.next("packets")
	j.int(e.Packets)
	j.next("payload_bytes")
	j.int(e.PayloadBytes)
	j.next("ip_bytes")
	j.int(e.IPBytes)
	j.next("sent_fin")
	j.bool(e.SentFIN)
	j.next("sent_rst")
	j.bool(e.SentRST)
	j.next("os")
	if e.OS == nil {
		j.b = append(j.b, "null"...)
	} else {
		j.open('{')
		j.next("family")
		j.str(e.OS.Family)
		j.next("detail")
		j.str(e.OS.Detail)
		j.next("evidence")
		j.str(e.OS.Evidence)
		j.next("source")
		j.str(e.OS.Source)
		j.next("time_wait_seconds")
		j.float(e.OS.TimeWaitSeconds)
		j.close('}')
	}
	j.close('}')
}

// connection appends c (normalized: UTC times, non-nil transitions) to b.
func (j *jsonOut) connection(c *result.Connection) {
	j.open('{')
	if c.Type != "" {
		j.next("type")
		j.str(c.Type)
	}
	j.next("stream")
	j.int(c.Stream)
	j.next("client")
	j.endpoint(&c.Client)
	j.next("server")
	j.endpoint(&c.Server)
	j.next("roles_inferred")
	j.bool(c.RolesInferred)
	j.next("first_frame")
	j.int(c.FirstFrame)
	j.next("last_frame")
	j.int(c.LastFrame)
	j.next("start")
	j.time(c.Start)
	j.next("end")
	j.time(c.End)
	j.next("duration")
	j.float(c.Duration)
	j.next("zeek_conn_state")
	j.str(c.ZeekConnState)
	j.next("history")
	j.str(c.History)
	j.next("missed_bytes")
	j.int(c.MissedBytes)
	j.next("closed_by")
	if c.ClosedBy == nil {
		j.b = append(j.b, "null"...)
	} else {
		j.str(*c.ClosedBy)
	}
	j.next("transitions")
	if c.Transitions == nil {
		j.b = append(j.b, "null"...)
	} else {
		j.open('[')
		for i := range c.Transitions {
			t := &c.Transitions[i]
			j.next("")
			j.open('{')
			j.next("frame")
			j.int(t.Frame)
			j.next("time")
			j.time(t.Time)
			j.next("endpoint")
			j.str(t.Endpoint)
			j.next("from")
			j.str(t.From)
			j.next("to")
			j.str(t.To)
			j.next("cause")
			j.str(t.Cause)
			j.next("evidence")
			j.str(t.Evidence)
			j.close('}')
		}
		j.close(']')
	}
	j.next("filter")
	j.str(c.Filter)
	if len(c.Tunnel) > 0 {
		j.next("tunnel")
		j.open('[')
		for i := range c.Tunnel {
			t := &c.Tunnel[i]
			j.next("")
			j.open('{')
			j.next("type")
			j.str(t.Type)
			j.next("outer")
			j.str(t.Outer)
			if t.ID != nil {
				j.next("id")
				j.int(int64(*t.ID))
			}
			j.close('}')
		}
		j.close(']')
	}
	j.next("community_id")
	j.str(c.CommunityID)
	if c.Part != 0 {
		j.next("part")
		j.int(int64(c.Part))
	}
	if len(c.Anomalies) > 0 {
		j.next("anomalies")
		j.open('[')
		for i := range c.Anomalies {
			a := &c.Anomalies[i]
			j.next("")
			j.open('{')
			j.next("name")
			j.str(a.Name)
			j.next("frame")
			j.int(a.Frame)
			j.next("count")
			j.int(a.Count)
			j.close('}')
		}
		j.close(']')
	}
	j.close('}')
}

// appendConnection appends c as json.Encoder would (without its trailing
// newline): indented under prefix when indent is set, compact otherwise.
// It returns ok false, and b unchanged, for a connection only encoding/json
// can write.
// sec (nil: none) keeps the last second written from one row to the next.
func appendConnection(b []byte, c *result.Connection, indent bool, prefix string, sec *secondText) ([]byte, bool) {
	j := jsonOut{b: b, indent: indent, prefix: prefix, ok: true, sec: sec}
	j.connection(c)
	if !j.ok {
		return b, false
	}
	return j.b, true
}
