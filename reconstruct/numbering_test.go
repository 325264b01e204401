package reconstruct

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestFilterKeepsStreamNumbers: a filter expression selects what is
// reported but renumbers nothing. Every frame it lets through has the
// stream number the unfiltered run (tshark's numbering, checked by the
// oracle tests) gives it, and every reported connection keeps its number.
func TestFilterKeepsStreamNumbers(t *testing.T) {
	if _, err := filter.Compile("tcp", 1, 0); errors.Is(err, filter.ErrNoCompiler) {
		t.Skip("no filter compiler: ", err)
	}
	root := testenv.RepoRoot(t)
	caps, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.pcap"))
	filters := []string{"port 81", "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-fin|tcp-rst) != 0", "src host 10.213.0.2 or src host fd00:213::2", "tcp port 40003 or tcp port 40150"}
	var checked int
	for _, c := range caps {
		whole := analyse(t, Config{}, c)
		if whole.err != nil {
			t.Fatalf("%s: %v", c, whole.err)
		}
		for _, f := range filters {
			part := analyse(t, Config{Filter: f}, c)
			if part.err != nil {
				t.Fatalf("%s %q: %v", filepath.Base(c), f, part.err)
			}
			for frame, stream := range part.assigned {
				checked++
				if want := whole.assigned[frame]; stream != want {
					t.Errorf("%s %q: frame %d in stream %d, want %d (unfiltered)", filepath.Base(c), f, frame, stream, want)
				}
			}
			for _, rc := range part.conns {
				if want, ok := whole.assigned[rc.FirstFrame]; !ok || want != rc.Stream {
					t.Errorf("%s %q: connection of first frame %d reported as stream %d, want %d", filepath.Base(c), f, rc.FirstFrame, rc.Stream, want)
				}
			}
		}
	}
	t.Logf("%d filtered frames in the stream of the unfiltered capture", checked)
}
