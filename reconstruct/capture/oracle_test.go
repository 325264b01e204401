package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// oracleCaptures lists the captures in the shared Wireshark oracle folder.
func oracleCaptures(t *testing.T) []string {
	dir := testenv.Shared(t, "oracles", "wireshark")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".tsv") || strings.HasSuffix(n, ".md") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, n+".tshark.tsv")); err == nil {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}

// maxTsharkFrame returns the largest frame number of a .tshark.tsv file.
func maxTsharkFrame(t *testing.T, path string) int64 {
	var m int64
	for _, r := range testenv.TsharkRows(t, path) {
		m = max(m, r.Frame)
	}
	return m
}

func TestWiresharkOracleCaptures(t *testing.T) {
	for _, path := range oracleCaptures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := Open([]string{path}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			pkts, errs := drain(t, src)
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			for i, p := range pkts {
				if i > 0 && p.frame <= pkts[i-1].frame {
					t.Fatalf("frame numbers not increasing: %d after %d", p.frame, pkts[i-1].frame)
				}
			}
			if len(pkts) == 0 || pkts[len(pkts)-1].frame > src.Frames() {
				t.Fatalf("%d packets, Frames() = %d", len(pkts), src.Frames())
			}
			if m := maxTsharkFrame(t, path+".tshark.tsv"); m > src.Frames() {
				t.Errorf("tshark lists frame %d, reader counted %d frames", m, src.Frames())
			}
		})
	}
}

// FuzzReader feeds whole files to the reader and checks that it ends, never
// panics, and hands out consistent packets.
func FuzzReader(f *testing.F) {
	le, be := binary.LittleEndian, binary.BigEndian
	f.Add(newPcap(le, false, 1, 0).record(1, 2, payload(60, 0), 0).b)
	f.Add(newPcap(be, true, 276, 65535).record(1, 2, payload(20, 0), 1500).b)
	f.Add(multiInterface(le))
	f.Add(multiInterface(be))
	f.Add(newNg(le).iface(1, 64, 0x80|20, -5).spb(payload(100, 0), 100).b)
	for _, b := range goCompressed(f, multiInterface(le)) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		direct := readChecked(t, data, Options{MaxPacket: 4096})
		if ahead := readChecked(t, data, Options{MaxPacket: 4096, ReadAhead: true}); !slices.Equal(direct, ahead) {
			t.Fatalf("read ahead: %q\nread directly: %q", ahead, direct)
		}
	})
}

// readChecked reads data to the end with opt, checking the reader's
// invariants, and returns what it read: one line a packet or error.
func readChecked(t *testing.T, data []byte, opt Options) []string {
	src := NewReader("fuzz", bytes.NewReader(data), opt)
	defer src.Close()
	var out []string
	errs, ended := 0, false
	for range len(data) + 2 {
		p, err := src.Next()
		if err == io.EOF {
			ended = true
			break
		}
		if err != nil {
			errs++
			out = append(out, "error: "+err.Error())
			continue
		}
		if len(p.Data) != p.CaptureLength || p.CaptureLength > opt.maxPacket() || p.Length < p.CaptureLength {
			t.Fatalf("frame %d: len(Data)=%d CaptureLength=%d Length=%d", p.Frame, len(p.Data), p.CaptureLength, p.Length)
		}
		if p.Frame < 1 || p.Frame > src.Frames() {
			t.Fatalf("frame %d with Frames()=%d", p.Frame, src.Frames())
		}
		out = append(out, fmt.Sprintf("%d %d %d %d %v %x", p.Frame, p.Offset, p.Length, p.LinkType, p.Timestamp, p.Data))
	}
	if !ended {
		t.Fatalf("no io.EOF after %d calls", len(data)+2)
	}
	if errs > 1 {
		t.Fatalf("%d errors from one input", errs)
	}
	// Every frame needs at least 12 bytes of input.
	if src.Frames() > int64(len(data)/12+1) {
		t.Fatalf("%d frames from %d bytes", src.Frames(), len(data))
	}
	return out
}
