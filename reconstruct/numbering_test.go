package reconstruct

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
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

// stretch copies capture in to out with gap added before every packet but
// SYNs and SYN-ACKs: connections that, once their handshake is under way,
// fall quiet for longer than the tracker's idle timeout between any two
// packets. (An attempt left unanswered for that long is handed out, as
// Config.IdleTimeout documents; real stacks give up within minutes.)
func stretch(t *testing.T, in, out string, gap time.Duration) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	w := pcapgo.NewWriterNanos(o)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	var shift time.Duration
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Lazy)
		if tcp, ok := p.TransportLayer().(*layers.TCP); !ok || !tcp.SYN {
			shift += gap
		}
		ci.Timestamp = ci.Timestamp.Add(shift)
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLongGapsOneRowPerStream: quiet spells longer than the idle timeout
// split no stream. With 61 minutes before every packet but the SYNs and
// SYN-ACKs (the default --idle-timeout is 1 h), every stream is one row,
// numbered as tshark numbers the stretched capture, with and without a
// filter expression.
func TestLongGapsOneRowPerStream(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	if d := os.Getenv("KEEPDIR"); d != "" {
		dir = d
	}
	for _, name := range []string{"demo", "established-idle", "close-wait", "half-close", "fin-wait-1", "rst-abort", "reopen-server-time-wait", "midstream", "syn-unanswered"} {
		t.Run(name, func(t *testing.T) {
			c := filepath.Join(dir, name+".pcap")
			stretch(t, filepath.Join(root, "pcaps", name+".pcap"), c, 61*time.Minute)
			orig := analyse(t, Config{}, filepath.Join(root, "pcaps", name+".pcap"))
			for _, flt := range []string{"", "tcp"} {
				if flt != "" {
					if _, err := filter.Compile(flt, 1, 0); errors.Is(err, filter.ErrNoCompiler) {
						continue
					}
				}
				a := analyse(t, Config{Filter: flt}, c)
				if a.err != nil {
					t.Fatalf("run: %v", a.err)
				}
				// A stream continues in a second row (part 2) only after
				// an attempt that never synchronized was handed out idle.
				last := map[int64]result.Connection{}
				for _, rc := range a.conns {
					prev, seen := last[rc.Stream]
					last[rc.Stream] = rc
					switch {
					case !seen && rc.Part != 0:
						t.Errorf("filter %q: stream %d starts with part %d", flt, rc.Stream, rc.Part)
					case seen && rc.Part != max(prev.Part, 1)+1:
						t.Errorf("filter %q: stream %d: part %d after part %d", flt, rc.Stream, rc.Part, prev.Part)
					case seen && (synchronized(prev.Client.State) || synchronized(prev.Server.State)):
						t.Errorf("filter %q: stream %d split after %s/%s", flt, rc.Stream, prev.Client.State, prev.Server.State)
					}
				}
				if len(last) != len(orig.conns) {
					t.Errorf("filter %q: %d streams, the unstretched capture has %d", flt, len(last), len(orig.conns))
				}
				for frame, stream := range orig.assigned {
					if a.assigned[frame] != stream {
						t.Errorf("filter %q: frame %d in stream %d, %d unstretched", flt, frame, a.assigned[frame], stream)
					}
				}
			}
			t.Run("tshark", func(t *testing.T) {
				compareStreams(t, c, runTshark(t, testenv.Tool(t, "tshark"), c))
			})
		})
	}
}

// synchronized reports whether a state name is one of RFC 9293's
// synchronized states (ESTABLISHED and after).
func synchronized(state string) bool {
	switch state {
	case "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT":
		return true
	}
	return false
}
