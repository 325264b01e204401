package capture

import (
	"io"
	"sync"
)

// prefetchReader runs a slow reader (a gzip decompressor) in its own
// goroutine, a few chunks ahead of the consumer, so decompression and
// packet processing overlap on two cores. Close stops the goroutine.
type prefetchReader struct {
	chunks chan []byte // filled chunks, in order
	free   chan []byte // emptied chunks for reuse
	done   chan struct{}
	once   sync.Once
	chunk  []byte // the current chunk's whole buffer
	cur    []byte // unread part of the current chunk
	err    error  // the source's error, returned once the chunks are drained
	errc   chan error
}

const (
	prefetchChunk  = 256 << 10
	prefetchChunks = 4
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

func (p *prefetchReader) fill(src io.Reader) {
	defer close(p.chunks)
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		default:
			buf = make([]byte, prefetchChunk)
		}
		buf = buf[:cap(buf)]
		n, err := 0, error(nil)
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		if n > 0 {
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

// Read implements io.Reader.
func (p *prefetchReader) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		chunk, ok := <-p.chunks
		if !ok {
			p.err = <-p.errc
			continue
		}
		p.chunk, p.cur = chunk, chunk
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	if len(p.cur) == 0 {
		// The consumer copied everything out: hand the buffer back.
		select {
		case p.free <- p.chunk[:cap(p.chunk)]:
		default:
		}
		p.chunk = nil
	}
	return n, nil
}

// stop tells the filling goroutine to end; it does at its next hand-off.
func (p *prefetchReader) stop() { p.once.Do(func() { close(p.done) }) }
