package annotate_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/annotate"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

type discard struct{}

func (discard) Connection(*result.Connection) error { return nil }

// annotated analyses a capture and writes it annotated to a temporary file.
func annotated(t *testing.T, capFile string) (string, *annotate.Notes) {
	t.Helper()
	a := annotateRun(t, capFile)
	return a.out, a.notes
}

// annotation is an annotated capture with the analysis behind it.
type annotation struct {
	out   string
	notes *annotate.Notes
	conns []result.Connection
	res   *result.Result
}

func annotateRun(t *testing.T, capFile string) annotation {
	t.Helper()
	var conns []result.Connection
	src, err := capture.Open([]string{capFile}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	notes := annotate.NewNotes()
	res, err := reconstruct.Run(context.Background(), src, reconstruct.Config{
		OnConnection: func(c *finished.Conn, rc *result.Connection) {
			notes.Connection(c)
			conns = append(conns, *rc)
		},
	}, discard{})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	notes.Findings(res.Findings)
	out := filepath.Join(t.TempDir(), "annotated.pcapng")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := annotate.WriteFiles(f, []string{capFile}, notes); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return annotation{out: out, notes: notes, conns: conns, res: res}
}

func readAll(t *testing.T, name string) []capture.Packet {
	t.Helper()
	src, err := capture.Open([]string{name}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []capture.Packet
	for {
		p, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p.Data = append([]byte(nil), p.Data...)
		out = append(out, p)
	}
}

// TestRoundTrip: the annotated file holds the same frames, times, lengths
// and bytes as the original, under the same frame numbers.
func TestRoundTrip(t *testing.T) {
	caps, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "pcaps", "*.pcap"))
	for _, capFile := range caps {
		t.Run(filepath.Base(capFile), func(t *testing.T) {
			out, notes := annotated(t, capFile)
			samePackets(t, readAll(t, capFile), readAll(t, out))
			if notes.Len() == 0 {
				t.Fatal("no notes")
			}
		})
	}
}

func samePackets(t *testing.T, orig, back []capture.Packet) {
	t.Helper()
	if len(orig) != len(back) {
		t.Fatalf("%d frames, want %d", len(back), len(orig))
	}
	for i := range orig {
		o, b := orig[i], back[i]
		if o.Frame != b.Frame || !o.Timestamp.Equal(b.Timestamp) || o.Length != b.Length || o.LinkType != b.LinkType || !bytes.Equal(o.Data, b.Data) {
			t.Fatalf("frame %d differs: %+v vs %+v", o.Frame, o, b)
		}
	}
}

// TestTsharkShowsComments: Wireshark reads the file and shows every note as
// frame.comment on the frame it belongs to.
func TestTsharkShowsComments(t *testing.T) {
	tshark := testenv.Tool(t, "tshark")
	demo := filepath.Join(testenv.RepoRoot(t), "pcaps", "demo.pcap")
	out, notes := annotated(t, demo)
	cmd := exec.Command(tshark, "-n", "-r", out, "-Y", "frame.comment", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-e", "frame.number", "-e", "frame.comment")
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var frames []int64
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		cols := strings.SplitN(line, "\t", 2)
		fr, err := strconv.ParseInt(cols[0], 10, 64)
		if err != nil || len(cols) < 2 {
			t.Fatalf("tshark line %q", line)
		}
		frames = append(frames, fr)
		want := notes.For(fr)
		got := strings.Split(cols[1], "|")
		if !slices.Equal(got, want) {
			t.Errorf("frame %d: tshark comments %q, want %q", fr, got, want)
		}
	}
	var want []int64
	for fr := int64(1); fr <= 1000; fr++ {
		if len(notes.For(fr)) > 0 {
			want = append(want, fr)
		}
	}
	if !slices.Equal(frames, want) {
		t.Errorf("commented frames %v, want %v", frames, want)
	}
}
