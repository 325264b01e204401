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

// inferred runs wirestat over a capture and returns each endpoint (its
// state, evidence and packet count) and the listeners.
func inferred(t *testing.T, pcap string) (map[Endpoint]result.Endpoint, []result.Listener) {
	t.Helper()
	src, err := capture.Open([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var k keep
	res, err := reconstruct.Run(context.Background(), src, reconstruct.Config{Sources: []string{pcap}}, &k)
	if err != nil {
		t.Fatalf("wirestat on %s: %v", pcap, err)
	}
	eps := map[Endpoint]result.Endpoint{}
	for _, c := range k.conns {
		cl := netip.AddrPortFrom(netip.MustParseAddr(c.Client.Addr), c.Client.Port)
		sv := netip.AddrPortFrom(netip.MustParseAddr(c.Server.Addr), c.Server.Port)
		// Later connections on a reused 4-tuple replace earlier ones: the
		// kernel only knows the newest.
		eps[Endpoint{cl, sv}] = c.Client
		eps[Endpoint{sv, cl}] = c.Server
	}
	return eps, res.Listeners
}

// checkAgainstKernel asserts that wirestat's state for every endpoint the
// kernel knew equals the kernel's, except an endpoint that sent nothing the
// capture saw, which wirestat must report as UNKNOWN, and one whose state
// wirestat marks as assumed (a capture that starts mid-close): the wire
// cannot tell. Both are counted as unknown.
func checkAgainstKernel(t *testing.T, out *Outcome) (agree, total, unknown int) {
	got, listeners := inferred(t, out.Pcap)
	checkListeners(t, out, listeners)
	for _, ep := range out.Endpoints() {
		g, ok := got[ep.Endpoint]
		switch {
		case !ok:
			t.Errorf("%v -> %v: kernel %s, wirestat has no such endpoint", ep.Local, ep.Peer, ep.State)
			total++
		case g.State == "UNKNOWN" && g.Packets == 0:
			t.Logf("%v -> %v: kernel %s, not visible on the wire: UNKNOWN", ep.Local, ep.Peer, ep.State)
			unknown++
		case g.State != ep.State && g.Evidence == "assumed":
			t.Logf("%v -> %v: kernel %s, wirestat %s, assumed: undecidable from the capture", ep.Local, ep.Peer, ep.State, g.State)
			unknown++
		case g.State != ep.State:
			t.Errorf("%v -> %v: kernel %s, wirestat %s", ep.Local, ep.Peer, ep.State, g.State)
			total++
		default:
			agree++
			total++
		}
	}
	return agree, total, unknown
}

// checkListeners asserts that every listener wirestat reports (a host:port
// that answered a SYN with a SYN-ACK) is a LISTEN socket in the kernel of
// the namespace owning that address, when the kernel still had one at the
// end of the scenario.
func checkListeners(t *testing.T, out *Outcome, listeners []result.Listener) {
	t.Helper()
	for _, l := range listeners {
		addr := netip.MustParseAddr(l.Addr)
		found, owner := false, false
		for _, snap := range out.Snapshots {
			if snap.Addr != addr && !(addr.Is6() && snap.Role == "server" && !snap.Addr.Is6()) {
				continue
			}
			for _, so := range snap.Sockets {
				if so.State != "LISTEN" {
					continue
				}
				owner = true
				if so.Local.Port() == l.Port && (so.Local.Addr().IsUnspecified() || so.Local.Addr() == addr) {
					found = true
				}
			}
		}
		switch {
		case found:
			t.Logf("listener %s:%d: kernel LISTEN", l.Addr, l.Port)
		case owner:
			t.Errorf("wirestat lists %s:%d as a listener; the kernel has no LISTEN socket on that port", l.Addr, l.Port)
		default:
			t.Logf("listener %s:%d: its namespace had closed every listening socket before ss ran", l.Addr, l.Port)
		}
	}
}
