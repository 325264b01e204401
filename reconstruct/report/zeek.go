package report

import (
	"hash/fnv"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// zeekHead is the log header up to #path, byte for byte as Zeek's ASCII
// writer prints it; #path, #open, #fields and #types follow.
const zeekHead = "#separator \\x09\n" +
	"#set_separator\t,\n" +
	"#empty_field\t(empty)\n" +
	"#unset_field\t-\n"

const zeekFields = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tcommunity_id\n"

const zeekTypes = "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\n"

// zeekNoticeFields and zeekNoticeTypes head the notice.log written for
// Options.FindingsOnly: Zeek's notice.log fields that a finding fills.
const zeekNoticeFields = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tnote\tmsg\tsub\tsrc\tdst\tp\tn\tactions\tsuppress_for\n"

const zeekNoticeTypes = "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tenum\tstring\tstring\taddr\taddr\tport\tcount\tset[enum]\tinterval\n"

// zeekTimeLayout is how Zeek prints #open and #close.
const zeekTimeLayout = "2006-01-02-15-04-05"

// zeekWriter writes a Zeek conn.log: originator and responder as Zeek
// decides them (Connection.Zeek), times in UTC. With FindingsOnly it
// writes a notice.log of the findings instead.
type zeekWriter struct {
	out     stickyWriter
	opt     Options
	buf     []byte
	started bool
	last    time.Time // latest connection end, for #close
}

func newZeekWriter(w io.Writer, opt Options) *zeekWriter {
	return &zeekWriter{out: stickyWriter{w: w}, opt: opt, buf: make([]byte, 0, 512)}
}

func (zw *zeekWriter) head(open time.Time) error {
	if zw.started {
		return zw.out.err
	}
	zw.started = true
	if !zw.opt.CaptureStart.IsZero() {
		open = zw.opt.CaptureStart
	}
	path, fields, types := "conn", zeekFields, zeekTypes
	if zw.opt.FindingsOnly {
		path, fields, types = "notice", zeekNoticeFields, zeekNoticeTypes
	}
	b := append(zw.buf[:0], zeekHead...)
	b = append(b, "#path\t"...)
	b = append(b, path...)
	b = append(b, "\n#open\t"...)
	b = appendZeekStamp(b, open)
	b = append(b, '\n')
	b = append(b, fields...)
	b = append(b, types...)
	zw.buf = b
	return zw.out.write(b)
}

func (zw *zeekWriter) Connection(c *result.Connection) error {
	if zw.opt.FindingsOnly {
		return zw.out.err
	}
	if err := zw.head(c.Start); err != nil {
		return err
	}
	if c.End.After(zw.last) {
		zw.last = c.End
	}
	orig, resp := &c.Client, &c.Server
	if !c.Zeek.OrigIsClient {
		orig, resp = resp, orig
	}
	b := zw.buf[:0]
	b = appendZeekTime(b, c.Start)
	b = append(b, '\t')
	b = appendZeekUID(b, c.Stream, c.Part)
	b = append(b, '\t')
	b = appendZeekString(b, orig.Addr, "-")
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(orig.Port), 10)
	b = append(b, '\t')
	b = appendZeekString(b, resp.Addr, "-")
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(resp.Port), 10)
	b = append(b, "\ttcp\t-\t"...) // proto, service
	if c.Zeek.Duration == 0 {
		b = append(b, "-\t-\t-\t"...) // duration, orig_bytes, resp_bytes
	} else {
		b = strconv.AppendFloat(b, c.Zeek.Duration, 'f', 6, 64)
		b = append(b, '\t')
		b = strconv.AppendInt(b, c.Zeek.OrigBytes, 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, c.Zeek.RespBytes, 10)
		b = append(b, '\t')
	}
	b = appendZeekString(b, c.ZeekConnState, "-")
	b = append(b, "\t-\t-\t"...) // local_orig, local_resp
	b = strconv.AppendInt(b, c.MissedBytes, 10)
	b = append(b, '\t')
	b = appendZeekString(b, c.History, "-")
	b = append(b, '\t')
	b = strconv.AppendInt(b, orig.Packets, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, orig.IPBytes, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, resp.Packets, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, resp.IPBytes, 10)
	b = append(b, '\t')
	b = appendZeekTunnels(b, c.Tunnel)
	b = append(b, '\t')
	b = appendZeekString(b, c.CommunityID, "-")
	b = append(b, '\n')
	zw.buf = b
	return zw.out.write(b)
}

func (zw *zeekWriter) Close(r *result.Result) error {
	var first time.Time
	if r.Capture.First != nil {
		first = *r.Capture.First
	}
	if err := zw.head(first); err != nil {
		return err
	}
	for i := range r.Connections {
		if err := zw.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	if zw.opt.FindingsOnly {
		for i := range r.Findings {
			if err := zw.notice(&r.Findings[i]); err != nil {
				return err
			}
		}
	}
	closed := zw.last
	if r.Capture.Last != nil {
		closed = *r.Capture.Last
	}
	if closed.IsZero() {
		closed = first
	}
	b := append(zw.buf[:0], "#close\t"...)
	b = appendZeekStamp(b, closed)
	b = append(b, '\n')
	zw.buf = b
	return zw.out.write(b)
}

// notice writes one finding as a notice.log row.
func (zw *zeekWriter) notice(f *result.Finding) error {
	n := zeekNoticeOf(f)
	b := appendZeekTime(zw.buf[:0], n.ts)
	b = append(b, '\t')
	if n.stream >= 0 {
		b = appendZeekUID(b, n.stream, 0)
	} else {
		b = append(b, '-')
	}
	b = append(b, "\t-\t-\t-\t-\ttcp\t"...) // id.*, proto
	b = appendZeekString(b, n.note, "-")
	b = append(b, '\t')
	b = appendZeekString(b, n.msg, "-")
	b = append(b, '\t')
	b = appendZeekString(b, n.sub, "-")
	for _, a := range [2]netip.Addr{n.src, n.dst} {
		b = append(b, '\t')
		if a.IsValid() {
			b = a.AppendTo(b)
		} else {
			b = append(b, '-')
		}
	}
	b = append(b, '\t')
	if n.port != 0 {
		b = strconv.AppendUint(b, uint64(n.port), 10)
	} else {
		b = append(b, '-')
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, n.count, 10)
	b = append(b, "\t"+zeekNoticeAction+"\t-\n"...)
	zw.buf = b
	return zw.out.write(b)
}

// appendZeekStamp appends t as Zeek prints #open and #close, in UTC, or the
// unset marker for the zero time.
func appendZeekStamp(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, '-')
	}
	return t.UTC().AppendFormat(b, zeekTimeLayout)
}

// appendZeekTime appends t as epoch seconds with six decimals (Zeek's time
// type), rounded to the microsecond, or the unset marker for the zero time.
func appendZeekTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, '-')
	}
	t = t.Round(time.Microsecond)
	b = strconv.AppendInt(b, t.Unix(), 10)
	b = append(b, '.')
	us := t.Nanosecond() / 1000
	for d := 100000; d > 0; d /= 10 {
		b = append(b, byte('0'+us/d%10))
	}
	return b
}

// appendZeekUID appends a connection uid shaped like Zeek's ("C" and 17
// base62 digits). It is a bijective mix of the stream number and the
// record's part (result.Connection.Part: a continuation is a new conn.log
// row with its own uid, as Zeek's after an inactivity timeout), so it is
// stable across runs and unique within a report, but unrelated to the uid
// Zeek itself would assign.
func appendZeekUID(b []byte, stream int64, part int32) []byte {
	return appendUID(b, uint64(stream)|uint64(uint16(part))<<48)
}

// appendZeekTunnels appends tunnel_parents: one uid per tunnel layer,
// comma-separated (Zeek's set), or unset for plain IP. A layer's uid is a
// hash of its type, ID and outer endpoints in either direction, so both
// directions of a tunnel, and every connection inside it, name the same
// parent. Zeek's own uids are random; these are stable across runs.
func appendZeekTunnels(b []byte, ts []result.Tunnel) []byte {
	if len(ts) == 0 {
		return append(b, '-')
	}
	for i := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		t := &ts[i]
		src, dst, _ := strings.Cut(t.Outer, " > ")
		if src > dst {
			src, dst = dst, src
		}
		h := fnv.New64a()
		h.Write([]byte(t.Type + "|" + src + "|" + dst))
		if t.ID != nil {
			h.Write([]byte{byte(*t.ID >> 24), byte(*t.ID >> 16), byte(*t.ID >> 8), byte(*t.ID)})
		}
		b = appendUID(b, h.Sum64()|1<<63) // the top bit keeps them apart from stream uids
	}
	return b
}

// appendUID appends a Zeek-style uid: "C" and 17 base62 digits of n.
func appendUID(b []byte, n uint64) []byte {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	x := mix64(n)
	y := mix64(n ^ 0x9e3779b97f4a7c15)
	b = append(b, 'C')
	for range 11 { // 62^11 > 2^64: all of x, so distinct streams differ
		b = append(b, digits[x%62])
		x /= 62
	}
	for range 6 {
		b = append(b, digits[y%62])
		y /= 62
	}
	return b
}

// mix64 is the splitmix64 finaliser, a bijection on uint64.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// appendZeekString appends s escaped as Zeek's ASCII writer does (tabs,
// control bytes and backslashes as \xNN), or unset when s is empty.
func appendZeekString(b []byte, s, unset string) []byte {
	if s == "" {
		return append(b, unset...)
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}
