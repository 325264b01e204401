package capture

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// codec is a compression format recognised by the first bytes of a file.
type codec struct {
	name  string
	magic [][]byte // any of these at the start of the file
	// open returns the decompressing reader; the reading goroutine closes
	// it when it ends.
	open func(br *bufio.Reader) (io.ReadCloser, error)
}

// zstdMaxWindow bounds the window a zstd frame may ask for: the zstd
// tool's own limit without --long (128 MiB), so a hostile header cannot
// demand gigabytes.
const zstdMaxWindow = 128 << 20

// codecs lists the formats Open and NewReader decompress on the fly. Every
// magic is at least four bytes or cannot start a pcap or pcapng file.
var codecs = []codec{
	{"gzip", [][]byte{{0x1f, 0x8b}}, func(br *bufio.Reader) (io.ReadCloser, error) {
		return gzip.NewReader(br)
	}},
	{"zstd", [][]byte{{0x28, 0xb5, 0x2f, 0xfd}}, func(br *bufio.Reader) (io.ReadCloser, error) {
		// One decoding goroutine: the read-ahead goroutine already
		// overlaps decompression with the parsing.
		d, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}},
	{"xz", [][]byte{{0xfd, '7', 'z', 'X', 'Z', 0x00}}, func(br *bufio.Reader) (io.ReadCloser, error) {
		r, err := xz.NewReader(br)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(r), nil
	}},
	{"bzip2", [][]byte{[]byte("BZh")}, func(br *bufio.Reader) (io.ReadCloser, error) {
		return io.NopCloser(bzip2.NewReader(br)), nil
	}},
	{"lz4", [][]byte{{0x04, 0x22, 0x4d, 0x18}, {0x02, 0x21, 0x4c, 0x18}}, func(br *bufio.Reader) (io.ReadCloser, error) {
		return io.NopCloser(lz4.NewReader(br)), nil
	}},
}

// maxMagic is the longest magic in codecs.
const maxMagic = 6

// detectCodec returns the codec whose magic starts head, or nil. A bzip2
// magic must be followed by a block size digit.
func detectCodec(head []byte) *codec {
	for i := range codecs {
		c := &codecs[i]
		for _, m := range c.magic {
			if !bytes.HasPrefix(head, m) {
				continue
			}
			if c.name == "bzip2" && (len(head) < 4 || head[3] < '1' || head[3] > '9') {
				continue
			}
			return c
		}
	}
	return nil
}

// DecompressError is a failure of the decompressor inside a compressed
// input: corrupt compressed data or a failed checksum. The end of a cut
// stream is not one: it reads as io.ErrUnexpectedEOF.
type DecompressError struct {
	Format string // gzip, zstd, xz, bzip2 or lz4
	Err    error
}

func (e *DecompressError) Error() string { return e.Format + " stream: " + e.Err.Error() }

// Unwrap returns the decompressor's error.
func (e *DecompressError) Unwrap() error { return e.Err }

// decompressor tags the errors of a decompressing reader with its format.
type decompressor struct {
	format string
	r      io.ReadCloser
}

func (d *decompressor) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	switch {
	case err == nil || err == io.EOF:
	case err == io.ErrUnexpectedEOF || errors.Is(err, io.ErrUnexpectedEOF):
		err = io.ErrUnexpectedEOF
	default:
		err = &DecompressError{Format: d.format, Err: err}
	}
	return n, err
}

func (d *decompressor) Close() error { return d.r.Close() }

// decompress looks at the first bytes of r and, when they are the magic of
// a compression format, returns a reader of the decompressed stream, read
// ahead in a goroutine of its own; otherwise it returns r itself and nil.
func decompress(r byteSource) (byteSource, *prefetchReader, error) {
	head, _ := r.Peek(maxMagic)
	c := detectCodec(head)
	if c == nil {
		return r, nil, nil
	}
	// The decompressors read a byte at a time: through a bufio.Reader,
	// which they have a fast path for.
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufferSize)
	}
	zr, err := c.open(br)
	if err != nil {
		return nil, nil, newProblem(ErrNotCapture, "bad %s header: %v", c.name, err)
	}
	pre := newPrefetchReader(&decompressor{format: c.name, r: zr})
	return pre, pre, nil
}

// decompressProblem turns a decompressor's error met while reading what
// (a header, a record) into a corruption problem; ok is false for other
// errors.
func decompressProblem(err error, what string) (error, bool) {
	var de *DecompressError
	if errors.As(err, &de) {
		return newProblem(ErrCorrupt, "%s: %v", what, de), true
	}
	return nil, false
}
