package findings

import (
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// keyedFinding is a finding with the frame it sorts by.
type keyedFinding struct {
	frame int64
	f     result.Finding
}

// group is what every aggregate shares: counts, evidence and time span.
type group struct {
	count       int64
	streams     lowest
	frames      lowest
	first, last time.Time
	firstFrame  int64 // lowest first frame of the connections, fallback sort key
}

func (g *group) addConn(cfg *Config, c *finished.Conn, frames []int64) {
	g.count++
	g.streams.add(cfg.MaxStreams, c.Stream)
	for _, f := range frames {
		g.frames.add(cfg.MaxFrames, f)
	}
	if g.first.IsZero() || c.Start.Before(g.first) {
		g.first = c.Start
	}
	if c.End.After(g.last) {
		g.last = c.End
	}
	if g.firstFrame == 0 || c.FirstFrame < g.firstFrame {
		g.firstFrame = c.FirstFrame
	}
}

func (g *group) merge(cfg *Config, o *group) {
	g.count += o.count
	g.streams.merge(cfg.MaxStreams, &o.streams)
	g.frames.merge(cfg.MaxFrames, &o.frames)
	if g.first.IsZero() || (!o.first.IsZero() && o.first.Before(g.first)) {
		g.first = o.first
	}
	if o.last.After(g.last) {
		g.last = o.last
	}
	if g.firstFrame == 0 || (o.firstFrame != 0 && o.firstFrame < g.firstFrame) {
		g.firstFrame = o.firstFrame
	}
}

// finding fills the fields every kind shares. filterExtra is the flag
// condition ANDed with the stream list.
func (g *group) finding(cfg *Config, k Kind, sev Severity, subject, summary, filterExtra string, details map[string]any) result.Finding {
	f := result.Finding{
		Kind:     k.String(),
		Severity: sev.String(),
		Subject:  subject,
		Summary:  summary,
		Count:    g.count,
		Streams:  g.streams.list(cfg.MaxStreams),
		Frames:   g.frames.list(cfg.MaxFrames),
		First:    g.first,
		Last:     g.last,
		Details:  details,
	}
	if len(f.Streams) > 0 {
		f.Filter = streamFilter(f.Streams, filterExtra)
	}
	if g.streams.truncated || g.frames.truncated {
		details["truncated"] = true
	}
	return f
}

// sortKey is the frame a finding sorts by: its first evidence frame, or
// the first frame of its first connection when no evidence frame is known.
func (g *group) sortKey() int64 {
	if f := g.frames.first(); f > 0 {
		return f
	}
	return g.firstFrame
}
