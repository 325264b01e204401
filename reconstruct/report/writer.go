package report

import "github.com/wirestat/wirestat/reconstruct/result"

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
	// FindingsOnly prints only the findings (text, json, jsonl).
	FindingsOnly bool
	// TopN limits the text table to the N most interesting endpoints when
	// there are more; 0 means DefaultTopN, negative means no limit.
	TopN int
}

// DefaultTopN is the text table's row limit before it summarises.
const DefaultTopN = 200
