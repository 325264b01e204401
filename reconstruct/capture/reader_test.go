package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// got is a copy of what one Packet said.
type got struct {
	frame  int64
	link   uint16
	data   []byte
	length int
	ts     time.Time
}

// drain reads src to io.EOF, copying packets and collecting errors. It
// fails the test if the source does not end within a bound.
func drain(t testing.TB, src Source) ([]got, []error) {
	t.Helper()
	var pkts []got
	var errs []error
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatalf("source does not end")
		}
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(p.Data) != p.CaptureLength || p.Length < p.CaptureLength {
			t.Errorf("frame %d: len(Data)=%d CaptureLength=%d Length=%d", p.Frame, len(p.Data), p.CaptureLength, p.Length)
		}
		if p.Timestamp.Location() != time.UTC {
			t.Errorf("frame %d: timestamp not in UTC", p.Frame)
		}
		pkts = append(pkts, got{p.Frame, p.LinkType, bytes.Clone(p.Data), p.Length, p.Timestamp})
	}
	if _, err := src.Next(); err != io.EOF {
		t.Errorf("Next after end = %v, want io.EOF", err)
	}
	return pkts, errs
}

func read(t testing.TB, data []byte) ([]got, []error, int64) {
	t.Helper()
	src := NewReader("test.pcap", bytes.NewReader(data), Options{})
	defer src.Close()
	pkts, errs := drain(t, src)
	return pkts, errs, src.Frames()
}

func TestPcapMagics(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	tests := []struct {
		name   string
		order  byteOrder
		nano   bool
		frac   uint32
		wantNs int
	}{
		{"micro little-endian", le, false, 250_000, 250_000_000},
		{"micro big-endian", be, false, 250_000, 250_000_000},
		{"nano little-endian", le, true, 123_456_789, 123_456_789},
		{"nano big-endian", be, true, 123_456_789, 123_456_789},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Network field with FCS bits in the upper half; snaplen 0.
			b := newPcap(tc.order, tc.nano, 0x1000_0000|uint32(LinkLinuxSLL2), 0).
				record(1_700_000_000, tc.frac, payload(60, 1), 1514).
				record(1_700_000_001, 0, payload(20, 2), 0)
			pkts, errs, frames := read(t, b.b)
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(pkts) != 2 || frames != 2 {
				t.Fatalf("got %d packets, %d frames; want 2, 2", len(pkts), frames)
			}
			p := pkts[0]
			if p.frame != 1 || p.link != LinkLinuxSLL2 || p.length != 1514 || !bytes.Equal(p.data, payload(60, 1)) {
				t.Errorf("first packet = frame %d link %d len %d", p.frame, p.link, p.length)
			}
			want := time.Unix(1_700_000_000, int64(tc.wantNs)).UTC()
			if !p.ts.Equal(want) {
				t.Errorf("timestamp = %v, want %v", p.ts, want)
			}
			if pkts[1].frame != 2 || pkts[1].length != 20 {
				t.Errorf("second packet = frame %d len %d", pkts[1].frame, pkts[1].length)
			}
		})
	}
}

// multiInterface builds a pcapng file with Ethernet, SLL2 and Null
// interfaces, a custom block, an unknown block, SPB and PB records, and a
// second section in the other byte order.
func multiInterface(order byteOrder) []byte {
	other := byteOrder(binary.BigEndian)
	if order == binary.BigEndian {
		other = binary.LittleEndian
	}
	n := newNg(order).
		iface(LinkEthernet, 0, -1, 0).                           // 0: microseconds
		iface(LinkLinuxSLL2, 0, 9, 0).                           // 1: nanoseconds
		iface(LinkNull, 0, 0x80|10, 1000).                       // 2: 2^-10 s, +1000 s
		epb(0, 1_700_000_000_500_000, payload(64, 0x10), 0).     // frame 1
		epb(1, 1_700_000_000_123_456_789, payload(50, 0x20), 0). // frame 2
		block(blockCustom, []byte{0, 0, 0x7e, 0x80, 'x'}).       // frame 3, not handed out
		block(0x0000_0004, []byte{1, 2, 3, 4}).                  // unknown block: skipped
		epb(2, 1_700_000_000<<10|512, payload(44, 0x30), 100).   // frame 4
		block(blockCustomNoCopy, []byte{0, 0, 0x7e, 0x80}).      // frame 5
		spb(payload(30, 0x40), 30).                              // frame 6, interface 0
		pb(2, 5<<10, payload(40, 0x50)).                         // frame 7
		block(blockJournal, []byte("__REALTIME_TIMESTAMP=1\n")). // frame 8
		block(0x0000_0005, make([]byte, 16))                     // statistics: skipped
	n2 := &ngBuilder{order: other, b: n.b}
	n2.section().
		iface(LinkRaw, 0, 6, 0).
		epb(0, 1_600_000_000_000_000, payload(20, 0x60), 0) // frame 9
	return n2.b
}

func TestPcapngMultiInterface(t *testing.T) {
	type want struct {
		frame int64
		link  uint16
		seed  byte
		n     int
		ts    time.Time
	}
	wants := []want{
		{1, LinkEthernet, 0x10, 64, time.Unix(1_700_000_000, 500_000_000)},
		{2, LinkLinuxSLL2, 0x20, 50, time.Unix(1_700_000_000, 123_456_789)},
		{4, LinkNull, 0x30, 44, time.Unix(1_700_001_000, 500_000_000)},
		{6, LinkEthernet, 0x40, 30, time.Time{}},
		{7, LinkNull, 0x50, 40, time.Unix(1005, 0)},
		{9, LinkRaw, 0x60, 20, time.Unix(1_600_000_000, 0)},
	}
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			pkts, errs, frames := read(t, multiInterface(order))
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			if frames != 9 {
				t.Errorf("Frames() = %d, want 9", frames)
			}
			if len(pkts) != len(wants) {
				t.Fatalf("got %d packets, want %d", len(pkts), len(wants))
			}
			for i, w := range wants {
				p := pkts[i]
				if p.frame != w.frame || p.link != w.link || !bytes.Equal(p.data, payload(w.n, w.seed)) {
					t.Errorf("packet %d: frame %d link %d len %d; want frame %d link %d len %d",
						i, p.frame, p.link, len(p.data), w.frame, w.link, w.n)
				}
				if !p.ts.Equal(w.ts) {
					t.Errorf("packet %d: timestamp %v, want %v", i, p.ts, w.ts.UTC())
				}
			}
			if pkts[2].length != 100 {
				t.Errorf("original length = %d, want 100", pkts[2].length)
			}
		})
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGzipAndSlowReader(t *testing.T) {
	pcap := newPcap(binary.LittleEndian, false, 1, 65535).record(1, 0, payload(100, 0), 0).record(2, 0, payload(10, 0), 0).b
	ng := multiInterface(binary.LittleEndian)
	tests := []struct {
		name  string
		data  []byte
		slow  bool
		pkts  int
		frame int64
	}{
		{"gzip pcap", gz(t, pcap), false, 2, 2},
		{"gzip pcapng", gz(t, ng), false, 6, 9},
		{"one byte at a time pcap", pcap, true, 2, 2},
		{"one byte at a time gzip pcapng", gz(t, ng), true, 6, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(tc.data)
			if tc.slow {
				r = iotest.OneByteReader(r)
			}
			src := NewReader("-", r, Options{})
			pkts, errs := drain(t, src)
			if len(errs) != 0 || len(pkts) != tc.pkts || src.Frames() != tc.frame {
				t.Errorf("got %d packets, %d frames, errors %v; want %d, %d", len(pkts), src.Frames(), errs, tc.pkts, tc.frame)
			}
		})
	}
}

func TestMultipleFiles(t *testing.T) {
	dir := t.TempDir()
	files := []struct {
		name string
		data []byte
	}{
		{"a.pcap", newPcap(binary.LittleEndian, false, 1, 0).record(1, 0, payload(10, 0), 0).record(2, 0, payload(10, 0), 0).b},
		{"b.pcapng.gz", gz(t, multiInterface(binary.BigEndian))},
		{"c.pcap", []byte("this is not a capture file at all")},
		{"d.pcap", append(newPcap(binary.BigEndian, true, 101, 0).record(3, 0, payload(10, 0), 0).b, 1, 2, 3)},
		{"e.pcap", newPcap(binary.BigEndian, true, 101, 0).record(4, 0, payload(10, 0), 0).b},
	}
	var names []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, p)
	}
	src, err := Open(names, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pkts, errs := drain(t, src)
	var frames []int64
	for _, p := range pkts {
		frames = append(frames, p.frame)
	}
	wantFrames := []int64{1, 2, 3, 4, 6, 8, 9, 11, 12, 13}
	if !equalInts(frames, wantFrames) {
		t.Errorf("frames = %v, want %v", frames, wantFrames)
	}
	if len(errs) != 2 {
		t.Fatalf("errors = %v, want 2", errs)
	}
	var fe *FileError
	if !errors.As(errs[0], &fe) || !errors.Is(errs[0], ErrNotCapture) || fe.File != names[2] {
		t.Errorf("first error = %v, want not-capture error for %s", errs[0], names[2])
	}
	if !errors.As(errs[1], &fe) || !errors.Is(errs[1], ErrTruncated) || fe.File != names[3] || fe.Offset != 24+16+10 {
		t.Errorf("second error = %v, want truncation of %s at offset 50", errs[1], names[3])
	}

	if _, err := Open([]string{filepath.Join(dir, "missing.pcap")}, Options{}); err == nil {
		t.Errorf("Open of a missing file succeeded")
	}
	if _, err := Open(nil, Options{}); err == nil {
		t.Errorf("Open of no files succeeded")
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBadInput(t *testing.T) {
	le := binary.LittleEndian
	good := newPcap(le, false, 1, 0).record(1, 0, payload(60, 0), 0).b
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 4096)
	rng.Read(random)
	random[0] = 0x42

	// A record header claiming 1514 bytes of which 200 are present.
	cut := newPcap(le, false, 1, 0).record(1, 0, payload(1514, 0), 0).b
	cut = cut[:24+16+200]

	huge := newPcap(le, false, 1, 0).record(1, 0, payload(60, 0), 0).b
	huge = le.AppendUint32(huge, 1)
	huge = le.AppendUint32(huge, 0)
	huge = le.AppendUint32(huge, DefaultMaxPacket+1)
	huge = le.AppendUint32(huge, DefaultMaxPacket+1)
	huge = append(huge, make([]byte, 64)...)

	ng := newNg(le).iface(1, 0, -1, 0).epb(0, 0, payload(60, 0), 0).epb(0, 0, payload(60, 0), 0).b
	badLen := bytes.Clone(ng)
	first := len(newNg(le).iface(1, 0, -1, 0).epb(0, 0, payload(60, 0), 0).b)
	le.PutUint32(badLen[first+4:], 13) // second EPB: length not a multiple of 4
	mismatch := bytes.Clone(ng)
	mismatch[len(mismatch)-4] ^= 0xff // second EPB: trailer disagrees
	overrun := bytes.Clone(ng)
	le.PutUint32(overrun[first+20:], 1000) // second EPB: caplen beyond block
	noIface := newNg(le).epb(0, 0, payload(10, 0), 0).b
	ngCut := ng[:len(ng)-10]
	badSHB := bytes.Clone(ng)
	badSHB[8] = 0x99

	tests := []struct {
		name    string
		data    []byte
		pkts    int
		wantErr error // nil: no error expected
	}{
		{"zero-length", nil, 0, ErrNotCapture},
		{"three bytes", []byte{0xd4, 0xc3, 0xb2}, 0, ErrNotCapture},
		{"random bytes", random, 0, ErrNotCapture},
		{"text", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), 0, ErrNotCapture},
		{"pcap header cut", good[:20], 0, ErrNotCapture},
		{"pcap header only", good[:24], 0, nil},
		{"pcapng header only", newNg(le).b, 0, nil},
		{"pcapng header cut", newNg(le).b[:20], 0, ErrNotCapture},
		{"pcapng unknown byte order", badSHB, 0, ErrNotCapture},
		{"truncated mid-record", cut, 0, ErrTruncated},
		{"truncated record header", good[:24+16+60+5], 1, ErrTruncated},
		{"record beyond limit", huge, 1, ErrCorrupt},
		{"pcapng length not multiple of 4", badLen, 1, ErrCorrupt},
		{"pcapng trailer mismatch", mismatch, 1, ErrCorrupt},
		{"pcapng caplen overruns block", overrun, 1, ErrCorrupt},
		{"pcapng packet before interface", noIface, 0, ErrCorrupt},
		{"pcapng truncated block", ngCut, 1, ErrTruncated},
		{"pcap trailing garbage", append(bytes.Clone(good), random[:100]...), 1, ErrCorrupt},
		{"pcap trailing short garbage", append(bytes.Clone(good), 1, 2, 3), 1, ErrTruncated},
		{"pcapng trailing garbage", append(bytes.Clone(ng), 0xde, 0xad), 2, ErrTruncated},
		{"gzip cut", gz(t, good)[:30], 0, nil},
		{"gzip garbage", append([]byte{0x1f, 0x8b}, random[:50]...), 0, ErrNotCapture},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkts, errs, _ := read(t, tc.data)
			if len(pkts) != tc.pkts {
				t.Errorf("got %d packets, want %d", len(pkts), tc.pkts)
			}
			if tc.name == "gzip cut" {
				// Where a cut gzip stream fails depends on the compressor;
				// it must fail once and not hang.
				if len(errs) != 1 {
					t.Errorf("errors = %v, want one", errs)
				}
				return
			}
			if tc.wantErr == nil {
				if len(errs) != 0 {
					t.Errorf("errors = %v, want none", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want exactly one", errs)
			}
			var fe *FileError
			if !errors.As(errs[0], &fe) || !errors.Is(errs[0], tc.wantErr) {
				t.Errorf("error = %v (%T), want *FileError wrapping %v", errs[0], errs[0], tc.wantErr)
			}
			if !strings.HasPrefix(errs[0].Error(), "test.pcap: offset ") {
				t.Errorf("error text %q lacks file and offset", errs[0])
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	b := newPcap(binary.LittleEndian, false, 1, 0).record(1, 0, payload(60, 0), 0).record(1, 0, payload(1514, 0), 0).b
	b = b[:24+16+60+16+200]
	_, errs, _ := read(t, b)
	want := "test.pcap: offset 100: truncated packet record (want 1514 bytes, have 200)"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("errors = %v, want %q", errs, want)
	}
}

func TestMaxPacketOption(t *testing.T) {
	b := newPcap(binary.LittleEndian, false, 1, 0).record(1, 0, payload(100, 0), 0).record(1, 0, payload(2000, 0), 0).b
	src := NewReader("small", bytes.NewReader(b), Options{MaxPacket: 1500})
	pkts, errs := drain(t, src)
	if len(pkts) != 1 || len(errs) != 1 || !errors.Is(errs[0], ErrCorrupt) {
		t.Errorf("got %d packets, errors %v; want 1 packet and a corrupt error", len(pkts), errs)
	}
}

// TestNextDoesNotAllocate: reading a record hands out data from the read
// buffer (or the shared packet buffer) and allocates nothing.
func TestNextDoesNotAllocate(t *testing.T) {
	p := newPcap(binary.LittleEndian, false, 1, 0)
	for i := range 2000 {
		p = p.record(1, 0, payload(60+i%1400, byte(i)), 0)
	}
	src := NewReader("x", bytes.NewReader(p.b), Options{})
	src.Next() // opens the file: buffers are allocated here
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Next allocates %.1f times per packet", allocs)
	}
}

func TestTsUnits(t *testing.T) {
	tests := []struct {
		v    byte
		want uint64
		ok   bool
	}{
		{0, 1, true}, {6, 1e6, true}, {9, 1e9, true}, {12, 1e12, true}, {19, 1e19, true}, {20, 0, false},
		{0x80, 1, true}, {0x80 | 10, 1024, true}, {0x80 | 63, 1 << 63, true}, {0x80 | 64, 0, false},
	}
	for _, tc := range tests {
		got, ok := tsUnits(tc.v)
		if got != tc.want || ok != tc.ok {
			t.Errorf("tsUnits(%#x) = %d, %v; want %d, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
	ifc := iface{units: 1e12}
	if got := stamp(&ifc, 1_500_000_000_000); !got.Equal(time.Unix(1, 500_000_000)) {
		t.Errorf("picosecond stamp = %v", got)
	}
}
