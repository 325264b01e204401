package reconstruct

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// fuzzSink is a Sink that counts and drops every connection.
type fuzzSink struct{ n int }

func (d *fuzzSink) Connection(*result.Connection) error { d.n++; return nil }

// FuzzPipeline runs the whole pipeline (reader, decoder, tracker,
// findings) over arbitrary bytes read as one capture file. It must return
// without panicking, with at most one warning (one input stops at its
// first problem), ErrUnreadable only when nothing was read, and every
// packet counted exactly once.
func FuzzPipeline(f *testing.F) {
	root := testenv.RepoRoot(f)
	seeds, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap*"))
	bad, _ := filepath.Glob(filepath.Join(root, "reconstruct", badDir, "*"))
	for _, path := range append(seeds, bad...) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := capture.NewReader("fuzz", bytes.NewReader(data), capture.Options{})
		defer src.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var sink fuzzSink
		res, err := Run(ctx, src, Config{Sources: []string{"fuzz"}}, &sink)
		if ctx.Err() != nil {
			t.Fatal("Run hit the 10 s deadline")
		}
		if err != nil && !errors.Is(err, ErrUnreadable) {
			t.Fatalf("Run: %v", err)
		}
		if res == nil {
			t.Fatal("no result")
		}
		c := res.Capture
		// One input warns at most once about the file itself, plus once
		// per link type it has no decoder for.
		fileWarnings := 0
		for _, w := range c.Warnings {
			if !strings.Contains(w, " not decoded (first: frame ") {
				fileWarnings++
			}
		}
		if fileWarnings > 1 {
			t.Errorf("%d file warnings for one input: %q", fileWarnings, c.Warnings)
		}
		if int64(len(c.Warnings)-fileWarnings) > src.Frames() {
			t.Errorf("more link-type warnings than frames: %q", c.Warnings)
		}
		if errors.Is(err, ErrUnreadable) && (c.Packets != 0 || len(c.Warnings) != 1) {
			t.Errorf("ErrUnreadable with %d packets and warnings %q", c.Packets, c.Warnings)
		}
		if sum := c.TCPPackets + c.ICMPQuoted + c.OtherPackets + c.DecodeErrors; sum != c.Packets {
			t.Errorf("tcp %d + quoted %d + other %d + decode errors %d != packets %d",
				c.TCPPackets, c.ICMPQuoted, c.OtherPackets, c.DecodeErrors, c.Packets)
		}
		if c.Packets > src.Frames() {
			t.Errorf("%d packets but only %d frames read", c.Packets, src.Frames())
		}
	})
}
