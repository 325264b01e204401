package rotate

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// memFiles keeps the files a Writer creates in memory.
type memFiles map[string]*bytes.Buffer

type memFile struct{ *bytes.Buffer }

func (memFile) Close() error { return nil }

func (m memFiles) create(name string) (io.WriteCloser, error) {
	b := &bytes.Buffer{}
	m[name] = b
	return memFile{b}, nil
}

// frames reads a file back and returns its frames' first data byte.
func frames(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	src := capture.NewReader(name, bytes.NewReader(b), capture.Options{})
	var got []byte
	for {
		p, err := src.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got = append(got, p.Data[0])
	}
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.Local)

func TestRotation(t *testing.T) {
	// Ten packets of 100 bytes (116 with their record header), 1 s apart;
	// packet i carries byte i.
	tests := []struct {
		name    string
		pattern string
		opt     Options
		files   []string // in the order opened
		content map[string][]byte
		limit   bool // ErrLimit before the last packet
	}{
		{"one file", "out", Options{}, []string{"out"}, map[string][]byte{"out": {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, false},
		// -C 300 bytes: the header and three records exceed it.
		{"size", "out", Options{Size: 300}, []string{"out", "out1", "out2", "out3"},
			map[string][]byte{"out": {0, 1, 2}, "out1": {3, 4, 5}, "out2": {6, 7, 8}, "out3": {9}}, false},
		{"size ring", "out", Options{Size: 300, Count: 3}, []string{"out0", "out1", "out2", "out0"},
			map[string][]byte{"out0": {9}, "out1": {3, 4, 5}, "out2": {6, 7, 8}}, false},
		{"ring of twelve pads two digits", "out", Options{Size: 300, Count: 12}, []string{"out00", "out01", "out02", "out03"},
			map[string][]byte{"out00": {0, 1, 2}, "out01": {3, 4, 5}, "out02": {6, 7, 8}, "out03": {9}}, false},
		{"time", "out-%H%M%S", Options{Every: 4 * time.Second}, []string{"out-050607", "out-050611", "out-050615"},
			map[string][]byte{"out-050607": {0, 1, 2, 3}, "out-050611": {4, 5, 6, 7}, "out-050615": {8, 9}}, false},
		{"time limit", "out-%S", Options{Every: 4 * time.Second, Count: 2}, []string{"out-07", "out-11"},
			map[string][]byte{"out-07": {0, 1, 2, 3}, "out-11": {4, 5, 6, 7}}, true},
		{"time and size", "o%S.", Options{Every: 5 * time.Second, Size: 300}, []string{"o07.", "o07.1", "o12.", "o12.1"},
			map[string][]byte{"o07.": {0, 1, 2}, "o07.1": {3, 4}, "o12.": {5, 6, 7}, "o12.1": {8, 9}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := memFiles{}
			tc.opt.Create = fs.create
			w := New(tc.pattern, capture.LinkEthernet, tc.opt)
			var limited bool
			for i := range 10 {
				data := bytes.Repeat([]byte{byte(i)}, 100)
				err := w.WritePacket(capture.Packet{Data: data, CaptureLength: 100, Length: 100, LinkType: capture.LinkEthernet, Timestamp: t0.Add(time.Duration(i) * time.Second)})
				if errors.Is(err, ErrLimit) {
					limited = true
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(true, capture.LinkEthernet, t0); err != nil {
				t.Fatal(err)
			}
			if limited != tc.limit {
				t.Errorf("limit reached: %v, want %v", limited, tc.limit)
			}
			if !slices.Equal(w.Files(), tc.files) {
				t.Errorf("files opened %v, want %v", w.Files(), tc.files)
			}
			if len(fs) != len(tc.content) {
				t.Errorf("%d files made, want %d", len(fs), len(tc.content))
			}
			for name, want := range tc.content {
				b, ok := fs[name]
				if !ok {
					t.Errorf("no file %s", name)
					continue
				}
				if got := frames(t, name, b.Bytes()); !bytes.Equal(got, want) {
					t.Errorf("%s holds packets %v, want %v", name, got, want)
				}
			}
		})
	}
}

func TestOtherLinkTypeSkipped(t *testing.T) {
	fs := memFiles{}
	w := New("x", 0, Options{Create: fs.create})
	p := capture.Packet{Data: []byte{1, 2, 3}, LinkType: capture.LinkRaw, Timestamp: t0}
	if err := w.WritePacket(p); err != nil {
		t.Fatal(err)
	}
	p.LinkType = capture.LinkEthernet
	if err := w.WritePacket(p); !errors.Is(err, ErrLinkType) {
		t.Errorf("a packet of another link type: %v, want ErrLinkType", err)
	}
	p.LinkType = capture.LinkRaw
	if err := w.WritePacket(p); err != nil {
		t.Errorf("after a skipped packet: %v", err)
	}
	if err := w.Close(true, 1, t0); err != nil || len(frames(t, "x", fs["x"].Bytes())) != 2 {
		t.Errorf("close: %v; want the two raw packets", err)
	}
}

func TestStrftime(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for pattern, want := range map[string]string{
		"cap-%Y%m%d-%H%M%S.pcap": "cap-20260304-050607.pcap",
		"%y %j %b %a %e %%":      "26 063 Mar Wed  4 %",
		"%s":                     "1772600767",
		"no conversions":         "no conversions",
		"odd %q and trailing %":  "odd %q and trailing %",
	} {
		if got := Strftime(pattern, at); got != want {
			t.Errorf("Strftime(%q) = %q, want %q", pattern, got, want)
		}
	}
}
