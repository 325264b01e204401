package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// Writer turns a stream of finished connections plus the final Result into
// one output format. Connection is called once per connection, in the order
// connections finish (streaming formats write it at once); Close is called
// once at the end with the complete Result, whose Connections slice is empty
// because every connection was already passed to Connection. Close writes
// what remains (listeners, findings, summary, capture statistics) but does
// not close the underlying io.Writer.
type Writer interface {
	Connection(c *result.Connection) error
	Close(r *result.Result) error
}

// Options tune the writers; the zero value is the default.
type Options struct {
	// FindingsOnly prints only the findings: csv writes one row per
	// finding instead of one per connection, zeek and zeek-json a Zeek
	// notice.log instead of the conn.log.
	FindingsOnly bool
	// Select picks the endpoints (text) or connections (every other
	// format) reported; the zero value selects all.
	Select Selection
	// Verbose adds each connection's state transitions to the text
	// report, under the endpoint table.
	Verbose bool
	// TopN limits the text table to the N most interesting endpoints when
	// there are more; 0 means DefaultTopN, negative means no limit.
	TopN int
	// Tool names the program in the json document and the jsonl summary
	// line. The json writer prints it before the first connection, before
	// Close delivers the Result, so it cannot come from Result.Tool. The
	// zero value means DefaultTool.
	Tool result.Tool
	// CaptureStart is the time of the capture's first packet when the
	// caller knows it before the first connection finishes. The zeek writer
	// prints it in the #open header. When zero, the zeek writer uses
	// Capture.First if no connection was written before Close, and
	// otherwise the start of the first connection written.
	CaptureStart time.Time
}

// DefaultTopN is the text table's row limit before it summarises.
const DefaultTopN = 200

// DefaultTool is the tool written when Options.Tool is zero.
var DefaultTool = result.Tool{Name: "wirestat", Version: "devel"}

// ErrUnknownFormat is returned by ForFormat for a format it does not know.
var ErrUnknownFormat = errors.New("unknown report format")

// formats lists the valid format names, the default first.
var formats = [...]string{"text", "json", "jsonl", "csv", "zeek", "zeek-json", "html"}

// Formats returns the format names ForFormat accepts, the default first.
func Formats() []string { return formats[:] }

// ForFormat returns a Writer producing format on w: text (the default when
// format is empty), json, jsonl, csv, zeek (Zeek's TSV conn.log),
// zeek-json (Zeek's JSON conn.log) or html. Names are case-insensitive. An
// unknown name yields an error wrapping ErrUnknownFormat that lists the
// valid names.
//
// Each record (a connection, a finding, a section) reaches w in one Write
// call as soon as it is complete; wrap w in a bufio.Writer when writing many
// connections to a file.
func ForFormat(format string, w io.Writer, opt Options) (Writer, error) {
	if opt.Tool == (result.Tool{}) {
		opt.Tool = DefaultTool
	}
	format = strings.ToLower(format)
	if format == "" || format == "text" {
		return newTextWriter(w, opt), nil
	}
	wr, err := forFormat(format, w, opt)
	if err != nil || !opt.Select.Active() {
		return wr, err
	}
	return selectWriter{wr, opt.Select}, nil
}

// forFormat returns the Writer of every format but text.
func forFormat(format string, w io.Writer, opt Options) (Writer, error) {
	switch format {
	case "json":
		return newJSONWriter(w, opt), nil
	case "jsonl":
		return newJSONLWriter(w, opt), nil
	case "csv":
		return newCSVWriter(w, opt), nil
	case "zeek":
		return newZeekWriter(w, opt), nil
	case "zeek-json":
		return newZeekJSONWriter(w, opt), nil
	case "html":
		return newHTMLWriter(w, opt), nil
	}
	return nil, fmt.Errorf("%w %q (valid: %s)", ErrUnknownFormat, format, strings.Join(formats[:], ", "))
}

// stickyWriter remembers the first write error so writers can skip work
// after a failure and report it from every later call.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) write(p []byte) error {
	if s.err != nil {
		return s.err
	}
	if _, err := s.w.Write(p); err != nil {
		s.err = fmt.Errorf("write report: %w", err)
	}
	return s.err
}
