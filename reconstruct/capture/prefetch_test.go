package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
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

// TestStdin reads "-" from a pipe standing in for standard input, plain and
// gzip-compressed, through the read-ahead goroutines.
func TestStdin(t *testing.T) {
	p := newPcap(binary.LittleEndian, false, 1, 0)
	for i := range 3000 {
		p = p.record(1, 0, payload(60+i%1400, byte(i)), 0)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(p.b)
	zw.Close()
	for name, data := range map[string][]byte{"plain": p.b, "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				w.Write(data)
				w.Close()
			}()
			old := os.Stdin
			os.Stdin = r
			defer func() { os.Stdin = old; r.Close() }()
			src, err := Open([]string{"-"}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			n := 0
			for {
				pkt, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if pkt.File != "-" || len(pkt.Data) != 60+n%1400 || pkt.Data[0] != byte(n) {
					t.Fatalf("packet %d: %d bytes from %q", n, len(pkt.Data), pkt.File)
				}
				n++
			}
			if n != 3000 {
				t.Errorf("%d packets, want 3000", n)
			}
		})
	}
}
