//go:build linux

package e2e

import (
	"context"
	"net/netip"
	"testing"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/result"
)

type keep struct{ conns []result.Connection }

func (k *keep) Connection(c *result.Connection) error {
	k.conns = append(k.conns, *c)
	return nil
}

// inferred runs wirestat over a capture and returns each endpoint's state
// and whether the endpoint sent anything the capture saw.
func inferred(t *testing.T, pcap string) (map[Endpoint]string, map[Endpoint]bool) {
	t.Helper()
	src, err := capture.Open([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var k keep
	if _, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{pcap}}, &k); err != nil {
		t.Fatalf("wirestat on %s: %v", pcap, err)
	}
	states, spoke := map[Endpoint]string{}, map[Endpoint]bool{}
	for _, c := range k.conns {
		cl := netip.AddrPortFrom(netip.MustParseAddr(c.Client.Addr), c.Client.Port)
		sv := netip.AddrPortFrom(netip.MustParseAddr(c.Server.Addr), c.Server.Port)
		// Later connections on a reused 4-tuple replace earlier ones: the
		// kernel only knows the newest.
		states[Endpoint{cl, sv}], spoke[Endpoint{cl, sv}] = c.Client.State, c.Client.Packets > 0
		states[Endpoint{sv, cl}], spoke[Endpoint{sv, cl}] = c.Server.State, c.Server.Packets > 0
	}
	return states, spoke
}

// checkAgainstKernel asserts that wirestat's state for every endpoint the
// kernel knew equals the kernel's, except an endpoint that sent nothing the
// capture saw, which wirestat must report as UNKNOWN (the wire cannot tell).
func checkAgainstKernel(t *testing.T, out *Outcome) (agree, total, unknown int) {
	got, spoke := inferred(t, out.Pcap)
	for _, ep := range out.Endpoints() {
		g, ok := got[ep.Endpoint]
		switch {
		case !ok:
			t.Errorf("%v -> %v: kernel %s, wirestat has no such endpoint", ep.Local, ep.Peer, ep.State)
			total++
		case g == "UNKNOWN" && !spoke[ep.Endpoint]:
			t.Logf("%v -> %v: kernel %s, not visible on the wire: UNKNOWN", ep.Local, ep.Peer, ep.State)
			unknown++
		case g != ep.State:
			t.Errorf("%v -> %v: kernel %s, wirestat %s", ep.Local, ep.Peer, ep.State, g)
			total++
		default:
			agree++
			total++
		}
	}
	return agree, total, unknown
}
