package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// WriteStream writes one connection whole, for --stream: its endpoints,
// counters and Zeek view, its anomalies, then a timeline with one row per frame that
// changed a state or is evidence of a finding (the client's and the
// server's changes in their own columns, with their causes, and the
// findings the frame is evidence of), then the connection's findings.
// fs are the findings naming the connection's stream.
func WriteStream(w io.Writer, c *result.Connection, fs []result.Finding) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("tcp.stream %d: client %s -> server %s\n", c.Stream, hostPort(c.Client.Addr, c.Client.Port), hostPort(c.Server.Addr, c.Server.Port))
	p("  filter: %s\n  community_id: %s\n", c.Filter, c.CommunityID)
	closed := "nobody"
	if c.ClosedBy != nil {
		closed = *c.ClosedBy
	}
	p("  frames %d-%d, %s to %s (%.6f s), closed by %s, missed bytes %d\n", c.FirstFrame, c.LastFrame,
		c.Start.Format(time.RFC3339Nano), c.End.Format(time.RFC3339Nano), c.Duration, closed, c.MissedBytes)
	p("  zeek: conn_state %s, history %s", c.ZeekConnState, c.History)
	if c.RolesInferred {
		p(", roles inferred (no handshake captured)")
	}
	p("\n")
	for _, ep := range []struct {
		role string
		e    *result.Endpoint
	}{{"client", &c.Client}, {"server", &c.Server}} {
		p("  %s %s: %s, %d packets, %d payload bytes%s\n", ep.role, hostPort(ep.e.Addr, ep.e.Port), ep.e.State, ep.e.Packets, ep.e.PayloadBytes, sent(ep.e))
	}
	for _, a := range c.Anomalies {
		p("  anomaly %s: %d, first in frame %d\n", a.Name, a.Count, a.Frame)
	}

	evidence := map[int64][]string{}
	for _, f := range fs {
		for _, fr := range f.Frames {
			if k := f.Kind; !slices.Contains(evidence[fr], k) {
				evidence[fr] = append(evidence[fr], k)
			}
		}
	}
	type row struct{ client, server []string }
	rows := map[int64]*row{}
	var frames []int64
	get := func(fr int64) *row {
		if rows[fr] == nil {
			rows[fr] = &row{}
			frames = append(frames, fr)
		}
		return rows[fr]
	}
	var clock []result.Transition
	for _, t := range c.Transitions {
		if t.Frame <= 0 {
			clock = append(clock, t)
			continue
		}
		r := get(t.Frame)
		s := t.From + " -> " + t.To + " (" + t.Cause + ")"
		if t.Endpoint == "server" {
			r.server = append(r.server, s)
		} else {
			r.client = append(r.client, s)
		}
	}
	for fr := range evidence {
		get(fr)
	}
	slices.Sort(frames)
	p("\ntimeline:\n  frame\ttime\tclient\tserver\tevidence of\n")
	for _, fr := range frames {
		r := rows[fr]
		n := max(len(r.client), len(r.server), 1)
		for i := range n {
			at := func(l []string) string {
				if i < len(l) {
					return l[i]
				}
				return ""
			}
			if i == 0 {
				p("  %d\t%s\t%s\t%s\t%s\n", fr, relTime(c, fr), at(r.client), at(r.server), strings.Join(evidence[fr], ", "))
			} else {
				p("  \t\t%s\t%s\t\n", at(r.client), at(r.server))
			}
		}
	}
	for _, t := range clock {
		s := t.From + " -> " + t.To + " (" + t.Cause + ")"
		cl, sv := s, ""
		if t.Endpoint == "server" {
			cl, sv = "", s
		}
		p("  -\t+%.6f\t%s\t%s\t\n", t.Time.Sub(c.Start).Seconds(), cl, sv)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nfindings: %d\n", len(fs))
	for _, f := range fs {
		fmt.Fprintf(w, "  [%s] %s %s: %s\n    streams: %s\n    frames: %s\n    filter: %s\n", f.Severity, f.Kind, f.Subject, f.Summary,
			appendList(nil, f.Streams), appendList(nil, f.Frames), f.Filter)
	}
	return nil
}

// relTime is the time of a frame's first transition after the
// connection's start, or "" for a frame with none.
func relTime(c *result.Connection, fr int64) string {
	for _, t := range c.Transitions {
		if t.Frame == fr {
			return "+" + strconv.FormatFloat(t.Time.Sub(c.Start).Seconds(), 'f', 6, 64)
		}
	}
	return ""
}

func sent(e *result.Endpoint) string {
	var s string
	if e.SentFIN {
		s += ", sent FIN"
	}
	if e.SentRST {
		s += ", sent RST"
	}
	return s
}
