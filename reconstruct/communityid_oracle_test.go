package reconstruct

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// oracleCaptures lists the captures the tshark comparisons run on: every
// sample in pcaps/ and every capture of the shared Wireshark oracle
// (absent oracles are left out), minus those whose TCP wirestat does not
// decapsulate.
func oracleCaptures(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "pcaps", "*.pcap"))
	if dir := testenv.SharedDir(t); dir != "" {
		tsvs, _ := filepath.Glob(filepath.Join(dir, "oracles", "wireshark", "*.tshark.tsv"))
		for _, tsv := range tsvs {
			capName := strings.TrimSuffix(tsv, ".tshark.tsv")
			if _, left := wiresharkLeftOut[filepath.Base(capName)]; !left {
				files = append(files, capName)
			}
		}
		if cid := filepath.Join(dir, "oracles", "wireshark", "ws__communityid.pcap.gz"); fileExists(cid) {
			files = append(files, cid)
		}
	}
	return files
}

// TestCommunityIDMatchesTshark: every connection's community_id equals
// tshark's communityid field on the frames of its tcp.stream (frames
// carrying ICMP errors are left out: tshark hashes their ICMP flow), with
// the default seed and with another one.
func TestCommunityIDMatchesTshark(t *testing.T) {
	tshark := testenv.Tool(t, "tshark")
	for _, capFile := range oracleCaptures(t) {
		for _, seed := range []uint16{0, 4711} {
			t.Run(filepath.Base(capFile)+"/seed="+strconv.Itoa(int(seed)), func(t *testing.T) {
				if seed != 0 && !strings.Contains(capFile, "communityid") && !strings.HasSuffix(capFile, "demo.pcap") {
					t.Skip("other seeds are checked on two captures")
				}
				out, err := exec.Command(tshark, "-n", "-r", capFile, "--enable-protocol", "communityid",
					"-o", "communityid.seed:"+strconv.Itoa(int(seed)),
					"-Y", "tcp && !icmp && !icmpv6", "-T", "fields", "-E", "occurrence=f",
					"-e", "tcp.stream", "-e", "communityid").Output()
				if err != nil {
					t.Fatalf("tshark: %v", err)
				}
				want := map[int64]string{}
				for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
					cols := strings.Split(line, "\t")
					if len(cols) != 2 || cols[1] == "" {
						continue
					}
					s, err := strconv.ParseInt(cols[0], 10, 64)
					if err != nil {
						t.Fatalf("tshark line %q", line)
					}
					want[s] = cols[1]
				}
				a := analyse(t, Config{CommunityIDSeed: seed}, capFile)
				if a.err != nil {
					t.Fatalf("run: %v", a.err)
				}
				checked := 0
				for _, c := range a.conns {
					w, ok := want[c.Stream]
					if !ok {
						continue
					}
					checked++
					if c.CommunityID != w {
						t.Errorf("stream %d (%s:%d - %s:%d): community_id %q, tshark %q", c.Stream,
							c.Client.Addr, c.Client.Port, c.Server.Addr, c.Server.Port, c.CommunityID, w)
					}
				}
				if checked != len(want) {
					t.Errorf("compared %d of tshark's %d streams", checked, len(want))
				}
			})
		}
	}
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
