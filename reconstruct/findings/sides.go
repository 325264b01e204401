package findings

import (
	"net/netip"
	"slices"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// sideKey names one endpoint side of a group of connections: a server
// host:port, or a client host towards one server host:port (a client's
// ephemeral ports do not make a useful group).
type sideKey struct {
	role flow.Role
	host netip.AddrPort // server: host:port; client: host with port 0
	peer netip.AddrPort // client: the server host:port; server: zero
}

// packedSide is a sideKey packed into bytes: the key of the many pending
// sides (a client host towards a server is one per client), at half the
// size of a sideKey. Zones are left out: decoded addresses have none.
type packedSide [37]byte

func (k sideKey) packed() packedSide {
	var p packedSide
	h, q := k.host.Addr().As16(), k.peer.Addr().As16()
	copy(p[0:16], h[:])
	copy(p[16:32], q[:])
	p[32], p[33] = byte(k.host.Port()>>8), byte(k.host.Port())
	p[34], p[35] = byte(k.peer.Port()>>8), byte(k.peer.Port())
	p[36] = byte(k.role) & 1
	if k.host.Addr().Is4() {
		p[36] |= 2
	}
	if k.peer.Addr().Is4() {
		p[36] |= 4
	}
	if !k.peer.IsValid() {
		p[36] |= 8
	}
	if !k.host.IsValid() {
		p[36] |= 16
	}
	return p
}

func sideOf(c *finished.Conn, r flow.Role) sideKey {
	if r == flow.Server {
		return sideKey{role: flow.Server, host: c.EP[flow.Server].Addr}
	}
	return sideKey{
		role: flow.Client,
		host: netip.AddrPortFrom(c.EP[flow.Client].Addr.Addr(), 0),
		peer: c.EP[flow.Server].Addr,
	}
}

// subject is the finding subject: host:port for a server side, host for a
// client side.
func (k sideKey) subject() string {
	if k.role == flow.Server {
		return hostPortString(k.host)
	}
	return hostString(k.host.Addr())
}

// describe names the side in a sentence: "10.0.0.2:80" or "client
// 10.0.0.1 (connections to 10.0.0.2:80)".
func (k sideKey) describe() string {
	if k.role == flow.Server {
		return hostPortString(k.host)
	}
	return "client " + hostString(k.host.Addr()) + " (connections to " + hostPortString(k.peer) + ")"
}

func (k sideKey) details(d map[string]any) map[string]any {
	d["side"] = k.role.String()
	if k.role == flow.Client {
		d["peer"] = hostPortString(k.peer)
	}
	return d
}

// sortedSides returns a map's side keys in a fixed order, those whose
// value passes keep (all when keep is nil).
func sortedSides[V any](m map[sideKey]V, keep func(V) bool) []sideKey {
	var keys []sideKey
	for k, v := range m {
		if keep == nil || keep(v) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b sideKey) int {
		if c := a.host.Compare(b.host); c != 0 {
			return c
		}
		if a.role != b.role {
			return int(a.role) - int(b.role)
		}
		return a.peer.Compare(b.peer)
	})
	return keys
}
