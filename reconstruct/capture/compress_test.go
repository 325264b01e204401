package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// compressTools are the command-line compressors of each format, as the
// files people archive are made.
var compressTools = []struct {
	format string
	tool   string
	args   []string
}{
	{"gzip", "gzip", []string{"-c"}},
	{"zstd", "zstd", []string{"-q", "-c"}},
	{"xz", "xz", []string{"-c"}},
	{"bzip2", "bzip2", []string{"-c"}},
	{"lz4", "lz4", []string{"-q", "-c"}},
	{"lz4 legacy", "lz4", []string{"-q", "-l", "-c"}},
}

// compressWith runs a compressor tool over data, skipping the test when
// the tool is not installed.
func compressWith(t *testing.T, tool string, args []string, data []byte) []byte {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (apt-get install %s): %v", tool, map[string]string{"xz": "xz-utils"}[tool]+tool, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(data)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v: %s", tool, args, err, stderr.String())
	}
	return out.Bytes()
}

// roundTripInputs are the captures each format is tried on: a real pcap
// bigger than one read-ahead chunk once decompressed, and a pcapng with
// several interfaces.
func roundTripInputs(t *testing.T) map[string][]byte {
	t.Helper()
	big, err := os.ReadFile(filepath.Join("..", "..", "pcaps", "scan-vertical.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"pcap": big, "pcapng": multiInterface(binary.LittleEndian)}
}

// TestCompressedRoundTrip compresses captures with each format's own
// tool and reads them back: the same packets, frame numbers and
// timestamps as the uncompressed file, read directly and read ahead.
func TestCompressedRoundTrip(t *testing.T) {
	inputs := roundTripInputs(t)
	for _, ct := range compressTools {
		t.Run(ct.format, func(t *testing.T) {
			for name, plain := range inputs {
				want, errs, _ := read(t, plain)
				if len(errs) != 0 || len(want) == 0 {
					t.Fatalf("%s uncompressed: %d packets, errors %v", name, len(want), errs)
				}
				packed := compressWith(t, ct.tool, ct.args, plain)
				if c := detectCodec(packed); c == nil || c.name != ct.tool {
					t.Fatalf("%s: magic % x not detected as %s", name, packed[:min(6, len(packed))], ct.tool)
				}
				for _, ahead := range []bool{false, true} {
					src := NewReader("test.pcap", bytes.NewReader(packed), Options{ReadAhead: ahead})
					got, errs := drain(t, src)
					src.Close()
					if len(errs) != 0 {
						t.Errorf("%s (read ahead %v): errors %v", name, ahead, errs)
					}
					if !slices.EqualFunc(got, want, equalGot) {
						t.Errorf("%s (read ahead %v): %d packets differ from the %d uncompressed", name, ahead, len(got), len(want))
					}
				}
			}
		})
	}
}

func equalGot(a, b got) bool {
	return a.frame == b.frame && a.link == b.link && bytes.Equal(a.data, b.data) && a.length == b.length && a.ts.Equal(b.ts)
}

// goCompressed compresses data with the Go encoders of the formats that
// have one, so the damage tests run without the tools.
func goCompressed(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"gzip": gz(t, data)}
	var zb bytes.Buffer
	zw, err := zstd.NewWriter(&zb)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out["zstd"] = zb.Bytes()
	var xb bytes.Buffer
	xw, err := xz.NewWriter(&xb)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(data)
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	out["xz"] = xb.Bytes()
	var lb bytes.Buffer
	lw := lz4.NewWriter(&lb)
	lw.Write(data)
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	out["lz4"] = lb.Bytes()
	return out
}

// TestCompressedDamage: a compressed capture cut short gives the packets
// before the cut and then exactly one error, a *FileError that says
// truncated or corrupt. A flipped byte gives exactly one error too, but
// where depends on the format: some check a block before handing it out,
// gzip and lz4 only at the end of the stream (the packets before that
// error may hold the damage), and bzip2's damaged output may no longer
// look like a capture. Garbage after a magic is corrupt from the start.
func TestCompressedDamage(t *testing.T) {
	plain := roundTripInputs(t)["pcap"]
	want, _, _ := read(t, plain)
	packed := goCompressed(t, plain)
	if bz, err := exec.LookPath("bzip2"); err == nil {
		out, err := exec.Command(bz, "-c", filepath.Join("..", "..", "pcaps", "scan-vertical.pcap")).Output()
		if err != nil {
			t.Fatal(err)
		}
		packed["bzip2"] = out
	}
	for _, format := range []string{"gzip", "zstd", "xz", "bzip2", "lz4"} {
		data, ok := packed[format]
		if !ok {
			t.Logf("%s: skipped, no encoder (install bzip2)", format)
			continue
		}
		t.Run(format, func(t *testing.T) {
			flipped := bytes.Clone(data)
			flipped[len(flipped)/2] ^= 0x55
			garbage := append(bytes.Clone(data[:6]), bytes.Repeat([]byte{0xa5}, 200)...)
			for _, tc := range []struct {
				name string
				data []byte
				kind []error // any of these
			}{
				{"cut", data[:len(data)/2], []error{ErrTruncated, ErrCorrupt}},
				{"flipped byte", flipped, []error{ErrCorrupt, ErrTruncated, ErrNotCapture}},
				{"garbage after magic", garbage, []error{ErrCorrupt, ErrNotCapture}},
			} {
				pkts, errs, _ := read(t, tc.data)
				if len(errs) != 1 {
					t.Errorf("%s: errors %v, want exactly one", tc.name, errs)
					continue
				}
				var fe *FileError
				if !errors.As(errs[0], &fe) || !slices.ContainsFunc(tc.kind, func(k error) bool { return errors.Is(errs[0], k) }) {
					t.Errorf("%s: error %v (%T), want a *FileError wrapping one of %v", tc.name, errs[0], errs[0], tc.kind)
				}
				if tc.name != "cut" {
					continue
				}
				if len(pkts) >= len(want) {
					t.Errorf("%s: %d packets, want fewer than the %d of the whole file", tc.name, len(pkts), len(want))
				}
				for i := range pkts {
					if !equalGot(pkts[i], want[i]) {
						t.Errorf("%s: packet %d differs from the original", tc.name, i+1)
						break
					}
				}
			}
		})
	}
}
