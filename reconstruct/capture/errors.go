package capture

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors wrapped by *FileError. Test for them with errors.Is.
var (
	// ErrNotCapture: the input is not a pcap or pcapng capture (unknown
	// magic, empty, or too short for a file header).
	ErrNotCapture = errors.New("not a capture file")
	// ErrTruncated: the input ends inside a record or block.
	ErrTruncated = errors.New("truncated capture")
	// ErrCorrupt: a header holds impossible values (lengths that disagree,
	// a record longer than Options.MaxPacket, an unknown interface).
	ErrCorrupt = errors.New("corrupt capture")
)

// FileError reports a problem at a byte offset of one input. For
// compressed inputs the offset counts decompressed bytes.
type FileError struct {
	File   string // file name, "-" for stdin
	Offset int64  // byte offset of the record or block at fault
	Err    error  // wraps ErrNotCapture, ErrTruncated, ErrCorrupt or an I/O error
}

// Error formats the error as "file: offset N: message".
func (e *FileError) Error() string {
	return e.File + ": offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// problem is a detailed message that unwraps to one of the sentinels.
type problem struct {
	kind error
	msg  string
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

func newProblem(kind error, format string, args ...any) error {
	return &problem{kind: kind, msg: fmt.Sprintf(format, args...)}
}
