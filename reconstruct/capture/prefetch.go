package capture

import (
	"bufio"
	"io"
	"sync"
)

// prefetchReader runs a slow reader (a file, a pipe, a gzip decompressor)
// in its own goroutine, a few chunks ahead of the consumer, so reading and
// packet processing overlap on two cores. Close stops the goroutine.
//
// The consumer reads the chunks in place: Peek hands out slices of the
// current chunk, and bytes that straddle two chunks are joined by copying
// the end of the first into the headroom kept in front of the second, so
// only those few bytes are copied, never the stream.
type prefetchReader struct {
	chunks chan []byte // filled chunks, in order: headroom, then data
	free   chan []byte // emptied chunks for reuse
	done   chan struct{}
	once   sync.Once
	chunk  []byte // the current chunk's whole buffer
	cur    []byte // unread part of the current chunk
	err    error  // the source's error, returned once the chunks are drained
	errc   chan error
}

const (
	prefetchChunk    = 256 << 10 // data bytes a chunk
	prefetchHeadroom = 64 << 10  // room for a straddling Peek in front of each chunk's data
	prefetchChunks   = 4
)

func newPrefetchReader(src io.Reader) *prefetchReader {
	p := &prefetchReader{
		chunks: make(chan []byte, prefetchChunks),
		free:   make(chan []byte, prefetchChunks+2),
		done:   make(chan struct{}),
		errc:   make(chan error, 1),
	}
	go p.fill(src)
	return p
}

// fill reads src into chunks until its end or stop. A src that is an
// io.Closer (a decompressor) is closed here, when nothing reads it any more.
func (p *prefetchReader) fill(src io.Reader) {
	defer close(p.chunks)
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		default:
			buf = make([]byte, prefetchHeadroom+prefetchChunk)
		}
		buf = buf[:cap(buf)]
		n, err := prefetchHeadroom, error(nil)
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		if n > prefetchHeadroom {
			select {
			case p.chunks <- buf[:n]:
			case <-p.done:
				return
			}
		}
		if err != nil {
			p.errc <- err // io.EOF at the end; the gzip reader's own errors as they are
			return
		}
		select {
		case <-p.done:
			return
		default:
		}
	}
}

// next moves to the next chunk, carrying the unread bytes of the current
// one (at most prefetchHeadroom of them) into its headroom. It returns
// false, with p.err set, at the end of the source.
func (p *prefetchReader) next() bool {
	if p.err != nil {
		return false
	}
	chunk, ok := <-p.chunks
	if !ok {
		p.err = <-p.errc
		return false
	}
	start := prefetchHeadroom - len(p.cur)
	copy(chunk[start:], p.cur)
	if p.chunk != nil {
		// The consumer is past it: hand the buffer back.
		select {
		case p.free <- p.chunk[:cap(p.chunk)]:
		default:
		}
	}
	p.chunk, p.cur = chunk, chunk[start:]
	return true
}

// Peek returns the next n bytes without consuming them; they stay valid
// until the next call. Like bufio.Reader.Peek, it returns fewer bytes with
// the source's error at its end, and bufio.ErrBufferFull when n is larger
// than the bytes it can join across chunks.
func (p *prefetchReader) Peek(n int) ([]byte, error) {
	for len(p.cur) < n {
		if n > prefetchHeadroom {
			return p.cur, bufio.ErrBufferFull
		}
		if !p.next() {
			return p.cur, p.err
		}
	}
	return p.cur[:n], nil
}

// Discard skips n bytes and returns how many it skipped.
func (p *prefetchReader) Discard(n int) (int, error) {
	done := 0
	for done < n {
		if len(p.cur) == 0 && !p.next() {
			return done, p.err
		}
		k := min(n-done, len(p.cur))
		p.cur = p.cur[k:]
		done += k
	}
	return done, nil
}

// Read implements io.Reader.
func (p *prefetchReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(p.cur) == 0 && !p.next() {
		return 0, p.err
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// stop tells the filling goroutine to end; it does at its next hand-off.
func (p *prefetchReader) stop() { p.once.Do(func() { close(p.done) }) }
