package reconstruct

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// oneSided passes on only the TCP packets sent from one side of the
// scenario network: the client namespace's .1 addresses or the server
// namespace's .2 addresses. Other packets are dropped, as a tap that
// carries one direction drops them; frame numbers stay those of the file.
type oneSided struct {
	capture.Source
	keep func(src string) bool
	dec  *decode.Decoder
	seg  decode.Segment
}

func (o *oneSided) Next() (capture.Packet, error) {
	for {
		p, err := o.Source.Next()
		if err != nil {
			return p, err
		}
		if o.dec.Decode(p, &o.seg) == decode.OK && !o.seg.Quoted && o.keep(o.seg.Src.Addr().Unmap().String()) {
			return p, nil
		}
	}
}

// clientSide reports whether addr is one of the client namespace's.
func clientSide(addr string) bool {
	return strings.HasSuffix(addr, ".1") || strings.HasSuffix(addr, "::1") || strings.HasPrefix(addr, "10.213.1.")
}

// oneSidedCut returns, for a shipped capture of one direction only, which
// endpoints' packets it holds: pcaps/*-c2s.pcap holds the client side's,
// *-s2c.pcap the server side's (two paths of asymmetric routing).
func oneSidedCut(name string) (keep func(addr string) bool, ok bool) {
	switch {
	case strings.HasSuffix(name, "-c2s"):
		return sideOf("client"), true
	case strings.HasSuffix(name, "-s2c"):
		return sideOf("server"), true
	}
	return nil, false
}

// sideOf returns clientSide, or its negation for the server side.
func sideOf(side string) func(addr string) bool {
	if side == "client" {
		return clientSide
	}
	return func(a string) bool { return !clientSide(a) }
}

// localAddr returns the address of a "host:port" or "[host]:port".
func localAddr(hostPort string) string {
	return strings.Trim(hostPort[:strings.LastIndex(hostPort, ":")], "[]")
}

// endpointsByKey maps each endpoint of conns by (local, peer); a later
// connection on a reused 4-tuple replaces the earlier one, as in the kernel.
func endpointsByKey(conns []result.Connection) map[[2]string]result.Endpoint {
	got := map[[2]string]result.Endpoint{}
	for _, c := range conns {
		cl, sv := hostPort(c.Client.Addr, c.Client.Port), hostPort(c.Server.Addr, c.Server.Port)
		got[[2]string{cl, sv}] = c.Client
		got[[2]string{sv, cl}] = c.Server
	}
	return got
}

// TestOneSidedStates cuts every shipped capture to the packets of one side
// (both ways round) and compares the endpoints with the kernel's states at
// the end of the capture (ss). The endpoint whose packets the cut holds
// must match the kernel, unless the kernel's state follows from wirestat's
// only through packets it received and did not answer on the wire (then
// no capture of its packets can tell). Of the silent endpoints, which
// only the other's acknowledgements speak for, nine in ten must match.
// Captures that are one-sided already (oneSidedCut) are TestKernelStates'.
func TestOneSidedStates(t *testing.T) {
	root := testenv.RepoRoot(t)
	exps, _ := filepath.Glob(filepath.Join(root, "pcaps", "*.expected.tsv"))
	if len(exps) == 0 {
		t.Fatal("no pcaps/*.expected.tsv")
	}
	var n testenv.Tally
	for _, exp := range exps {
		name := strings.TrimSuffix(filepath.Base(exp), ".expected.tsv")
		if _, ok := oneSidedCut(name); ok {
			continue
		}
		for _, side := range []string{"client", "server"} {
			t.Run(name+"/"+side, func(t *testing.T) {
				capFile := filepath.Join(root, "pcaps", name+".pcap")
				if _, err := os.Stat(capFile); err != nil {
					capFile = filepath.Join(root, "pcaps", name+".pcapng")
				}
				keep := sideOf(side)
				want := readExpected(t, exp)
				src, err := capture.Open([]string{capFile}, capture.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				var sink collect
				_, err = Run(context.Background(), &oneSided{Source: src, keep: keep, dec: decode.NewDecoder()}, Config{Sources: []string{capFile}}, &sink)
				if err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				got := endpointsByKey(sink.conns)
				for k, w := range want {
					if g, ok := got[k]; ok { // else the cut holds nothing of this connection
						n.Judge(t, k[0]+" -> "+k[1], g.State, g.Evidence, w, keep(localAddr(k[0])))
					}
				}
			})
		}
	}
	t.Logf("one-sided cuts: %v", &n)
	if n.SilentOK*10 < n.Silent*9 {
		t.Errorf("silent endpoints: %d/%d agree with the kernel, want at least 90%%", n.SilentOK, n.Silent)
	}
}
