package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
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

// TestPrefetchInPlace checks Peek, Discard and Read against the
// position in the source they should be at, across chunk boundaries, with
// a source that returns short reads.
func TestPrefetchInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		data := make([]byte, rng.IntN(4*prefetchChunk))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		p := newPrefetchReader(iotest.HalfReader(bytes.NewReader(data)))
		pos := 0
		for step := 0; pos < len(data) && step < 5000; step++ {
			rest := data[pos:]
			switch op := rng.IntN(4); op {
			case 0: // Peek, now and then beyond what can be joined
				n := rng.IntN(2048)
				if rng.IntN(8) == 0 {
					n = rng.IntN(prefetchHeadroom + prefetchChunk)
				}
				got, err := p.Peek(n)
				switch {
				case n <= len(rest) && err == nil:
					if !bytes.Equal(got, rest[:n]) {
						t.Fatalf("round %d: Peek(%d) at %d: wrong bytes", round, n, pos)
					}
				case n > prefetchHeadroom && errors.Is(err, bufio.ErrBufferFull),
					n > len(rest) && err == io.EOF:
					if !bytes.Equal(got, rest[:len(got)]) {
						t.Fatalf("round %d: Peek(%d) at %d: wrong partial bytes (%v)", round, n, pos, err)
					}
				default:
					t.Fatalf("round %d: Peek(%d) at %d of %d: %d bytes, %v", round, n, pos, len(data), len(got), err)
				}
			case 1:
				n := rng.IntN(3 * prefetchChunk / 2)
				got, err := p.Discard(n)
				if want := min(n, len(rest)); got != want || (want < n) != (err == io.EOF) {
					t.Fatalf("round %d: Discard(%d) at %d of %d: %d, %v", round, n, pos, len(data), got, err)
				}
				pos += got
			case 2:
				buf := make([]byte, rng.IntN(5000))
				n, err := io.ReadFull(p, buf)
				if want := min(len(buf), len(rest)); n != want || !bytes.Equal(buf[:n], rest[:n]) || (err != nil) != (want < len(buf)) {
					t.Fatalf("round %d: ReadFull(%d) at %d of %d: %d, %v", round, len(buf), pos, len(data), n, err)
				}
				pos += n
			case 3: // walk up to a chunk boundary, so that the next Peek straddles it
				n := max(0, prefetchChunk-pos%prefetchChunk-rng.IntN(3000))
				got, _ := p.Discard(n)
				pos += got
			}
		}
		p.stop()
	}
}

// TestReadAheadLargeRecords reads pcap and pcapng files whose records,
// up to 200 KiB, keep straddling the read-ahead chunks (some too long to
// be joined in a chunk's headroom), read ahead and directly.
func TestReadAheadLargeRecords(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	le := binary.LittleEndian
	p, ng := newPcap(le, false, 1, 0), newNg(le).iface(1, 0, -1, 0)
	for i := range 120 {
		n := 60 + rng.IntN(200<<10)
		if i%3 == 0 {
			n = 60 + rng.IntN(1500)
		}
		p = p.record(uint32(i), 0, payload(n, byte(i)), 0)
		ng = ng.epb(0, uint64(i)*1e6, payload(n, byte(i)), 0)
	}
	for name, data := range map[string][]byte{"pcap": p.b, "pcapng": ng.b} {
		if len(data) < 4*prefetchChunk {
			t.Fatalf("%s: %d bytes, too few to cross several chunks", name, len(data))
		}
		direct, ahead := readChecked(t, data, Options{}), readChecked(t, data, Options{ReadAhead: true})
		for _, line := range slices.Concat(direct, ahead) {
			if strings.HasPrefix(line, "error: ") {
				t.Fatalf("%s: %s", name, line)
			}
		}
		if len(direct) != 120 || !slices.Equal(direct, ahead) {
			t.Errorf("%s: %d packets read directly, %d read ahead, or they differ", name, len(direct), len(ahead))
		}
	}
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

// TestReadAhead: files read ahead in a goroutine give the same packets,
// byte for byte, as files read in the caller's, for every shipped capture
// (pcap and pcapng) and the bad inputs (same warnings, same offsets), and
// several files in a row.
func TestReadAhead(t *testing.T) {
	root := testenv.RepoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap*"))
	bad, _ := filepath.Glob(filepath.Join(root, "reconstruct", "testdata", "bad", "*"))
	if len(files) == 0 {
		t.Fatal("no shipped captures")
	}
	read := func(names []string, ahead bool) []string {
		src, err := Open(names, Options{ReadAhead: ahead})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var out []string
		for {
			p, err := src.Next()
			if err == io.EOF {
				return out
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatal(err)
				}
				out = append(out, "error: "+fe.Error())
				continue
			}
			out = append(out, fmt.Sprintf("%s %d %d %v %x", p.File, p.Frame, p.Length, p.Timestamp, p.Data))
		}
	}
	for _, set := range append([][]string{files}, chunk(bad)...) {
		if want, got := read(set, false), read(set, true); !slices.Equal(want, got) {
			t.Errorf("%v: read ahead, %d packets and errors, against %d", set, len(got), len(want))
		}
	}
}

// chunk returns each name on its own.
func chunk(names []string) [][]string {
	out := make([][]string, len(names))
	for i, n := range names {
		out[i] = []string{n}
	}
	return out
}
