//go:build linux

package e2e

import (
	"net/netip"
	"slices"
)

// Tunnel scenarios: the kernel's own tunnel devices between the two
// namespaces carry a connection over overlay addresses; the capture runs on
// the underlay veth, so wirestat sees it only by decapsulating. Each
// closes from the client: TIME_WAIT on the client, CLOSED on the server.

// tunnelDev describes one tunnel device pair.
type tunnelDev struct {
	name      string   // scenario name and device name stem
	doc       string   // what the capture shows
	link      []string // "ip link add DEV" arguments after "type"; LOCAL and REMOTE are replaced
	client    netip.Addr
	server    netip.Addr
	prefix    string
	overlayV6 bool // the overlay is IPv6 (6in4): enable IPv6 on the device
}

var tunnelDevs = []tunnelDev{
	{
		name: "tunnel-vxlan", doc: "a connection inside VXLAN (VNI 42, UDP 4789) between two Linux vxlan devices",
		link:   []string{"vxlan", "id", "42", "local", "LOCAL", "remote", "REMOTE", "dstport", "4789"},
		client: netip.MustParseAddr("10.214.0.1"), server: netip.MustParseAddr("10.214.0.2"), prefix: "/24",
	},
	{
		name: "tunnel-geneve", doc: "a connection inside Geneve (VNI 77, UDP 6081) between two Linux geneve devices",
		link:   []string{"geneve", "id", "77", "remote", "REMOTE"},
		client: netip.MustParseAddr("10.215.0.1"), server: netip.MustParseAddr("10.215.0.2"), prefix: "/24",
	},
	{
		name: "tunnel-gretap", doc: "a connection inside GRE transparent Ethernet bridging (key 5) between two Linux gretap devices",
		link:   []string{"gretap", "local", "LOCAL", "remote", "REMOTE", "key", "5"},
		client: netip.MustParseAddr("10.216.0.1"), server: netip.MustParseAddr("10.216.0.2"), prefix: "/24",
	},
	{
		name: "tunnel-sit", doc: "an IPv6 connection inside 6in4 (IP protocol 41) between two Linux sit devices",
		link:   []string{"sit", "local", "LOCAL", "remote", "REMOTE"},
		client: netip.MustParseAddr("fd00:217::1"), server: netip.MustParseAddr("fd00:217::2"), prefix: "/64", overlayV6: true,
	},
}

// probe returns td's device arguments with documentation addresses for
// LOCAL and REMOTE.
func (td tunnelDev) probe() []string {
	out := slices.Clone(td.link)
	for i, a := range out {
		switch a {
		case "LOCAL":
			out[i] = "192.0.2.1"
		case "REMOTE":
			out[i] = "192.0.2.2"
		}
	}
	return out
}

// tunnelScenarios returns one scenario per tunnel device.
func tunnelScenarios() []Scenario {
	var out []Scenario
	for _, td := range tunnelDevs {
		out = append(out, Scenario{
			Name:   td.name,
			Doc:    td.doc,
			Device: td.probe(),
			WantAt: []ConnAt{{
				Conn:       Conn{portClient, portServer, "TIME_WAIT", "CLOSED"},
				ClientAddr: td.client, ServerAddr: td.server,
			}},
			Run: func(e *Env) error {
				e.Tunnel(td)
				l := e.ListenOn(netip.AddrPortFrom(td.server, portServer))
				c := e.DialFrom(netip.AddrPortFrom(td.client, portClient), netip.AddrPortFrom(td.server, portServer))
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Close(c)
				e.RecvEOF(s)
				e.Close(s)
				return e.Err()
			},
		})
	}
	return out
}

// Tunnel creates the device td describes in both namespaces, over their
// veth addresses, with the overlay addresses on it.
func (e *Env) Tunnel(td tunnelDev) {
	const dev = "wst0"
	for _, side := range []struct {
		ns            *Netns
		local, remote netip.Addr
		addr          netip.Addr
	}{{e.Client, e.Client.Addr, e.Server.Addr, td.client}, {e.Server, e.Server.Addr, e.Client.Addr, td.server}} {
		if td.overlayV6 {
			e.Sysctl(side.ns, "net.ipv6.conf.default.disable_ipv6", "0")
			e.Sysctl(side.ns, "net.ipv6.conf.default.accept_dad", "0")
			e.Sysctl(side.ns, "net.ipv6.conf.default.router_solicitations", "0")
		}
		link := []string{"link", "add", dev, "type"}
		for _, a := range td.link {
			switch a {
			case "LOCAL":
				a = side.local.String()
			case "REMOTE":
				a = side.remote.String()
			}
			link = append(link, a)
		}
		addr := []string{"addr", "add", side.addr.String() + td.prefix, "dev", dev}
		if td.overlayV6 {
			addr = append(addr, "nodad")
		}
		for _, args := range [][]string{link, addr, {"link", "set", dev, "up"}} {
			if e.failed() {
				return
			}
			_, err := run(e.ctx, "ip", append([]string{"-n", side.ns.Name}, args...)...)
			if !e.fail(err) {
				e.record(side.ns, "ip", args)
			}
		}
	}
}
