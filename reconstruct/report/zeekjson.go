package report

import (
	"encoding/json"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// zeekJSONWriter writes Zeek's JSON log (LogAscii::use_json=T): one object
// per line with the conn.log field names, times as epoch seconds, and the
// fields Zeek leaves unset left out. No header and no #close line.
type zeekJSONWriter struct {
	out stickyWriter
	opt Options
	buf []byte
}

func newZeekJSONWriter(w io.Writer, opt Options) *zeekJSONWriter {
	return &zeekJSONWriter{out: stickyWriter{w: w}, opt: opt, buf: make([]byte, 0, 512)}
}

func (zw *zeekJSONWriter) Connection(c *result.Connection) error {
	if zw.opt.FindingsOnly {
		return zw.out.err
	}
	orig, resp := &c.Client, &c.Server
	if !c.Zeek.OrigIsClient {
		orig, resp = resp, orig
	}
	b := append(zw.buf[:0], '{')
	if !c.Start.IsZero() {
		b = append(b, `"ts":`...)
		b = appendEpoch(b, c.Start)
		b = append(b, ',')
	}
	b = append(b, `"uid":"`...)
	b = appendZeekUID(b, c.Stream, c.Part)
	b = append(b, `",`...)
	b = appendJSONField(b, "id.orig_h", orig.Addr)
	b = append(b, `"id.orig_p":`...)
	b = strconv.AppendUint(b, uint64(orig.Port), 10)
	b = append(b, ',')
	b = appendJSONField(b, "id.resp_h", resp.Addr)
	b = append(b, `"id.resp_p":`...)
	b = strconv.AppendUint(b, uint64(resp.Port), 10)
	b = append(b, `,"proto":"tcp",`...)
	if c.Zeek.Duration != 0 {
		b = append(b, `"duration":`...)
		b = strconv.AppendFloat(b, c.Zeek.Duration, 'f', -1, 64)
		b = append(b, `,"orig_bytes":`...)
		b = strconv.AppendInt(b, c.Zeek.OrigBytes, 10)
		b = append(b, `,"resp_bytes":`...)
		b = strconv.AppendInt(b, c.Zeek.RespBytes, 10)
		b = append(b, ',')
	}
	b = appendJSONField(b, "conn_state", c.ZeekConnState)
	b = append(b, `"missed_bytes":`...)
	b = strconv.AppendInt(b, c.MissedBytes, 10)
	b = append(b, ',')
	b = appendJSONField(b, "history", c.History)
	b = append(b, `"orig_pkts":`...)
	b = strconv.AppendInt(b, orig.Packets, 10)
	b = append(b, `,"orig_ip_bytes":`...)
	b = strconv.AppendInt(b, orig.IPBytes, 10)
	b = append(b, `,"resp_pkts":`...)
	b = strconv.AppendInt(b, resp.Packets, 10)
	b = append(b, `,"resp_ip_bytes":`...)
	b = strconv.AppendInt(b, resp.IPBytes, 10)
	if len(c.Tunnel) > 0 {
		// Zeek writes a set as a JSON array.
		b = append(b, `,"tunnel_parents":[`...)
		start := len(b)
		b = appendZeekTunnels(b, c.Tunnel)
		uids := strings.Split(string(b[start:]), ",")
		b = b[:start]
		for i, u := range uids {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, u)
		}
		b = append(b, ']')
	}
	if c.CommunityID != "" {
		b = append(b, ',')
		b = appendJSONField(b, "community_id", c.CommunityID)
		b = b[:len(b)-1] // appendJSONField ends with a comma
	}
	b = append(b, "}\n"...)
	zw.buf = b
	return zw.out.write(b)
}

func (zw *zeekJSONWriter) Close(r *result.Result) error {
	for i := range r.Connections {
		if err := zw.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	if !zw.opt.FindingsOnly {
		return zw.out.err
	}
	for i := range r.Findings {
		n := zeekNoticeOf(&r.Findings[i])
		b := append(zw.buf[:0], '{')
		if !n.ts.IsZero() {
			b = append(b, `"ts":`...)
			b = appendEpoch(b, n.ts)
			b = append(b, ',')
		}
		if n.stream >= 0 {
			b = append(b, `"uid":"`...)
			b = appendZeekUID(b, n.stream, 0)
			b = append(b, `",`...)
		}
		b = append(b, `"proto":"tcp",`...)
		b = appendJSONField(b, "note", n.note)
		b = appendJSONField(b, "msg", n.msg)
		b = appendJSONField(b, "sub", n.sub)
		if n.src.IsValid() {
			b = appendJSONField(b, "src", n.src.String())
		}
		if n.dst.IsValid() {
			b = appendJSONField(b, "dst", n.dst.String())
		}
		if n.port != 0 {
			b = append(b, `"p":`...)
			b = strconv.AppendUint(b, uint64(n.port), 10)
			b = append(b, ',')
		}
		b = append(b, `"n":`...)
		b = strconv.AppendInt(b, n.count, 10)
		b = append(b, `,"actions":["`+zeekNoticeAction+`"]}`+"\n"...)
		zw.buf = b
		if err := zw.out.write(b); err != nil {
			return err
		}
	}
	return zw.out.err
}

// appendEpoch appends t as epoch seconds rounded to the microsecond, the
// shortest decimal that reads back as the same float (Zeek's JSON::TS_EPOCH).
func appendEpoch(b []byte, t time.Time) []byte {
	t = t.Round(time.Microsecond)
	return strconv.AppendFloat(b, float64(t.Unix())+float64(t.Nanosecond()/1000)/1e6, 'f', -1, 64)
}

// appendJSONField appends "key":"value", for a set value only: Zeek
// leaves unset fields out of its JSON logs.
func appendJSONField(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":`...)
	b = appendJSONString(b, value)
	return append(b, ',')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// zeekNoticeAction is the one action of every notice: it was logged.
const zeekNoticeAction = "Notice::ACTION_LOG"

// zeekNotice is a finding as a row of Zeek's notice.log.
type zeekNotice struct {
	ts       time.Time
	stream   int64 // the connection's stream when the finding has exactly one, else -1
	note     string
	msg      string
	sub      string
	src, dst netip.Addr
	port     uint16
	count    int64
}

// zeekNoticeOf maps a finding to notice.log fields: note is
// Wirestat::KIND, msg the severity and summary, sub the Wireshark display
// filter of the evidence, and the subject becomes src (a host: a scanner,
// a resetting client) or dst and p (a host:port).
func zeekNoticeOf(f *result.Finding) zeekNotice {
	n := zeekNotice{
		ts:     f.First,
		stream: -1,
		note:   "Wirestat::" + f.Kind,
		msg:    "[" + f.Severity + "] " + f.Summary,
		sub:    f.Filter,
		count:  f.Count,
	}
	if len(f.Streams) == 1 {
		n.stream = f.Streams[0]
	}
	if ap, err := netip.ParseAddrPort(f.Subject); err == nil {
		n.dst, n.port = ap.Addr(), ap.Port()
	} else if a, err := netip.ParseAddr(f.Subject); err == nil {
		n.src = a
	}
	return n
}
