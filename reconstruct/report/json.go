package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// jsonBase is what the json and jsonl writers share: the destination, an
// encoder into a reused buffer, and the buffers of one connection.
type jsonBase struct {
	out  stickyWriter
	opt  Options
	buf  bytes.Buffer
	enc  *json.Encoder
	norm connNormalizer
	conn result.Connection
	sec  secondText // the last second a row's time fell in
}

func (j *jsonBase) init(w io.Writer, opt Options) {
	j.out, j.opt = stickyWriter{w: w}, opt
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false) // display filters contain && and <
}

// jsonWriter streams one pretty-printed JSON document: the head (schema,
// tool, the opening of "connections") goes out with the first connection,
// each connection as it finishes, the rest at Close.
type jsonWriter struct {
	jsonBase
	started bool
	n       int
	compact bytes.Buffer // what cenc encodes, before it is indented
	cenc    *json.Encoder
}

func newJSONWriter(w io.Writer, opt Options) *jsonWriter {
	jw := &jsonWriter{}
	jw.init(w, opt)
	jw.cenc = json.NewEncoder(&jw.compact)
	jw.cenc.SetEscapeHTML(false)
	return jw
}

// encode appends v to buf indented for nesting depth prefix, as an
// Encoder with SetIndent(prefix, "  ") writes it without its trailing
// newline (encoded compact, then indented by appendIndent: the Encoder's
// own indentation validates every byte again, and the findings of a busy
// capture run to megabytes).
func (jw *jsonWriter) encode(prefix string, v any) error {
	jw.compact.Reset()
	if err := jw.cenc.Encode(v); err != nil {
		jw.out.err = fmt.Errorf("encode json: %w", err)
		return jw.out.err
	}
	b := jw.compact.Bytes()
	b = b[:len(b)-1]
	jw.buf.Grow(3 * len(b))
	// Indented into buf's own free space: nothing is copied.
	jw.buf.Write(appendIndent(jw.buf.AvailableBuffer(), b, prefix, "  "))
	return nil
}

func (jw *jsonWriter) head() error {
	if jw.started {
		return nil
	}
	jw.started = true
	jw.buf.Reset()
	jw.buf.WriteString("{\n  \"schema\": ")
	if err := jw.encode("  ", result.Schema); err != nil {
		return err
	}
	jw.buf.WriteString(",\n  \"tool\": ")
	if err := jw.encode("  ", jw.opt.Tool); err != nil {
		return err
	}
	jw.buf.WriteString(",\n  \"connections\": [")
	return jw.out.write(jw.buf.Bytes())
}

func (jw *jsonWriter) Connection(c *result.Connection) error {
	if jw.out.err != nil || jw.opt.FindingsOnly {
		return jw.out.err
	}
	if err := jw.head(); err != nil {
		return err
	}
	jw.norm.normalize(&jw.conn, c)
	jw.conn.Type = ""
	jw.buf.Reset()
	if jw.n > 0 {
		jw.buf.WriteByte(',')
	}
	jw.buf.WriteString("\n    ")
	if b, ok := appendConnection(jw.buf.AvailableBuffer(), &jw.conn, true, "    ", &jw.sec); ok {
		jw.buf.Write(b) // b is buf's own free space: nothing is copied
	} else if err := jw.encode("    ", &jw.conn); err != nil {
		return err
	}
	jw.n++
	return jw.out.write(jw.buf.Bytes())
}

func (jw *jsonWriter) Close(r *result.Result) error {
	for i := range r.Connections {
		if err := jw.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	if err := jw.head(); err != nil {
		return err
	}
	jw.buf.Reset()
	if jw.n > 0 {
		jw.buf.WriteString("\n  ")
	}
	jw.buf.WriteByte(']')
	listeners := normalizeListeners(r.Listeners)
	if jw.opt.FindingsOnly {
		listeners = []result.Listener{}
	}
	fields := [...]struct {
		name string
		v    any
	}{
		{"listeners", listeners},
		{"digest", digestOf(r.Findings)},
		{"findings", normalizeFindings(r.Findings)},
		{"summary", normalizeSummary(r.Summary)},
		{"capture", normalizeCapture(r.Capture)},
	}
	for _, f := range fields {
		jw.buf.WriteString(",\n  \"")
		jw.buf.WriteString(f.name)
		jw.buf.WriteString("\": ")
		if err := jw.encode("  ", f.v); err != nil {
			return err
		}
		// Each section goes out as it is made: the findings of a busy
		// capture run to megabytes.
		if err := jw.out.write(jw.buf.Bytes()); err != nil {
			return err
		}
		jw.buf.Reset()
	}
	jw.buf.WriteString("\n}\n")
	return jw.out.write(jw.buf.Bytes())
}

// jsonlWriter writes one JSON object per line: connections as they finish,
// then findings, then one summary line.
type jsonlWriter struct {
	jsonBase
	scratch []byte // a connection's line, encoded by appendConnection
}

// jsonlSummary is the last line of jsonl output.
type jsonlSummary struct {
	Type      string            `json:"type"`
	Schema    string            `json:"schema"`
	Tool      result.Tool       `json:"tool"`
	Capture   result.Capture    `json:"capture"`
	Listeners []result.Listener `json:"listeners"`
	Summary   result.Summary    `json:"summary"`
}

func newJSONLWriter(w io.Writer, opt Options) *jsonlWriter {
	jw := &jsonlWriter{}
	jw.init(w, opt)
	return jw
}

func (jw *jsonlWriter) line(v any) error {
	jw.buf.Reset()
	if err := jw.enc.Encode(v); err != nil {
		jw.out.err = fmt.Errorf("encode json: %w", err)
		return jw.out.err
	}
	return jw.out.write(jw.buf.Bytes())
}

func (jw *jsonlWriter) Connection(c *result.Connection) error {
	if jw.out.err != nil || jw.opt.FindingsOnly {
		return jw.out.err
	}
	jw.norm.normalize(&jw.conn, c)
	jw.conn.Type = "connection"
	b, ok := appendConnection(jw.scratch[:0], &jw.conn, false, "", &jw.sec)
	if !ok {
		return jw.line(&jw.conn)
	}
	jw.scratch = append(b, '\n')
	return jw.out.write(jw.scratch)
}

func (jw *jsonlWriter) Close(r *result.Result) error {
	for i := range r.Connections {
		if err := jw.Connection(&r.Connections[i]); err != nil {
			return err
		}
	}
	for _, e := range digestOf(r.Findings) {
		e.Type = "digest"
		if err := jw.line(&e); err != nil {
			return err
		}
	}
	for i := range r.Findings {
		f := normalizeFinding(r.Findings[i])
		f.Type = "finding"
		if err := jw.line(&f); err != nil {
			return err
		}
	}
	s := jsonlSummary{
		Type:      "summary",
		Schema:    result.Schema,
		Tool:      jw.opt.Tool,
		Capture:   normalizeCapture(r.Capture),
		Listeners: normalizeListeners(r.Listeners),
		Summary:   normalizeSummary(r.Summary),
	}
	if jw.opt.FindingsOnly {
		s.Listeners = []result.Listener{}
	}
	return jw.line(&s)
}
