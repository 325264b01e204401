package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// Selection picks endpoints by state and role, as ss's state filter picks
// sockets. The zero value selects everything. The text writer prints only
// the selected endpoints; the writers of one row per connection print the
// connections with at least one selected endpoint. Listeners, findings and
// the counts of states per role always describe the whole capture.
type Selection struct {
	// States are the selected states in the report's spelling
	// (CLOSE_WAIT); empty selects every state.
	States []string
	// Role is "client" or "server" to select only that side; empty
	// selects both.
	Role string
}

// Active reports whether the selection leaves anything out.
func (s Selection) Active() bool { return len(s.States) > 0 || s.Role != "" }

// Endpoint reports whether the endpoint on side role ("client" or
// "server") in state is selected.
func (s Selection) Endpoint(role, state string) bool {
	if s.Role != "" && role != s.Role {
		return false
	}
	return len(s.States) == 0 || slices.Contains(s.States, state)
}

// Connection reports whether c has a selected endpoint.
func (s Selection) Connection(c *result.Connection) bool {
	return s.Endpoint("client", c.Client.State) || s.Endpoint("server", c.Server.State)
}

// String describes the selection for the report ("state CLOSE_WAIT, role
// server").
func (s Selection) String() string {
	var parts []string
	if len(s.States) > 0 {
		parts = append(parts, "state "+strings.Join(s.States, " "))
	}
	if s.Role != "" {
		parts = append(parts, "role "+s.Role)
	}
	return strings.Join(parts, ", ")
}

// ssStates maps ss's state names (and the report's own spelling, lower
// case with dashes) to the report's states. wirestat adds unknown.
var ssStates = map[string][]string{
	"established":  {"ESTABLISHED"},
	"syn-sent":     {"SYN_SENT"},
	"syn-recv":     {"SYN_RECEIVED"},
	"syn-rcv":      {"SYN_RECEIVED"},
	"syn-received": {"SYN_RECEIVED"},
	"fin-wait-1":   {"FIN_WAIT_1"},
	"fin-wait-2":   {"FIN_WAIT_2"},
	"time-wait":    {"TIME_WAIT"},
	"closed":       {"CLOSED"},
	"close":        {"CLOSED"},
	"unconnected":  {"CLOSED"},
	"close-wait":   {"CLOSE_WAIT"},
	"last-ack":     {"LAST_ACK"},
	"listening":    {"LISTEN"},
	"listen":       {"LISTEN"},
	"closing":      {"CLOSING"},
	"unknown":      {"UNKNOWN"},
}

// allStates lists every state of the report, in RFC order.
var allStates = []string{
	"UNKNOWN", "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
	"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
}

// ssGroups are ss's state groups: connected leaves out listening and
// closed (and unknown: nothing shows the endpoint is connected),
// synchronized also syn-sent, bucket is what the kernel keeps as
// minisockets (syn-recv, time-wait) and big is everything else.
var ssGroups = map[string][]string{
	"all":          allStates,
	"connected":    without(allStates, "UNKNOWN", "CLOSED", "LISTEN"),
	"synchronized": without(allStates, "UNKNOWN", "CLOSED", "LISTEN", "SYN_SENT"),
	"bucket":       {"SYN_RECEIVED", "TIME_WAIT"},
	"big":          without(allStates, "SYN_RECEIVED", "TIME_WAIT"),
}

func without(states []string, drop ...string) []string {
	var out []string
	for _, s := range states {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

// StateNames lists the names ParseStates accepts: ss's states, then its
// groups.
func StateNames() (states, groups []string) {
	states = []string{"established", "syn-sent", "syn-recv", "fin-wait-1", "fin-wait-2", "time-wait",
		"closed", "close-wait", "last-ack", "listening", "closing", "unknown"}
	return states, []string{"all", "connected", "synchronized", "bucket", "big"}
}

// ParseStates turns ss state names and groups (established, close-wait,
// connected, bucket, ...; case-insensitive, the report's CLOSE_WAIT
// spelling too) into the report's states, in RFC order. "all" selects
// every state.
func ParseStates(names []string) ([]string, error) {
	seen := map[string]bool{}
	for _, name := range names {
		key := strings.ReplaceAll(strings.ToLower(name), "_", "-")
		states, ok := ssStates[key]
		if !ok {
			states, ok = ssGroups[key]
		}
		if !ok {
			st, gr := StateNames()
			return nil, fmt.Errorf("unknown state %q (states: %s; groups: %s)", name, strings.Join(st, ", "), strings.Join(gr, ", "))
		}
		for _, s := range states {
			seen[s] = true
		}
	}
	var out []string
	for _, s := range allStates {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// selectWriter passes on only the connections a Selection picks.
type selectWriter struct {
	Writer
	sel Selection
}

func (s selectWriter) Connection(c *result.Connection) error {
	if !s.sel.Connection(c) {
		return nil
	}
	return s.Writer.Connection(c)
}

func (s selectWriter) Close(r *result.Result) error {
	if len(r.Connections) > 0 {
		kept := make([]result.Connection, 0, len(r.Connections))
		for i := range r.Connections {
			if s.sel.Connection(&r.Connections[i]) {
				kept = append(kept, r.Connections[i])
			}
		}
		cp := *r
		cp.Connections = kept
		r = &cp
	}
	return s.Writer.Close(r)
}
