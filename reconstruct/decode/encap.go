package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/google/gopacket/layers"
)

// Tunnel decoders. Each reads its header in place, records the layer in
// seg.Tunnels and hands the payload to the link or IP decoder one nesting
// level deeper. A header cut by the capture is Truncated; one that
// contradicts itself is Malformed; a well-formed one whose payload is not
// followed is NotTCP, counted as a gap when tshark would have followed it.

const ipProtoL2TP = 115 // L2TPv3 directly over IP (RFC 3931 §4.1.1.1)

// EtherTypes tunnels carry that gopacket v1.1.19 does not name.
const (
	etherTypeTEB     layers.EthernetType = 0x6558 // transparent Ethernet bridging (gretap, NVGRE, Geneve)
	etherTypeERSPAN  layers.EthernetType = 0x88be // ERSPAN types I and II
	etherTypeERSPAN3 layers.EthernetType = 0x22eb // ERSPAN type III
	etherTypePPP     layers.EthernetType = 0x880b // PPP (PPTP's enhanced GRE)
)

// knownEtherType reports whether etherType follows et to IP.
func knownEtherType(et layers.EthernetType) bool {
	switch et {
	case layers.EthernetTypeIPv4, layers.EthernetTypeIPv6, layers.EthernetTypeDot1Q, etherTypeQinQ, etherTypeQinQOld,
		etherTypeVNTag, etherTypePBB, etherTypeFabPath, layers.EthernetTypeMPLSUnicast, etherTypeMPLSMult,
		layers.EthernetTypePPPoESession:
		return true
	}
	return false
}

// udp dispatches a UDP datagram to the tunnel its ports select. As in
// Wireshark, the lower port is tried first. body is the captured part of
// the IP payload.
func (d *Decoder) udp(body []byte, src, dst netip.Addr, seg *Segment, depth int) Outcome {
	if len(body) < 8 {
		return NotTCP
	}
	sp, dp := binary.BigEndian.Uint16(body), binary.BigEndian.Uint16(body[2:])
	payload := body[8:]
	reported := len(payload)
	if n := int(binary.BigEndian.Uint16(body[4:])); n >= 8 {
		reported = n - 8
		payload = payload[:min(reported, len(payload))]
	}
	lo, hi := min(sp, dp), max(sp, dp)
	kind := d.ports.Lookup(lo)
	if kind == UDPNone && hi != lo {
		kind = d.ports.Lookup(hi)
	}
	if kind == UDPNone {
		if !d.teredoHeur || !teredoLike(payload, reported) {
			return NotTCP
		}
		kind = UDPTeredo
	}
	if depth >= maxNesting {
		return Malformed
	}
	o, i := netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)
	switch kind {
	case UDPVXLAN:
		return d.vxlan(payload, o, i, seg, depth)
	case UDPVXLANGPE:
		return d.vxlanGPE(payload, o, i, seg, depth)
	case UDPGeneve:
		return d.geneve(payload, o, i, seg, depth)
	case UDPGTP:
		return d.gtp(payload, o, i, seg, depth)
	case UDPTeredo:
		return d.teredo(payload, o, i, seg, depth)
	case UDPAYIYA:
		return d.ayiya(payload, o, i, seg, depth)
	case UDPL2TP:
		return d.l2tpUDP(payload, o, i, seg, depth)
	}
	return NotTCP
}

// vxlan decodes a VXLAN header (RFC 7348 §5): flags, 24 reserved bits,
// the 24-bit VNI (valid with the I flag), 8 reserved bits, then Ethernet.
func (d *Decoder) vxlan(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 8 {
		return Truncated
	}
	seg.Tunnels.push(TunnelVXLAN, p[0]&0x08 != 0, binary.BigEndian.Uint32(p[4:])>>8, src, dst)
	return d.ethernet(p[8:], seg, depth+1)
}

// vxlanGPE decodes a VXLAN-GPE header (draft-ietf-nvo3-vxlan-gpe): as
// VXLAN, with the next protocol in byte 3.
func (d *Decoder) vxlanGPE(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 8 {
		return Truncated
	}
	seg.Tunnels.push(TunnelVXLANGPE, p[0]&0x08 != 0, binary.BigEndian.Uint32(p[4:])>>8, src, dst)
	switch p[3] {
	case 1:
		return d.ipv4(p[8:], seg, depth+1, false)
	case 2:
		return d.ipv6(p[8:], seg, depth+1, false)
	case 3:
		return d.ethernet(p[8:], seg, depth+1)
	case 5:
		return d.mpls(p[8:], seg, depth+1)
	}
	d.note(gapVXLANGPEProto, uint32(p[3]))
	return NotTCP
}

// geneve decodes a Geneve header (RFC 8926 §3.4): version and option
// length, flags, protocol type, VNI, then the options.
func (d *Decoder) geneve(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 8 {
		return Truncated
	}
	if p[0]>>6 != 0 {
		return NotTCP // unknown version: tshark shows the header only
	}
	hl := 8 + int(p[0]&0x3f)*4
	if len(p) < hl {
		return Truncated
	}
	seg.Tunnels.push(TunnelGeneve, true, binary.BigEndian.Uint32(p[4:])>>8, src, dst)
	return d.tunnelEther(layers.EthernetType(binary.BigEndian.Uint16(p[2:])), p[hl:], seg, depth, gapGeneveProto)
}

// tunnelEther follows the EtherType a tunnel header names: Ethernet
// (transparent bridging) or whatever etherType follows; any other type is
// counted as a gap.
func (d *Decoder) tunnelEther(et layers.EthernetType, p []byte, seg *Segment, depth int, g gap) Outcome {
	if et == etherTypeTEB {
		return d.ethernet(p, seg, depth+1)
	}
	if !knownEtherType(et) {
		d.note(g, uint32(et))
		return NotTCP
	}
	return d.etherType(et, p, seg, depth+1)
}

// gtp decodes a GTPv1-U header (3GPP TS 29.281 §5): a T-PDU (message type
// 255) carries an IP packet after the optional sequence number, N-PDU
// number and chain of extension headers. Signalling messages, GTPv2 and
// GTP' carry no user traffic.
func (d *Decoder) gtp(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 8 {
		return Truncated
	}
	flags := p[0]
	if flags>>5 != 1 || flags&0x10 == 0 || p[1] != 0xff {
		return NotTCP
	}
	end := min(8+int(binary.BigEndian.Uint16(p[2:])), len(p))
	teid := binary.BigEndian.Uint32(p[4:])
	off := 8
	if flags&0x07 != 0 {
		// Sequence number (2), N-PDU number (1), next extension header type (1).
		if len(p) < 12 {
			return Truncated
		}
		next := p[11]
		off = 12
		for range maxExtHeaders {
			if next == 0 {
				break
			}
			if off >= len(p) {
				return Truncated
			}
			n := int(p[off]) * 4 // length in 4-byte units, type byte of the next at its end
			if n == 0 {
				return Malformed
			}
			if off+n > len(p) {
				return Truncated
			}
			next = p[off+n-1]
			off += n
		}
		if next != 0 {
			return Malformed
		}
	}
	if off >= end {
		return NotTCP
	}
	seg.Tunnels.push(TunnelGTP, true, teid, src, dst)
	switch p[off] >> 4 {
	case 4:
		return d.ipv4(p[off:end], seg, depth+1, false)
	case 6:
		return d.ipv6(p[off:end], seg, depth+1, false)
	}
	d.note(gapGTPPayload, 0)
	return NotTCP
}

// teredoIndicators skips Teredo's authentication and origin indicators
// (RFC 4380 §5.1.1) and returns the offset of the IPv6 header, or -1 when
// the indicators overrun p.
func teredoIndicators(p []byte) int {
	off := 0
	if len(p) >= 4 && p[0] == 0 && p[1] == 1 {
		// Authentication: type, ID length, auth length, client ID,
		// authentication value, nonce (8), confirmation (1).
		off = 13 + int(p[2]) + int(p[3])
	}
	if len(p) >= off+2 && p[off] == 0 && p[off+1] == 0 {
		off += 8 // origin indication: type, obfuscated port and address
	}
	if off > len(p) {
		return -1
	}
	return off
}

// teredoLike is tshark's Teredo heuristic for UDP on other ports: after
// the indicators, an IPv6 header whose payload length is exactly what the
// datagram (reported bytes) has left.
func teredoLike(p []byte, reported int) bool {
	off := teredoIndicators(p)
	if off < 0 || len(p)-off < 40 || p[off]>>4 != 6 {
		return false
	}
	plen := int(binary.BigEndian.Uint16(p[off+4:]))
	return plen <= 65467 && reported-off-40 == plen
}

// teredo decodes IPv6 in UDP after Teredo's optional indicators.
func (d *Decoder) teredo(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	off := teredoIndicators(p)
	if off < 0 {
		return Truncated
	}
	if len(p) == off || p[off]>>4 != 6 {
		return NotTCP // a Teredo control message
	}
	seg.Tunnels.push(TunnelTeredo, false, 0, src, dst)
	return d.ipv6(p[off:], seg, depth+1, false)
}

// ayiya decodes an AYIYA header (draft-massar-v6ops-ayiya): identity and
// signature lengths, opcode and next header, epoch, identity, signature,
// then, for opcode 1 (forward), the packet.
func (d *Decoder) ayiya(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 8 {
		return Truncated
	}
	off := 8 + 1<<(p[0]>>4) + int(p[1]>>4)*4
	if off > len(p) {
		return Truncated
	}
	if p[2]&0x0f != 1 {
		return NotTCP
	}
	switch layers.IPProtocol(p[3]) {
	case layers.IPProtocolIPv6:
		seg.Tunnels.push(TunnelAYIYA, false, 0, src, dst)
		return d.ipv6(p[off:], seg, depth+1, false)
	case layers.IPProtocolIPv4:
		seg.Tunnels.push(TunnelAYIYA, false, 0, src, dst)
		return d.ipv4(p[off:], seg, depth+1, false)
	}
	return NotTCP
}

// L2TP header flags (RFC 2661 §3.1, RFC 3931 §4.1.2.1).
const (
	l2tpControl = 0x8000
	l2tpLength  = 0x4000
	l2tpSeq     = 0x0800
	l2tpOffset  = 0x0200
)

// l2tpUDP decodes an L2TPv2 data message (PPP frames of a session) or an
// L2TPv3 data message over UDP. Control messages carry no user traffic.
func (d *Decoder) l2tpUDP(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 2 {
		return Truncated
	}
	flags := binary.BigEndian.Uint16(p)
	if flags&l2tpControl != 0 {
		return NotTCP
	}
	switch flags & 0x0f {
	case 2:
		off := 2
		if flags&l2tpLength != 0 {
			off += 2
		}
		if len(p) < off+4 {
			return Truncated
		}
		id := binary.BigEndian.Uint32(p[off:]) // tunnel ID << 16 | session ID
		off += 4
		if flags&l2tpSeq != 0 {
			off += 4 // Ns, Nr
		}
		if flags&l2tpOffset != 0 {
			if len(p) < off+2 {
				return Truncated
			}
			off += 2 + int(binary.BigEndian.Uint16(p[off:]))
		}
		if off > len(p) {
			return Truncated
		}
		seg.Tunnels.push(TunnelL2TP, true, id, src, dst)
		return d.ppp(p[off:], seg, depth+1)
	case 3:
		// Flags and version, reserved, then the session header.
		if len(p) < 8 {
			return Truncated
		}
		return d.l2tpv3Session(p[4:], src, dst, seg, depth)
	}
	return NotTCP
}

// l2tpv3IP decodes L2TPv3 directly over IP: session ID 0 marks a control
// message.
func (d *Decoder) l2tpv3IP(p []byte, src, dst netip.Addr, seg *Segment, depth int) Outcome {
	if depth >= maxNesting {
		return Malformed
	}
	return d.l2tpv3Session(p, netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0), seg, depth)
}

// l2tpv3Session decodes an L2TPv3 session header without cookie or
// L2-specific sublayer, as Linux sets it up by default for Ethernet
// pseudowires, and the Ethernet frame or IP packet after it.
func (d *Decoder) l2tpv3Session(p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if len(p) < 4 {
		return Truncated
	}
	session := binary.BigEndian.Uint32(p)
	if session == 0 {
		return NotTCP
	}
	p = p[4:]
	if len(p) == 0 {
		return Truncated
	}
	seg.Tunnels.push(TunnelL2TP, true, session, src, dst)
	switch p[0] >> 4 {
	case 4:
		return d.ipv4(p, seg, depth+1, false)
	case 6:
		return d.ipv6(p, seg, depth+1, false)
	}
	return d.ethernet(p, seg, depth+1)
}

// GRE header flags (RFC 2784, RFC 2890, RFC 2637 §4.1).
const (
	greChecksum = 0x8000
	greRouting  = 0x4000
	greKey      = 0x2000
	greSeq      = 0x1000
	greAck      = 0x0080 // version 1 (PPTP) only
)

// gre decodes a GRE header: version 0 with checksum, key and sequence
// number (NVGRE is version 0 with a key and transparent Ethernet
// bridging), or PPTP's version 1, then the protocol it names: IP,
// Ethernet, PPP, MPLS, ERSPAN.
func (d *Decoder) gre(p []byte, src, dst netip.Addr, seg *Segment, depth int) Outcome {
	if len(p) < 4 {
		return Truncated
	}
	if depth >= maxNesting {
		return Malformed
	}
	flags := binary.BigEndian.Uint16(p)
	et := layers.EthernetType(binary.BigEndian.Uint16(p[2:]))
	off := 4
	var key uint32
	hasKey := false
	switch flags & 7 {
	case 0:
		if flags&greRouting != 0 {
			d.note(gapGREVersion, 0)
			return NotTCP
		}
		if flags&greChecksum != 0 {
			off += 4 // checksum, reserved
		}
		if flags&greKey != 0 {
			if len(p) < off+4 {
				return Truncated
			}
			key, hasKey = binary.BigEndian.Uint32(p[off:]), true
			off += 4
		}
		if flags&greSeq != 0 {
			off += 4
		}
	case 1:
		// Payload length and call ID take the key's place.
		if flags&greKey == 0 {
			return Malformed
		}
		if len(p) < 8 {
			return Truncated
		}
		key, hasKey = uint32(binary.BigEndian.Uint16(p[6:])), true
		off = 8
		if flags&greSeq != 0 {
			off += 4
		}
		if flags&greAck != 0 {
			off += 4
		}
	default:
		d.note(gapGREVersion, uint32(flags&7))
		return NotTCP
	}
	if len(p) < off {
		return Truncated
	}
	p = p[off:]
	outerSrc, outerDst := netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
	switch et {
	case etherTypeERSPAN, etherTypeERSPAN3:
		return d.erspan(et, flags&greSeq != 0, p, outerSrc, outerDst, seg, depth)
	case etherTypePPP:
		seg.Tunnels.push(TunnelGRE, hasKey, key, outerSrc, outerDst)
		return d.ppp(p, seg, depth+1)
	}
	seg.Tunnels.push(TunnelGRE, hasKey, key, outerSrc, outerDst)
	return d.tunnelEther(et, p, seg, depth, gapGREProto)
}

// erspan decodes an ERSPAN header: type I has none (GRE without a
// sequence number, as Wireshark tells them apart), type II 8 bytes and
// type III 12, plus 8 when its optional platform subheader is present.
// The session ID is the layer's ID.
func (d *Decoder) erspan(et layers.EthernetType, seq bool, p []byte, src, dst netip.AddrPort, seg *Segment, depth int) Outcome {
	if et == etherTypeERSPAN && !seq {
		seg.Tunnels.push(TunnelERSPAN, false, 0, src, dst)
		return d.ethernet(p, seg, depth+1)
	}
	if len(p) < 8 {
		return Truncated
	}
	ver := p[0] >> 4
	session := uint32(binary.BigEndian.Uint16(p[2:]) & 0x3ff)
	hl := 8
	switch {
	case et == etherTypeERSPAN && ver == 1:
	case et == etherTypeERSPAN3 && ver == 2:
		if len(p) < 12 {
			return Truncated
		}
		hl = 12
		if p[11]&1 != 0 {
			hl += 8
		}
		if len(p) < hl {
			return Truncated
		}
	default:
		d.note(gapERSPANVersion, uint32(ver))
		return NotTCP
	}
	seg.Tunnels.push(TunnelERSPAN, true, session, src, dst)
	return d.ethernet(p[hl:], seg, depth+1)
}
