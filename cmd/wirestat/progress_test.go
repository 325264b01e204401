package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type fakeProgress struct{ done, total, frames int64 }

func (f fakeProgress) Progress() (int64, int64, int64) { return f.done, f.total, f.frames }

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name string
		p    fakeProgress
		want []string
	}{
		{"known size", fakeProgress{done: 512 << 20, total: 1 << 30, frames: 1_000_000}, []string{"50.0%", "512.0 MiB of 1.00 GiB", "M packets/s", "ETA"}},
		{"standard input", fakeProgress{done: 3 << 10, frames: 10}, []string{"3.0 KiB read", "M packets/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			stop, done := make(chan struct{}), make(chan struct{})
			go progress(&buf, tt.p, time.Millisecond, stop, done)
			time.Sleep(20 * time.Millisecond)
			close(stop)
			<-done
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("progress output %q lacks %q", out, w)
				}
			}
			if !strings.HasSuffix(out, "\r\033[K") {
				t.Errorf("progress line not cleared at the end: %q", out)
			}
		})
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
}
