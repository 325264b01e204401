package decode

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// TunnelType names an encapsulation the Decoder went through to reach a
// TCP header.
type TunnelType uint8

// Tunnel types. TunnelIP is IP directly in IP (IPv4 or IPv6 in IPv4 or
// IPv6: ipip, 6in4/sit, ip6tnl), as Zeek's Tunnel::IP.
const (
	TunnelNone TunnelType = iota
	TunnelIP
	TunnelGRE
	TunnelERSPAN
	TunnelVXLAN
	TunnelVXLANGPE
	TunnelGeneve
	TunnelGTP
	TunnelTeredo
	TunnelAYIYA
	TunnelL2TP
	numTunnelTypes
)

var tunnelNames = [numTunnelTypes]string{"", "ip", "gre", "erspan", "vxlan", "vxlan-gpe", "geneve", "gtp", "teredo", "ayiya", "l2tp"}

// String returns the tunnel type's lower-case name ("vxlan", "gre"...).
func (t TunnelType) String() string {
	if t < numTunnelTypes {
		return tunnelNames[t]
	}
	return "tunnel(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText writes the name, for JSON.
func (t TunnelType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Tunnel is one encapsulation layer around a segment.
type Tunnel struct {
	Type TunnelType
	// HasID: ID holds the layer's identifier: the VXLAN or Geneve VNI,
	// the GRE key (NVGRE: VSID << 8 | FlowID), the GTP-U TEID, the ERSPAN
	// session, the L2TP session.
	HasID bool
	ID    uint32
	// Src and Dst are the outer endpoints in the direction of this
	// packet: UDP endpoints for UDP tunnels, addresses with port 0 for
	// tunnels directly over IP (GRE, ERSPAN, IP in IP, L2TPv3 over IP).
	Src, Dst netip.AddrPort
}

// MaxTunnels is how many encapsulation layers a Segment records, outermost
// first. Deeper stacks are still decoded (up to 8 layers).
const MaxTunnels = 4

// Tunnels is the stack of encapsulations around a segment, a fixed-size
// value so that Segment stays allocation-free.
type Tunnels struct {
	N     uint8 // layers recorded, at most MaxTunnels
	Layer [MaxTunnels]Tunnel
}

// List returns the recorded layers, outermost first.
func (t *Tunnels) List() []Tunnel { return t.Layer[:t.N] }

// push records one more layer, inner to the ones already recorded.
func (t *Tunnels) push(typ TunnelType, hasID bool, id uint32, src, dst netip.AddrPort) {
	if int(t.N) < MaxTunnels {
		t.Layer[t.N] = Tunnel{Type: typ, HasID: hasID, ID: id, Src: src, Dst: dst}
		t.N++
	}
}

// UDPTunnel is an encapsulation selected by UDP port.
type UDPTunnel uint8

// UDP tunnels; UDPNone takes a port out of the table (Wireshark's Decode
// As "(none)").
const (
	UDPNone UDPTunnel = iota
	UDPVXLAN
	UDPVXLANGPE
	UDPGeneve
	UDPGTP
	UDPTeredo
	UDPAYIYA
	UDPL2TP
	numUDPTunnels
)

var udpTunnelNames = [numUDPTunnels]string{"none", "vxlan", "vxlan-gpe", "geneve", "gtp", "teredo", "ayiya", "l2tp"}

func (u UDPTunnel) String() string {
	if u < numUDPTunnels {
		return udpTunnelNames[u]
	}
	return "udp-tunnel(" + strconv.Itoa(int(u)) + ")"
}

// PortMap says which UDP ports carry which tunnel. The zero value decodes
// no UDP tunnel; DefaultPorts returns tshark 4.0's defaults.
type PortMap struct {
	ports []portTunnel
}

type portTunnel struct {
	port uint16
	kind UDPTunnel
}

// DefaultPorts returns the UDP ports tshark 4.0 decodes tunnels on by
// default: VXLAN 4789, VXLAN-GPE 4790, Geneve 6081, GTP-U 2152 (and
// GTPv1-C 2123, which may carry T-PDUs), Teredo 3544, AYIYA 5072 and
// L2TP 1701. Linux's pre-IANA VXLAN port 8472 is not among them, as in
// tshark: add it with Set or --decode-as vxlan=8472.
func DefaultPorts() PortMap {
	var m PortMap
	for _, p := range [...]portTunnel{
		{4789, UDPVXLAN}, {4790, UDPVXLANGPE}, {6081, UDPGeneve}, {2152, UDPGTP}, {2123, UDPGTP},
		{3544, UDPTeredo}, {5072, UDPAYIYA}, {1701, UDPL2TP},
	} {
		m.Set(p.port, p.kind)
	}
	return m
}

// Set decodes UDP port as kind, replacing what the port was mapped to;
// UDPNone removes the port.
func (m *PortMap) Set(port uint16, kind UDPTunnel) {
	m.ports = slices.DeleteFunc(m.ports, func(p portTunnel) bool { return p.port == port })
	if kind != UDPNone {
		m.ports = append(m.ports, portTunnel{port, kind})
	}
}

// Lookup returns the tunnel decoded on port, UDPNone when none.
func (m *PortMap) Lookup(port uint16) UDPTunnel {
	for _, p := range m.ports {
		if p.port == port {
			return p.kind
		}
	}
	return UDPNone
}

// String lists the map as ParseDecodeAs reads it, ports in order.
func (m PortMap) String() string {
	var b strings.Builder
	for k := UDPTunnel(1); k < numUDPTunnels; k++ {
		var ports []int
		for _, p := range m.ports {
			if p.kind == k {
				ports = append(ports, int(p.port))
			}
		}
		slices.Sort(ports)
		for i, p := range ports {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			if i == 0 {
				b.WriteString(k.String() + "=")
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// ParseDecodeAs applies a --decode-as list to m: "vxlan=4789,8472,geneve=6081"
// maps each port to the tunnel named before it (a bare port continues the
// previous name), and "none=PORT" stops decoding a port as a tunnel.
// Names: vxlan, vxlan-gpe, geneve, gtp, teredo, ayiya, l2tp, none.
func (m *PortMap) ParseDecodeAs(s string) error {
	kind, named := UDPNone, false
	for tok := range strings.SplitSeq(s, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if name, port, ok := strings.Cut(tok, "="); ok {
			i := slices.Index(udpTunnelNames[:], strings.ToLower(strings.TrimSpace(name)))
			if i < 0 {
				return fmt.Errorf("decode-as %q: unknown tunnel %q (want %s)", s, name, strings.Join(udpTunnelNames[:], ", "))
			}
			kind, named, tok = UDPTunnel(i), true, strings.TrimSpace(port)
		}
		if !named {
			return fmt.Errorf("decode-as %q: port %q before a tunnel name", s, tok)
		}
		p, err := strconv.ParseUint(tok, 10, 16)
		if err != nil || p == 0 {
			return fmt.Errorf("decode-as %q: bad UDP port %q", s, tok)
		}
		m.Set(uint16(p), kind)
	}
	return nil
}
