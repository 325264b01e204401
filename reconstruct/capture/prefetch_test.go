package capture

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestPrefetchReader(t *testing.T) {
	for _, n := range []int{0, 1, prefetchChunk - 1, prefetchChunk, 3*prefetchChunk + 17} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		p := newPrefetchReader(iotest.HalfReader(bytes.NewReader(data)))
		got, err := io.ReadAll(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: read %d, err %v", n, len(got), err)
		}
	}
	// The source's own error comes through after the data before it.
	boom := errors.New("gzip: invalid checksum")
	p := newPrefetchReader(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)))
	got, err := io.ReadAll(p)
	if string(got) != "abc" || !errors.Is(err, boom) {
		t.Errorf("got %q, %v; want abc and the source's error", got, err)
	}
	// Stopping early does not block, whatever the source does next.
	p = newPrefetchReader(bytes.NewReader(make([]byte, 10*prefetchChunk)))
	buf := make([]byte, 100)
	if _, err := p.Read(buf); err != nil {
		t.Fatal(err)
	}
	p.stop()
}
