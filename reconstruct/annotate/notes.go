package annotate

import (
	"strconv"
	"strings"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// MachinePrefix starts the one machine-readable comment wirestat adds to
// every frame it says something about, after the comments a person reads.
// The Wireshark plugin (wireshark/wirestat.lua) reads only these lines.
//
// After the prefix and a space come items separated by ";", each KEY=VALUE
// (a "%" or ";" in a VALUE is written %25 or %3B):
//
//	stream=N                   the frame's tcp.stream (on frames that changed a state)
//	community_id=1:...         the connection's Community ID
//	client=STATE server=STATE  both endpoints' states after this frame
//	transition=ROLE FROM TO CAUSE   one per state change, in order
//	finding=SEVERITY KIND SUBJECT SUMMARY   one per finding the frame is evidence of
const MachinePrefix = "wirestat/1"

// Notes collects what to say about each frame. It keeps a few short
// strings per state change and per evidence frame, so its memory grows with
// the number of transitions, not with the capture.
type Notes struct {
	byFrame map[int64]*frameNote
}

// frameNote is everything said about one frame.
type frameNote struct {
	human    []string // the comments a person reads, in order
	stream   int64
	cid      string
	client   string // states after the frame; "" when no state changed
	server   string
	trans    []string // "ROLE FROM TO CAUSE"
	findings []string // "SEVERITY KIND SUBJECT SUMMARY"
}

// NewNotes returns an empty collection.
func NewNotes() *Notes { return &Notes{byFrame: map[int64]*frameNote{}} }

func (n *Notes) frame(fr int64) *frameNote {
	fn := n.byFrame[fr]
	if fn == nil {
		fn = &frameNote{stream: -1}
		n.byFrame[fr] = fn
	}
	return fn
}

// Connection records a finished connection's state changes on the frames
// that caused them, with both endpoints' states after each such frame and
// the connection's Community ID. Clock-driven changes (TIME_WAIT expiry,
// frame 0) belong to no frame and are left out.
func (n *Notes) Connection(c *finished.Conn) {
	communityID := c.CommunityID
	stream := strconv.FormatInt(c.Stream, 10)
	// Before its first change, an endpoint is in the state that change
	// starts from; one that never changed is in its final state.
	var state [2]string
	var seen [2]bool
	for _, t := range c.Transitions {
		if t.Frame > 0 && !seen[t.Endpoint] {
			state[t.Endpoint], seen[t.Endpoint] = t.From.String(), true
		}
	}
	for r := range state {
		if !seen[r] {
			state[r] = c.EP[r].State.String()
		}
	}
	for _, t := range c.Transitions {
		if t.Frame <= 0 {
			continue
		}
		role, from, to, cause := t.Endpoint.String(), t.From.String(), t.To.String(), t.Cause().String()
		var b strings.Builder
		b.WriteString("wirestat: tcp.stream ")
		b.WriteString(stream)
		b.WriteString(": ")
		b.WriteString(role)
		b.WriteString(" ")
		b.WriteString(c.EP[t.Endpoint].Addr.String())
		b.WriteString(" ")
		b.WriteString(from)
		b.WriteString(" -> ")
		b.WriteString(to)
		b.WriteString(" (")
		b.WriteString(cause)
		b.WriteString(")")
		fn := n.frame(t.Frame)
		fn.addHuman(b.String())
		state[t.Endpoint] = to
		fn.stream, fn.cid = c.Stream, communityID
		fn.client, fn.server = state[flow.Client], state[flow.Server]
		fn.trans = append(fn.trans, role+" "+from+" "+to+" "+cause)
	}
}

// Findings records each finding on its evidence frames.
func (n *Notes) Findings(fs []result.Finding) {
	for _, f := range fs {
		msg := "wirestat finding: [" + f.Severity + "] " + f.Kind + " " + f.Subject + ": " + f.Summary
		machine := f.Severity + " " + f.Kind + " " + f.Subject + " " + f.Summary
		for _, fr := range f.Frames {
			fn := n.frame(fr)
			if fn.addHuman(msg) {
				fn.findings = append(fn.findings, machine)
			}
		}
	}
}

func (fn *frameNote) addHuman(msg string) bool {
	for _, m := range fn.human {
		if m == msg {
			return false
		}
	}
	fn.human = append(fn.human, msg)
	return true
}

// For returns the comments for a frame: the lines a person reads, then
// the machine-readable line (see MachinePrefix). Nil when there are none.
func (n *Notes) For(frame int64) []string {
	fn := n.byFrame[frame]
	if fn == nil {
		return nil
	}
	return append(fn.human[:len(fn.human):len(fn.human)], fn.machine())
}

// Len is the number of frames with comments.
func (n *Notes) Len() int { return len(n.byFrame) }

// machine builds the frame's machine-readable line.
func (fn *frameNote) machine() string {
	var b strings.Builder
	b.WriteString(MachinePrefix)
	sep := byte(' ')
	item := func(key, val string) {
		b.WriteByte(sep)
		sep = ';'
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(escape(val))
	}
	if fn.stream >= 0 {
		item("stream", strconv.FormatInt(fn.stream, 10))
		item("community_id", fn.cid)
		item("client", fn.client)
		item("server", fn.server)
	}
	for _, t := range fn.trans {
		item("transition", t)
	}
	for _, f := range fn.findings {
		item("finding", f)
	}
	return b.String()
}

var escaper = strings.NewReplacer("%", "%25", ";", "%3B", "\n", "%0A", "\r", "%0D")

func escape(s string) string { return escaper.Replace(s) }
