package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress prints a one-line progress report to w every interval until
// stop is closed, then clears the line. It shows the bytes read, the
// packet rate and, when the input size is known, the percentage and ETA.
func progress(w io.Writer, p capture.Progresser, interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	start := time.Now() // wall clock: this is a display for the person waiting
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			fmt.Fprint(w, "\r\033[K")
			return
		case <-tick.C:
		}
		read, total, frames := p.Progress()
		secs := time.Since(start).Seconds()
		line := fmt.Sprintf("%s read, %.2f M packets/s", humanBytes(read), float64(frames)/secs/1e6)
		if total > 0 && read > 0 {
			frac := float64(read) / float64(total)
			eta := time.Duration(secs/frac*(1-frac)) * time.Second
			line = fmt.Sprintf("%5.1f%%  %s of %s, %.2f M packets/s, ETA %s", 100*frac, humanBytes(read), humanBytes(total), float64(frames)/secs/1e6, eta.Round(time.Second))
		}
		fmt.Fprintf(w, "\r\033[Kwirestat: %s", line)
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
