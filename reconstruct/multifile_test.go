package reconstruct

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// splitPcap cuts a little-endian classic pcap after n records into two
// files, each with the original file header (rotated tcpdump files).
func splitPcap(t *testing.T, data []byte, n int, dir string) (string, string) {
	t.Helper()
	off := 24
	for i := 0; i < n; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
	}
	a, b := filepath.Join(dir, "part1.pcap"), filepath.Join(dir, "part2.pcap")
	if err := os.WriteFile(a, data[:off], 0o644); err != nil {
		t.Fatal(err)
	}
	second := append(append([]byte{}, data[:24]...), data[off:]...)
	if err := os.WriteFile(b, second, 0o644); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestRotatedFilesAreOneCapture: a capture split into two files (as
// tcpdump -C/-G rotates them) gives the same connections, streams, frames
// and states as the whole file: connections continue across the files.
func TestRotatedFilesAreOneCapture(t *testing.T) {
	demo := filepath.Join(testenv.RepoRoot(t), "pcaps", "demo.pcap")
	data, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	if binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 {
		t.Skip("demo.pcap is not a little-endian microsecond pcap")
	}
	whole := analyse(t, Config{}, demo)
	for _, cut := range []int{5, 16, 25} { // inside handshakes, closes and data
		p1, p2 := splitPcap(t, data, cut, t.TempDir())
		split := analyse(t, Config{}, p1, p2)
		if split.err != nil {
			t.Fatal(split.err)
		}
		if !reflect.DeepEqual(split.conns, whole.conns) {
			t.Errorf("cut after %d frames: connections differ from the single file:\n%+v\n%+v", cut, split.conns, whole.conns)
		}
		if !reflect.DeepEqual(split.assigned, whole.assigned) {
			t.Errorf("cut after %d frames: stream assignment differs", cut)
		}
	}
}
