//go:build linux

package e2e

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// TestSamplePcaps checks that every scenario has its sample files in
// pcaps/, with the link type the scenario asks for and a well-formed
// expected.tsv.
func TestSamplePcaps(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "pcaps")
	for _, sc := range Scenarios() {
		for _, name := range sc.Files() {
			t.Run(name, func(t *testing.T) {
				info, err := ReadPcapInfo(filepath.Join(dir, name+".pcap"))
				if len(sc.Device) > 0 && errors.Is(err, fs.ErrNotExist) {
					t.Skipf("not shipped: the kernel that made pcaps/ could not create %s devices", sc.Device[0])
				}
				if err != nil {
					t.Fatal(err)
				}
				want := uint32(LinkTypeEthernet)
				switch {
				case sc.LinkType == "LINUX_SLL":
					want = LinkTypeLinuxSLL
				case sc.Iface == "any":
					want = LinkTypeLinuxSLL2
				}
				if info.LinkType != want || info.Packets == 0 {
					t.Errorf("%s.pcap: link type %d, %d packets; want link type %d and packets", name, info.LinkType, info.Packets, want)
				}
				f, err := os.Open(filepath.Join(dir, name+".expected.tsv"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				eps, err := ReadExpectedTSV(f)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(sc.designed()); len(eps) != 2*n {
					t.Errorf("%s.expected.tsv: %d endpoints, want %d", name, len(eps), 2*n)
				}
			})
		}
	}
}

func TestReadPcapInfoTruncated(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "pcaps", "refused.pcap"))
	if err != nil {
		t.Skip(err)
	}
	p := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(p, src[:len(src)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPcapInfo(p); err == nil {
		t.Error("ReadPcapInfo accepted a capture whose last record is cut short")
	}
}
