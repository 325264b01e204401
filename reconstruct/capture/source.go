package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// DefaultMaxPacket is the default for Options.MaxPacket: the largest
// captured length of one record (Wireshark's own limit for Ethernet-like
// link types). A record claiming more is treated as corrupt.
const DefaultMaxPacket = 256 << 10

// readBufferSize is the size of the buffered reader over each input.
const readBufferSize = 256 << 10

// Options configures Open and NewReader. The zero value is ready to use.
type Options struct {
	// MaxPacket is the largest captured length accepted for one record;
	// a record claiming more is corrupt. Zero means DefaultMaxPacket.
	MaxPacket int
	// ReadAhead reads files in a goroutine of their own, ahead of the
	// parsing, so reading (from disk, or copying from the page cache)
	// overlaps with the work on what was read. Standard input and the
	// decompression of compressed input always run so.
	ReadAhead bool
}

func (o Options) maxPacket() int {
	if o.MaxPacket <= 0 {
		return DefaultMaxPacket
	}
	return o.MaxPacket
}

// Open returns a Source reading the named pcap or pcapng files (each
// optionally compressed with gzip, zstd, xz, bzip2 or lz4, recognised by
// content) one after the other as a single capture:
// frame numbers continue across files. The name "-" reads standard input.
// Open fails only when names is empty or a file cannot be found; problems
// inside a file are reported by Next as *FileError values.
func Open(names []string, opt Options) (Source, error) {
	if len(names) == 0 {
		return nil, errors.New("open capture: no input files")
	}
	for _, name := range names {
		if name == "-" {
			continue
		}
		if _, err := os.Stat(name); err != nil {
			return nil, fmt.Errorf("open capture: %w", err)
		}
	}
	s := &source{names: names, max: opt.maxPacket(), readAhead: opt.ReadAhead}
	for _, name := range names {
		if fi, err := os.Stat(name); err == nil && name != "-" && fi.Mode().IsRegular() {
			s.total += fi.Size()
		}
	}
	s.open = func(name string) (io.ReadCloser, error) {
		if name == "-" {
			return io.NopCloser(os.Stdin), nil
		}
		return os.Open(name)
	}
	return s, nil
}

// NewReader returns a Source reading one pcap or pcapng stream (optionally
// compressed, as for Open) from r. The name is used in Packet.File and in errors.
func NewReader(name string, r io.Reader, opt Options) Source {
	s := &source{names: []string{name}, max: opt.maxPacket(), readAhead: opt.ReadAhead}
	s.open = func(string) (io.ReadCloser, error) { return io.NopCloser(r), nil }
	return s
}

// source is the Source behind Open and NewReader.
type source struct {
	names     []string
	readAhead bool // read files ahead in a goroutine (Options.ReadAhead)
	open      func(name string) (io.ReadCloser, error)
	max       int
	next      int         // index of the next file to open
	cur       *fileReader // nil between files
	frames    int64
	buf       []byte // packet data, reused for every record
	closed    bool
	total     int64        // bytes in all regular input files (0: unknown)
	done      atomic.Int64 // bytes read from the inputs (compressed bytes for compressed input)
	shared    atomic.Int64 // frames, published every 1024 for Progress
}

// Progresser is implemented by sources that can tell how far they have
// read. It is safe to call from another goroutine while Next runs.
type Progresser interface {
	// Progress returns the bytes read so far, the bytes in all inputs (0
	// when unknown, as for standard input) and about how many frames were
	// read (updated every 1024 frames).
	Progress() (done, total, frames int64)
}

// Progress implements Progresser.
func (s *source) Progress() (done, total, frames int64) {
	return s.done.Load(), s.total, s.shared.Load()
}

// countingReader adds the bytes read to a shared counter.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Next implements Source.
func (s *source) Next() (Packet, error) {
	if s.closed {
		return Packet{}, os.ErrClosed
	}
	for {
		if s.cur == nil {
			if s.next >= len(s.names) {
				return Packet{}, io.EOF
			}
			name := s.names[s.next]
			s.next++
			fr, err := s.openFile(name)
			if err != nil {
				return Packet{}, err
			}
			s.cur = fr
		}
		p, err := s.cur.next(s)
		if err == nil {
			return p, nil
		}
		s.cur.close()
		s.cur = nil
		if err != io.EOF {
			return Packet{}, err
		}
	}
}

// Frames implements Source.
func (s *source) Frames() int64 { return s.frames }

// Close implements Source.
func (s *source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cur != nil {
		err := s.cur.close()
		s.cur = nil
		return err
	}
	return nil
}

// countFrame counts a frame, publishing the count for Progress every 1024.
func (s *source) countFrame() {
	s.frames++
	if s.frames&1023 == 0 {
		s.shared.Store(s.frames)
	}
}

// packet numbers a frame and describes it.
func (s *source) packet(f *fileReader, start int64, data []byte, ts time.Time, caplen, origlen uint32, link uint16) Packet {
	s.countFrame()
	return Packet{
		Data:          data,
		Timestamp:     ts,
		CaptureLength: int(caplen),
		Length:        int(max(origlen, caplen)),
		LinkType:      link,
		Frame:         s.frames,
		File:          f.name,
		Offset:        start,
	}
}

// packetBuf returns the shared packet buffer resized to n bytes. n has been
// checked against s.max by the caller.
func (s *source) packetBuf(n int) []byte {
	if cap(s.buf) < n {
		s.buf = make([]byte, n, max(n, min(s.max, 64<<10)))
	}
	return s.buf[:n]
}

// openFile opens one input, detects compression and the capture format,
// and reads the file header.
func (s *source) openFile(name string) (*fileReader, error) {
	rc, err := s.open(name)
	if err != nil {
		return nil, &FileError{File: name, Err: err}
	}
	fr := &fileReader{name: name, closer: rc}
	var in io.Reader = countingReader{rc, &s.done}
	var r byteSource
	if name == "-" || s.readAhead {
		// Read in a goroutine of its own, ahead of parsing, so the copy
		// from the pipe's writer or the file overlaps with the work.
		fr.pipe = newPrefetchReader(in)
		r = fr.pipe
	} else {
		r = bufio.NewReaderSize(in, readBufferSize)
	}
	r, fr.pre, err = decompress(r)
	if err != nil {
		fr.close()
		return nil, &FileError{File: name, Err: err}
	}
	fr.r = r
	if err := fr.readHeader(); err != nil {
		fr.close()
		return nil, err
	}
	return fr, nil
}

// byteSource is what a fileReader reads from: a bufio.Reader over the
// input, or a prefetchReader that reads it ahead in place.
type byteSource interface {
	io.Reader
	Peek(n int) ([]byte, error)
	Discard(n int) (int, error)
}

// fileReader reads the records of one input.
type fileReader struct {
	name   string
	closer io.Closer
	pre    *prefetchReader // decompression ahead of r (compressed inputs)
	pipe   *prefetchReader // the input read ahead of r (standard input, or a file with ReadAhead)
	r      byteSource
	off    int64 // bytes consumed from r
	big    bool  // big-endian file or section
	ng     bool  // pcapng rather than pcap
	nano   bool  // pcap: nanosecond timestamps
	link   uint16
	ifaces []iface // pcapng: interfaces of the current section
	hdr    [32]byte
}

// iface is one pcapng interface.
type iface struct {
	link    uint16
	snaplen uint32
	units   uint64 // timestamp units per second
	offset  int64  // if_tsoffset, seconds
}

// close releases the input. A decompressing goroutine is told to stop and
// ends by itself: at once when closing the file fails its read, or at its
// next read or hand-off (standard input cannot be closed under it).
func (f *fileReader) close() error {
	for _, p := range []*prefetchReader{f.pre, f.pipe} {
		if p != nil {
			p.stop()
		}
	}
	return f.closer.Close()
}

func (f *fileReader) fail(off int64, err error) error {
	return &FileError{File: f.name, Offset: off, Err: err}
}

func (f *fileReader) u16(b []byte) uint16 {
	if f.big {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

func (f *fileReader) u32(b []byte) uint32 {
	if f.big {
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	return uint32(b[3])<<24 | uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0])
}

// read fills b. It returns the number of bytes read and the underlying
// error: io.EOF only when nothing was read, io.ErrUnexpectedEOF when b was
// partly filled.
func (f *fileReader) read(b []byte) (int, error) {
	n, err := io.ReadFull(f.r, b)
	f.off += int64(n)
	return n, err
}

// discard skips n bytes.
func (f *fileReader) discard(n int64) (int64, error) {
	var done int64
	for done < n {
		chunk := min(n-done, 1<<30)
		m, err := f.r.Discard(int(chunk))
		done += int64(m)
		f.off += int64(m)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// short turns a read error into a truncation or corruption problem for a
// record or block that was expected to hold want bytes of which have were
// present.
func short(err error, what string, want, have int64) error {
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return newProblem(ErrTruncated, "truncated %s (want %d bytes, have %d)", what, want, have)
	}
	if p, ok := decompressProblem(err, what); ok {
		return p
	}
	return err
}

// readHeader identifies the format and reads the pcap file header or the
// first pcapng section header.
func (f *fileReader) readHeader() error {
	magic, err := f.r.Peek(4)
	if len(magic) == 0 {
		if err == io.EOF {
			return f.fail(0, newProblem(ErrNotCapture, "empty file"))
		}
		return f.fail(0, short(err, "file header", 4, 0))
	}
	if len(magic) < 4 {
		return f.fail(0, newProblem(ErrNotCapture, "too short for a capture header (%d bytes)", len(magic)))
	}
	switch {
	case magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a:
		f.ng = true
		return f.readSHB(true)
	default:
		return f.readPcapHeader()
	}
}

func (f *fileReader) readPcapHeader() error {
	h := f.hdr[:24]
	if n, err := f.read(h); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return f.fail(0, newProblem(ErrNotCapture, "too short for a pcap header (%d bytes)", n))
		}
		return f.fail(0, short(err, "pcap header", 24, int64(n)))
	}
	switch m := uint32(h[0])<<24 | uint32(h[1])<<16 | uint32(h[2])<<8 | uint32(h[3]); m {
	case 0xa1b2c3d4:
		f.big = true
	case 0xd4c3b2a1:
	case 0xa1b23c4d:
		f.big, f.nano = true, true
	case 0x4d3cb2a1:
		f.nano = true
	default:
		return f.fail(0, newProblem(ErrNotCapture, "unknown magic %08x", m))
	}
	if major := f.u16(h[4:]); major != 2 {
		return f.fail(0, newProblem(ErrCorrupt, "unsupported pcap version %d", major))
	}
	// The snaplen (h[16:20]) is not enforced: files with snaplen 0 or
	// records longer than it are common and harmless.
	f.link = uint16(f.u32(h[20:]))
	return nil
}

// nextPcap reads one classic pcap record.
func (f *fileReader) nextPcap(s *source) (Packet, error) {
	start := f.off
	h := f.hdr[:16]
	if n, err := f.read(h); err != nil {
		if err == io.EOF {
			return Packet{}, io.EOF
		}
		return Packet{}, f.fail(start, short(err, "record header", 16, int64(n)))
	}
	caplen, origlen := f.u32(h[8:]), f.u32(h[12:])
	if caplen > uint32(s.max) {
		return Packet{}, f.fail(start, newProblem(ErrCorrupt, "record length %d exceeds limit %d", caplen, s.max))
	}
	// The record's data is handed out in place when the read buffer holds
	// it (nothing else is read before the next call); otherwise it is
	// copied into the shared packet buffer.
	data, err := f.r.Peek(int(caplen))
	if err == nil {
		f.r.Discard(int(caplen))
		f.off += int64(caplen)
	} else {
		data = s.packetBuf(int(caplen))
		if n, err := f.read(data); err != nil {
			return Packet{}, f.fail(start, short(err, "packet record", int64(caplen), int64(n)))
		}
	}
	sec, frac := int64(f.u32(h[0:])), int64(f.u32(h[4:]))
	if !f.nano {
		frac *= 1000
	}
	return s.packet(f, start, data, unixUTC(sec, frac), caplen, origlen, f.link), nil
}

func (f *fileReader) next(s *source) (Packet, error) {
	if f.ng {
		return f.nextBlock(s)
	}
	return f.nextPcap(s)
}
