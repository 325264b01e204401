package annotate

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// Notes collects what to say about each frame. It keeps a few short
// strings per state change and per evidence frame, so its memory grows with
// the number of transitions, not with the capture.
type Notes struct {
	byFrame map[int64][]string
}

// NewNotes returns an empty collection.
func NewNotes() *Notes { return &Notes{byFrame: map[int64][]string{}} }

// Connection records a finished connection's state changes on the frames
// that caused them.
func (n *Notes) Connection(c *flow.Conn) {
	stream := strconv.FormatInt(c.Stream, 10)
	for _, t := range c.Transitions {
		if t.Frame <= 0 {
			continue
		}
		var b strings.Builder
		b.WriteString("wirestat: tcp.stream ")
		b.WriteString(stream)
		b.WriteString(": ")
		b.WriteString(t.Endpoint.String())
		b.WriteString(" ")
		b.WriteString(c.EP[t.Endpoint].Addr.String())
		b.WriteString(" ")
		b.WriteString(t.From.String())
		b.WriteString(" -> ")
		b.WriteString(t.To.String())
		b.WriteString(" (")
		b.WriteString(t.Cause())
		b.WriteString(")")
		n.add(t.Frame, b.String())
	}
}

// Findings records each finding on its evidence frames.
func (n *Notes) Findings(fs []result.Finding) {
	for _, f := range fs {
		msg := "wirestat finding: [" + f.Severity + "] " + f.Kind + " " + f.Subject + ": " + f.Summary
		for _, fr := range f.Frames {
			n.add(fr, msg)
		}
	}
}

func (n *Notes) add(frame int64, msg string) {
	for _, m := range n.byFrame[frame] {
		if m == msg {
			return
		}
	}
	n.byFrame[frame] = append(n.byFrame[frame], msg)
}

// For returns the comments for a frame.
func (n *Notes) For(frame int64) []string { return n.byFrame[frame] }

// Len is the number of frames with comments.
func (n *Notes) Len() int { return len(n.byFrame) }

// Write copies every packet of src to w as pcapng, with the notes as
// packet comments. Problems in the input are returned as they are met
// (*capture.FileError values are skipped: the analysis already warned).
func Write(w io.Writer, src capture.Source, notes *Notes) error {
	pw, err := NewWriter(w)
	if err != nil {
		return err
	}
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *capture.FileError
			if errors.As(err, &fe) {
				continue
			}
			return err
		}
		if err := pw.WritePacket(p.Timestamp, p.LinkType, p.Data, p.Length, notes.For(p.Frame)); err != nil {
			return err
		}
	}
	return pw.Flush()
}
