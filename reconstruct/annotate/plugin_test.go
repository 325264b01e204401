package annotate_test

import (
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// frameState is what the plugin should show on one frame.
type frameState struct {
	client, server, cid string
	kinds               string // finding kinds, sorted, comma-separated
}

// expectedStates derives, from the JSON view of the connections and
// tshark's own stream of each frame, both endpoints' states after every
// frame: from the connection's first frame with a transition on, each
// endpoint is in the state its last transition at or before the frame
// left it in, or, before its first, in the state that one starts from.
func expectedStates(conns []result.Connection, findings []result.Finding, frameStream map[int64]int64) map[int64]frameState {
	byStream := map[int64]*result.Connection{}
	for i := range conns {
		byStream[conns[i].Stream] = &conns[i]
	}
	kinds := map[int64][]string{}
	for _, f := range findings {
		for _, fr := range f.Frames {
			if !slices.Contains(kinds[fr], f.Kind) {
				kinds[fr] = append(kinds[fr], f.Kind)
			}
		}
	}
	want := map[int64]frameState{}
	for fr, s := range frameStream {
		c := byStream[s]
		if c == nil {
			continue
		}
		st := map[string]string{"client": c.Client.State, "server": c.Server.State}
		seen := map[string]bool{}
		started := false
		for _, tr := range c.Transitions {
			if tr.Frame <= 0 {
				continue
			}
			if !seen[tr.Endpoint] {
				seen[tr.Endpoint] = true
				st[tr.Endpoint] = tr.From
			}
		}
		for _, tr := range c.Transitions {
			if tr.Frame > 0 && tr.Frame <= fr {
				st[tr.Endpoint] = tr.To
				started = true
			}
		}
		var fs frameState
		if started {
			fs = frameState{client: st["client"], server: st["server"], cid: c.CommunityID}
		}
		k := kinds[fr]
		slices.Sort(k)
		fs.kinds = strings.Join(k, ",")
		if fs != (frameState{}) {
			want[fr] = fs
		}
	}
	return want
}

// TestPluginInTshark loads wireshark/wirestat.lua into tshark on every
// annotated sample capture: the states, Community ID and finding kinds it
// shows on each frame, and the frames a wirestat.server_state filter
// selects, are those the JSON transitions and findings imply.
func TestPluginInTshark(t *testing.T) {
	tshark := testenv.Tool(t, "tshark")
	plugin := filepath.Join(testenv.RepoRoot(t), "wireshark", "wirestat.lua")
	caps, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "pcaps", "*.pcap"))
	selected := 0
	for _, capFile := range caps {
		t.Run(filepath.Base(capFile), func(t *testing.T) {
			a := annotateRun(t, capFile)
			raw, err := exec.Command(tshark, "-n", "-r", a.out, "-X", "lua_script:"+plugin, "-T", "fields",
				"-E", "occurrence=a", "-E", "aggregator=,",
				"-e", "frame.number", "-e", "tcp.stream", "-e", "wirestat.client_state", "-e", "wirestat.server_state",
				"-e", "wirestat.community_id", "-e", "wirestat.finding.kind").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			frameStream := map[int64]int64{}
			got := map[int64]frameState{}
			for _, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
				c := strings.Split(line, "\t")
				if len(c) != 6 {
					t.Fatalf("tshark line %q", line)
				}
				fr, _ := strconv.ParseInt(c[0], 10, 64)
				if c[1] != "" {
					first, _, _ := strings.Cut(c[1], ",")
					s, _ := strconv.ParseInt(first, 10, 64)
					frameStream[fr] = s
				}
				k := strings.Split(c[5], ",")
				slices.Sort(k)
				k = slices.Compact(k)
				fs := frameState{client: c[2], server: c[3], cid: c[4], kinds: strings.Trim(strings.Join(k, ","), ",")}
				if fs != (frameState{}) {
					got[fr] = fs
				}
			}
			want := expectedStates(a.conns, a.res.Findings, frameStream)
			for _, fr := range slices.Sorted(maps.Keys(want)) {
				if got[fr] != want[fr] {
					t.Errorf("frame %d: plugin shows %+v, want %+v", fr, got[fr], want[fr])
				}
			}
			for fr := range got {
				if _, ok := want[fr]; !ok {
					t.Errorf("frame %d: plugin shows %+v, want nothing", fr, got[fr])
				}
			}

			// The display filter itself.
			raw, err = exec.Command(tshark, "-n", "-r", a.out, "-X", "lua_script:"+plugin,
				"-Y", `wirestat.server_state == "CLOSE_WAIT"`, "-T", "fields", "-e", "frame.number").Output()
			if err != nil {
				t.Fatalf("tshark -Y: %v", err)
			}
			var frames, wantFrames []int64
			for _, f := range strings.Fields(string(raw)) {
				n, _ := strconv.ParseInt(f, 10, 64)
				frames = append(frames, n)
			}
			for _, fr := range slices.Sorted(maps.Keys(want)) {
				if want[fr].server == "CLOSE_WAIT" {
					wantFrames = append(wantFrames, fr)
				}
			}
			if !slices.Equal(frames, wantFrames) {
				t.Errorf(`wirestat.server_state == "CLOSE_WAIT" selects %v, want %v`, frames, wantFrames)
			}
			selected += len(frames)
		})
	}
	t.Logf("CLOSE_WAIT filter selected %d frames over %d captures", selected, len(caps))
}
