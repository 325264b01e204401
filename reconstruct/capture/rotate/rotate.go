package rotate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/capture/live"
)

// Errors WritePacket returns.
var (
	// ErrLimit: with Every and Count (no Size), Count files are written;
	// the capture should stop.
	ErrLimit = errors.New("file limit reached")
	// ErrLinkType: the packet's link type differs from the files' (a pcap
	// file holds one); the packet is not saved, writing goes on.
	ErrLinkType = errors.New("link type differs from the file's")
)

// Options are tcpdump's rotation flags. The zero value writes one file.
type Options struct {
	Size  int64         // -C: rotate once a file holds more than Size bytes (0: never)
	Every time.Duration // -G: rotate every Every of packet time (0: never)
	Count int           // -W: ring of Count files with Size; stop after Count files with Every alone
	// Snaplen is written in each file header (live.DefaultSnaplen if 0).
	Snaplen int
	// Create opens a file for writing (os.Create if nil).
	Create func(name string) (io.WriteCloser, error)
}

// Writer writes packets to the rotating files. It is not safe for
// concurrent use.
type Writer struct {
	pattern  string
	opt      Options
	linkType uint16
	digits   int // width of the file number with Size and Count

	f      io.WriteCloser
	bw     *bufio.Writer
	pw     *live.Writer
	size   int64     // bytes in the current file
	start  time.Time // first packet of the current period (Every)
	count  int       // number of the current file within the period (Size)
	opened int       // files opened
	files  []string
	err    error
}

// New returns a Writer of files named after pattern. linkType is the
// files' link type, or 0 to take the first packet's.
func New(pattern string, linkType uint16, opt Options) *Writer {
	if opt.Create == nil {
		opt.Create = func(name string) (io.WriteCloser, error) { return os.Create(name) }
	}
	w := &Writer{pattern: pattern, opt: opt, linkType: linkType}
	if opt.Size > 0 && opt.Count > 0 {
		for n := opt.Count - 1; n > 0; n /= 10 {
			w.digits++
		}
	}
	return w
}

// LinkType returns the files' link type (0 before the first packet when
// New was given none).
func (w *Writer) LinkType() uint16 { return w.linkType }

// Files returns the names of the files opened, in order (a ring's names
// repeat).
func (w *Writer) Files() []string { return w.files }

// Name returns the name of the file number n of the period starting at t.
func (w *Writer) Name(t time.Time, n int) string {
	name := w.pattern
	if w.opt.Every > 0 {
		name = Strftime(name, t.Local())
	}
	if n == 0 && w.digits == 0 {
		return name
	}
	s := strconv.Itoa(n)
	if len(s) < w.digits {
		s = strings.Repeat("0", w.digits-len(s)) + s
	}
	return name + s
}

// WritePacket writes p, rotating first when a file is full or its period
// is over. Its errors other than ErrLinkType are sticky.
func (w *Writer) WritePacket(p capture.Packet) error {
	if w.err != nil {
		return w.err
	}
	if w.linkType == 0 {
		w.linkType = p.LinkType
	}
	if p.LinkType != w.linkType {
		return ErrLinkType
	}
	switch {
	case w.pw == nil:
		w.start = p.Timestamp
		w.open(p.Timestamp)
	case w.opt.Every > 0 && p.Timestamp.Sub(w.start) >= w.opt.Every:
		if w.opt.Size == 0 && w.opt.Count > 0 && w.opened >= w.opt.Count {
			w.closeFile()
			if w.err == nil {
				w.err = fmt.Errorf("-W %d: %w", w.opt.Count, ErrLimit)
			}
			return w.err
		}
		w.start, w.count = p.Timestamp, 0
		w.open(p.Timestamp)
	case w.opt.Size > 0 && w.size > w.opt.Size:
		w.count++
		if w.opt.Count > 0 && w.count >= w.opt.Count {
			w.count = 0
		}
		w.open(w.start)
	}
	if w.err != nil {
		return w.err
	}
	if err := w.pw.WritePacket(p); err != nil {
		w.err = err
		return err
	}
	w.size += 16 + int64(min(len(p.Data), w.snaplen()))
	return nil
}

func (w *Writer) snaplen() int {
	if w.opt.Snaplen <= 0 {
		return live.DefaultSnaplen
	}
	return w.opt.Snaplen
}

// open closes the current file and starts the next one, number w.count
// of the period starting at t.
func (w *Writer) open(t time.Time) {
	w.closeFile()
	if w.err != nil {
		return
	}
	name := w.Name(t, w.count)
	f, err := w.opt.Create(name)
	if err != nil {
		w.err = err
		return
	}
	w.f, w.opened, w.files = f, w.opened+1, append(w.files, name)
	if w.bw == nil {
		w.bw = bufio.NewWriterSize(f, 256<<10)
	} else {
		w.bw.Reset(f)
	}
	w.pw, err = live.NewWriter(w.bw, w.linkType, w.opt.Snaplen)
	if err != nil {
		w.err = fmt.Errorf("%s: %w", name, err)
	}
	w.size = 24
}

// closeFile flushes and closes the current file, if any.
func (w *Writer) closeFile() {
	if w.f == nil {
		return
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f, w.pw = nil, nil
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Close flushes and closes the current file. With keep, when no packet
// was written, it first creates the first file (named for time now) with
// just a header, of fallback's link type when none is known yet. It
// returns the first error met (ErrLimit is not one).
func (w *Writer) Close(keep bool, fallback uint16, now time.Time) error {
	if keep && w.opened == 0 && w.err == nil {
		if w.linkType == 0 {
			w.linkType = fallback
		}
		w.open(now)
	}
	w.closeFile()
	if errors.Is(w.err, ErrLimit) {
		return nil
	}
	return w.err
}

// Strftime expands the strftime(3) conversions tcpdump -G users put in
// file names: %Y %m %d %H %M %S %y %j %s %b %a %e %% (others are kept as
// written).
func Strftime(pattern string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '%' || i+1 == len(pattern) {
			b.WriteByte(c)
			continue
		}
		i++
		switch pattern[i] {
		case 'Y':
			b.WriteString(t.Format("2006"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'e':
			b.WriteString(t.Format("_2"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'j':
			b.WriteString(t.Format("002"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(pattern[i])
		}
	}
	return b.String()
}
