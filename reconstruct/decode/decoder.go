package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// Bounds on nesting, so hostile frames cannot make Decode loop.
const (
	maxLinkHeaders = 16 // VLAN tags, MPLS labels, PBB and PPPoE headers in one frame
	maxExtHeaders  = 16 // IPv6 extension headers in one packet
	maxNesting     = 8  // nested tunnels: IP in IP, UDP and GRE encapsulations
)

// EtherTypes the decoder walks through that gopacket v1.1.19 does not name.
const (
	etherTypeQinQ     layers.EthernetType = 0x88a8 // IEEE 802.1ad service tag
	etherTypeQinQOld  layers.EthernetType = 0x9100 // pre-standard QinQ tag
	etherTypePBB      layers.EthernetType = 0x88e7 // IEEE 802.1ah backbone service instance tag
	etherTypeVNTag    layers.EthernetType = 0x8926 // Cisco VN-Tag
	etherTypeMPLSMult layers.EthernetType = 0x8848 // MPLS multicast
	etherTypeFabPath  layers.EthernetType = 0x8903 // Cisco FabricPath (DCE)
)

// PPP protocol numbers (RFC 1661, RFC 5072).
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

// Decoder turns captured frames into Segments. It owns the link-layer
// values it decodes into and the IP fragments it is reassembling, so one
// Decoder must not be used by several goroutines at once, and frames must
// be fed in capture order. Decode allocates only to store IP fragments.
type Decoder struct {
	dot1q layers.Dot1Q
	now   time.Time // packet time of the frame being decoded
	frame int64     // number of the frame being decoded
	file  string    // its file
	frag  reassembler
	ports PortMap
	// teredoHeur: UDP on ports without a tunnel is tried as Teredo, as
	// tshark's Teredo heuristic (off by default) does.
	teredoHeur bool
	gaps       [maxGaps]gapCount
	ngaps      int
}

// Config selects what the Decoder decodes beyond what the headers say.
type Config struct {
	// Ports maps UDP ports to tunnels, as Wireshark's Decode As. The zero
	// value means DefaultPorts.
	Ports *PortMap
	// TeredoHeuristic tries UDP on ports without a tunnel as Teredo (an
	// IPv6 header whose length fills the datagram), as tshark does with
	// its teredo_udp heuristic enabled; it is off by default, as in tshark.
	TeredoHeuristic bool
}

// Reassembled returns the number of fragmented IP datagrams the Decoder
// has completed so far, whatever they carried.
func (d *Decoder) Reassembled() int64 { return d.frag.reassembled }

// NewDecoder returns a Decoder with the default Config.
func NewDecoder() *Decoder { return NewDecoderConfig(Config{}) }

// NewDecoderConfig returns a Decoder configured by cfg.
func NewDecoderConfig(cfg Config) *Decoder {
	d := &Decoder{teredoHeur: cfg.TeredoHeuristic}
	if cfg.Ports != nil {
		d.ports = PortMap{ports: slices.Clone(cfg.Ports.ports)}
	} else {
		d.ports = DefaultPorts()
	}
	return d
}

// Decode decodes the frame p. When it returns OK, seg describes the
// frame's innermost TCP header (or the TCP header quoted by an ICMP
// error, with seg.Quoted set). Otherwise seg holds only Frame and Time.
// seg keeps no reference to p.Data.
//
// IP fragments are reassembled as tshark does by default: the frame that
// completes a datagram carrying TCP decodes as that segment, with
// seg.Reassembled set, and the other fragments return Fragment. A
// fragment cut by the snapshot length cannot be reassembled and stays a
// Fragment. Datagrams in progress are bounded by MaxFragDatagrams and
// FragTimeout, measured in packet time.
//
// Ethernet and 802.1Q headers are decoded with gopacket's layers; the
// other link headers, IP and TCP are parsed here because gopacket v1.1.19
// has no decoder for some of them (SLL2, Cisco HDLC), panics on hostile
// Linux SLL address lengths, and rejects TCP headers with a data offset
// under 5, which Wireshark still assigns to a stream.
func (d *Decoder) Decode(p capture.Packet, seg *Segment) Outcome {
	*seg = Segment{Frame: p.Frame, Time: p.Timestamp, WScale: -1}
	d.now, d.frame, d.file = p.Timestamp, p.Frame, p.File
	data := p.Data
	var o Outcome
	switch p.LinkType {
	case capture.LinkEthernet:
		o = d.ethernet(data, seg, 0)
	case capture.LinkLinuxSLL:
		if len(data) < 16 {
			return Truncated
		}
		o = d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data[14:])), data[16:], seg, 0)
	case capture.LinkLinuxSLL2:
		if len(data) < 20 {
			return Truncated
		}
		o = d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data)), data[20:], seg, 0)
	case capture.LinkRaw, linkRawBSD12, linkRawBSD14:
		o = d.ipByVersion(data, seg, 0, false)
	case capture.LinkIPv4:
		o = d.ipv4(data, seg, 0, false)
	case capture.LinkIPv6:
		o = d.ipv6(data, seg, 0, false)
	case capture.LinkNull, capture.LinkLoop:
		if len(data) < 4 {
			return Truncated
		}
		family := binary.BigEndian.Uint32(data)
		if p.LinkType == capture.LinkNull && data[0]|data[1] != 0 {
			// Host byte order of the capturing machine: a little-endian
			// family has its non-zero bytes first.
			family = binary.LittleEndian.Uint32(data)
		}
		switch family {
		case 2:
			o = d.ipv4(data[4:], seg, 0, false)
		case 24, 28, 30: // AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin
			o = d.ipv6(data[4:], seg, 0, false)
		default:
			o = NotTCP
		}
	case capture.LinkCHDLC:
		if len(data) < 4 {
			return Truncated
		}
		o = d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data[2:])), data[4:], seg, 0)
	case capture.LinkPPP:
		o = d.ppp(data, seg, 0)
	default:
		o = d.otherLink(p.LinkType, data, seg)
		if o == UnsupportedLink {
			d.note(gapLink, uint32(p.LinkType))
			return o
		}
	}
	if o != OK {
		*seg = Segment{Frame: p.Frame, Time: p.Timestamp, WScale: -1}
	}
	return o
}

// ethernet decodes an Ethernet II frame. 802.3 length frames carry LLC,
// not IP.
func (d *Decoder) ethernet(data []byte, seg *Segment, depth int) Outcome {
	if len(data) < 14 {
		return Truncated
	}
	// Destination and source MAC, then the EtherType (below 0x0600: an
	// 802.3 length, LLC follows).
	et := layers.EthernetType(binary.BigEndian.Uint16(data[12:]))
	if et < 0x0600 {
		return d.llc(data[14:], seg, depth)
	}
	return d.etherType(et, data[14:], seg, depth)
}

// etherType follows VLAN tags, MPLS labels, PBB, VN-Tag, FabricPath and
// PPPoE headers to an IP header.
func (d *Decoder) etherType(et layers.EthernetType, data []byte, seg *Segment, depth int) Outcome {
	for range maxLinkHeaders {
		switch et {
		case layers.EthernetTypeIPv4:
			return d.ipv4(data, seg, depth, false)
		case layers.EthernetTypeIPv6:
			return d.ipv6(data, seg, depth, false)
		case layers.EthernetTypeDot1Q, etherTypeQinQ, etherTypeQinQOld:
			if len(data) < 4 {
				return Truncated
			}
			if d.dot1q.DecodeFromBytes(data, gopacket.NilDecodeFeedback) != nil {
				return Malformed
			}
			et, data = d.dot1q.Type, data[4:]
		case etherTypeVNTag:
			if len(data) < 6 {
				return Truncated
			}
			et, data = layers.EthernetType(binary.BigEndian.Uint16(data[4:])), data[6:]
		case etherTypePBB:
			// I-TAG (4 bytes), customer destination and source MACs, EtherType.
			if len(data) < 18 {
				return Truncated
			}
			et, data = layers.EthernetType(binary.BigEndian.Uint16(data[16:])), data[18:]
		case etherTypeFabPath:
			// FTAG and TTL (2 bytes), then the inner Ethernet frame:
			// destination and source MACs, EtherType. The outer addresses
			// before the EtherType hold switch IDs, not MACs.
			if len(data) < 16 {
				return Truncated
			}
			et, data = layers.EthernetType(binary.BigEndian.Uint16(data[14:])), data[16:]
		case layers.EthernetTypeMPLSUnicast, etherTypeMPLSMult:
			return d.mpls(data, seg, depth)
		case layers.EthernetTypePPPoESession:
			// Version/type, code, session id, length, then PPP protocol.
			if len(data) < 8 {
				return Truncated
			}
			n := int(binary.BigEndian.Uint16(data[4:]))
			body := data[6:]
			if n < len(body) {
				body = body[:n]
			}
			return d.ppp(body, seg, depth)
		default:
			return NotTCP
		}
	}
	return Malformed
}

// mpls skips a label stack and dispatches on the IP version nibble. A
// payload starting with any other nibble (pseudowire control words,
// Ethernet over MPLS) is not followed.
func (d *Decoder) mpls(data []byte, seg *Segment, depth int) Outcome {
	for range maxLinkHeaders {
		if len(data) < 4 {
			return Truncated
		}
		bottom := data[2]&1 != 0
		data = data[4:]
		if bottom {
			if len(data) == 0 {
				return Truncated
			}
			switch data[0] >> 4 {
			case 4, 6:
				return d.ipByVersion(data, seg, depth, false)
			}
			d.note(gapMPLSPayload, 0)
			return NotTCP
		}
	}
	return Malformed
}

// ppp decodes a PPP frame with or without HDLC-like address and control
// bytes and with a one- or two-byte protocol field.
func (d *Decoder) ppp(data []byte, seg *Segment, depth int) Outcome {
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0x03 {
		data = data[2:]
	}
	if len(data) < 1 {
		return Truncated
	}
	var proto uint16
	if data[0]&1 != 0 { // compressed protocol field
		proto, data = uint16(data[0]), data[1:]
	} else {
		if len(data) < 2 {
			return Truncated
		}
		proto, data = binary.BigEndian.Uint16(data), data[2:]
	}
	switch proto {
	case pppIPv4:
		return d.ipv4(data, seg, depth, false)
	case pppIPv6:
		return d.ipv6(data, seg, depth, false)
	}
	return NotTCP
}

// ipByVersion dispatches on the version nibble.
func (d *Decoder) ipByVersion(data []byte, seg *Segment, depth int, quoted bool) Outcome {
	if len(data) == 0 {
		return Truncated
	}
	switch data[0] >> 4 {
	case 4:
		return d.ipv4(data, seg, depth, quoted)
	case 6:
		return d.ipv6(data, seg, depth, quoted)
	}
	return Malformed
}

// ipv4 decodes an IPv4 header. depth counts enclosing IP headers; quoted
// is set inside an ICMP error, where the header describes the original
// datagram of which only the start is present.
func (d *Decoder) ipv4(data []byte, seg *Segment, depth int, quoted bool) Outcome {
	if len(data) < 20 {
		return Truncated
	}
	if data[0]>>4 != 4 {
		return Malformed
	}
	ihl := int(data[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(data[2:]))
	if total == 0 && !quoted {
		// Segmentation offload: the sending host left the length for the
		// NIC to fill in. Use the captured size, as Wireshark does.
		total = len(data)
	}
	if ihl < 20 || total < ihl {
		return Malformed
	}
	if ihl > len(data) {
		return Truncated
	}
	flagsFrag := binary.BigEndian.Uint16(data[6:])
	offset, more := flagsFrag&0x1fff, flagsFrag&0x2000 != 0
	seg.TTL, seg.DF, seg.IPMBZ = data[8], flagsFrag&0x4000 != 0, flagsFrag&0x8000 != 0
	seg.IPIDZero, seg.IPOptLen, seg.Flow = data[4]|data[5] == 0, uint8(ihl-20), false
	src := netip.AddrFrom4([4]byte(data[12:16]))
	dst := netip.AddrFrom4([4]byte(data[16:20]))
	if offset != 0 || more {
		if !quoted {
			return d.reassemble4(data, ihl, total, int(offset)*8, !more, src, dst, seg, depth)
		}
		if offset != 0 {
			return Fragment
		}
		// A quoted first fragment: its TCP header is there.
	}
	body := data[ihl:min(total, len(data))]
	return d.transport(data[9], body, total-ihl, total, src, dst, seg, depth, quoted)
}

// ipv6 decodes an IPv6 header and walks its extension headers.
func (d *Decoder) ipv6(data []byte, seg *Segment, depth int, quoted bool) Outcome {
	if len(data) < 40 {
		return Truncated
	}
	if data[0]>>4 != 6 {
		return Malformed
	}
	plen := int(binary.BigEndian.Uint16(data[4:]))
	if plen == 0 && !quoted {
		// Jumbogram or segmentation offload: use the captured size.
		plen = len(data) - 40
	}
	src := netip.AddrFrom16([16]byte(data[8:24]))
	dst := netip.AddrFrom16([16]byte(data[24:40]))
	seg.TTL, seg.DF, seg.IPMBZ, seg.IPIDZero, seg.IPOptLen = data[7], false, false, false, 0
	seg.Flow = data[1]&0x0f|data[2]|data[3] != 0
	return d.ipv6Ext(data, data[6], 40, 40+plen, 0, src, dst, seg, depth, quoted)
}

// ipv6Ext walks IPv6 extension headers from data[off], whose type is next,
// to the transport header. end is where the IP length fields put the end
// of the packet in data; base is added to it to give the IP length (the
// unfragmentable part's length when data is a reassembled payload).
func (d *Decoder) ipv6Ext(data []byte, next byte, off, end, base int, src, dst netip.Addr, seg *Segment, depth int, quoted bool) Outcome {
	for range maxExtHeaders {
		var hlen int
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if off+2 > len(data) {
				return truncatedOr(off+2 > end)
			}
			hlen = (int(data[off+1]) + 1) * 8
		case 51: // authentication header
			if off+2 > len(data) {
				return truncatedOr(off+2 > end)
			}
			hlen = (int(data[off+1]) + 2) * 4
		case 44: // fragment
			if off+8 > len(data) {
				return truncatedOr(off+8 > end)
			}
			fo := binary.BigEndian.Uint16(data[off+2:])
			if fo&0xfff8 != 0 || fo&1 != 0 {
				if !quoted {
					return d.reassemble6(data, off, end, base, int(fo&0xfff8), fo&1 == 0, src, dst, seg, depth)
				}
				if fo&0xfff8 != 0 {
					return Fragment
				}
				// A quoted first fragment: read on to its TCP header.
			}
			hlen = 8 // atomic fragment: the whole datagram is here
		case 59: // no next header
			return NotTCP
		default:
			if off > len(data) {
				return Truncated
			}
			body := data[off:min(end, len(data))]
			return d.transport(next, body, end-off, base+end, src, dst, seg, depth, quoted)
		}
		if off+hlen > end {
			return Malformed
		}
		next = data[off]
		off += hlen
	}
	return Malformed
}

// truncatedOr returns Malformed when the IP length fields say a header
// cannot fit, and Truncated when only the capture cut it.
func truncatedOr(overrun bool) Outcome {
	if overrun {
		return Malformed
	}
	return Truncated
}

// transport dispatches on the IP protocol. body holds the captured part of
// the IP payload, plen its length per the IP header and ipLen the IP
// total length.
func (d *Decoder) transport(proto byte, body []byte, plen, ipLen int, src, dst netip.Addr, seg *Segment, depth int, quoted bool) Outcome {
	switch layers.IPProtocol(proto) {
	case layers.IPProtocolTCP:
		return tcp(body, plen, ipLen, src, dst, seg, quoted)
	case layers.IPProtocolIPv4, layers.IPProtocolIPv6:
		if quoted {
			return NotTCP
		}
		if depth >= maxNesting {
			return Malformed
		}
		seg.Tunnels.push(TunnelIP, false, 0, netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0))
		if layers.IPProtocol(proto) == layers.IPProtocolIPv4 {
			return d.ipv4(body, seg, depth+1, false)
		}
		return d.ipv6(body, seg, depth+1, false)
	case layers.IPProtocolUDP:
		if quoted {
			return NotTCP
		}
		return d.udp(body, src, dst, seg, depth)
	case layers.IPProtocolGRE:
		if quoted {
			return NotTCP
		}
		return d.gre(body, src, dst, seg, depth)
	case ipProtoL2TP:
		if quoted {
			return NotTCP
		}
		return d.l2tpv3IP(body, src, dst, seg, depth)
	case layers.IPProtocolICMPv4:
		if quoted || len(body) < 8 {
			return NotTCP
		}
		switch body[0] {
		case 3, 4, 5, 11, 12: // unreachable, source quench, redirect, time exceeded, parameter problem
			return quote(d.ipv4(body[8:], seg, depth, true))
		}
	case layers.IPProtocolICMPv6:
		if quoted || len(body) < 8 {
			return NotTCP
		}
		switch body[0] {
		case 1, 2, 3, 4: // unreachable, packet too big, time exceeded, parameter problem
			return quote(d.ipv6(body[8:], seg, depth, true))
		}
	}
	return NotTCP
}

// quote maps the outcome of decoding a packet quoted in an ICMP error: the
// error itself is well formed, so any failure inside the quote is NotTCP.
func quote(o Outcome) Outcome {
	if o == OK {
		return OK
	}
	return NotTCP
}

// tcp fills seg from a TCP header. body is the captured part of the TCP
// segment, plen its length per the IP header.
//
// PayloadLen is plen minus the header length, where a data offset under 5
// counts as the 20-byte minimum, and is never negative. Headers whose data
// offset is under 5 or beyond the IP payload are bogus, but Wireshark still
// assigns them to a stream, so they are reported as OK with HeaderLen
// holding the real value and BadHeaderLen set.
func tcp(body []byte, plen, ipLen int, src, dst netip.Addr, seg *Segment, quoted bool) Outcome {
	if quoted {
		// An ICMP error must quote at least the ports, sequence and
		// acknowledgement numbers, offset, flags and window.
		if len(body) < 16 {
			return NotTCP
		}
	} else {
		if plen < 20 {
			if len(body) < plen {
				return Truncated
			}
			return Malformed
		}
		if len(body) < 20 {
			return Truncated
		}
	}
	hl := int(body[12]>>4) * 4
	seg.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(body))
	seg.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(body[2:]))
	seg.Seq = binary.BigEndian.Uint32(body[4:])
	seg.Ack = binary.BigEndian.Uint32(body[8:])
	seg.Flags = uint16(body[12]&1)<<8 | uint16(body[13])
	seg.Window = binary.BigEndian.Uint16(body[14:])
	seg.HeaderLen = hl
	seg.PayloadLen = max(0, plen-max(20, hl))
	seg.IPLen = ipLen
	seg.Quoted = quoted
	seg.Truncated = len(body) < plen
	seg.BadHeaderLen = hl < 20 || hl > plen
	if !quoted && !seg.BadHeaderLen {
		seg.Payload = body[min(hl, len(body)):min(plen, len(body))]
	} else {
		seg.Payload = nil
	}
	if seg.Flags&SYN != 0 && hl > 20 && len(body) > 20 {
		parseOptions(body[20:min(hl, len(body))], seg)
	}
	return OK
}

// parseOptions reads MSS, window scale and SACK-permitted from the options
// of a SYN, and records their layout in seg.Opts. A malformed option ends
// the scan; it is not an error.
func parseOptions(opts []byte, seg *Segment) {
	o := &seg.Opts
	for i := 0; i < len(opts); {
		kind := opts[i]
		if o.N < MaxOptKinds {
			o.Kinds[o.N] = kind
			o.N++
		} else {
			o.Overflow = true
		}
		switch kind {
		case 0: // end of option list: the rest is padding
			o.EOLPad = uint8(len(opts) - i - 1)
			for _, b := range opts[i+1:] {
				if b != 0 {
					o.TrailingData = true
				}
			}
			return
		case 1: // no-operation
			i++
			continue
		}
		if i+1 >= len(opts) {
			o.Bad = true
			return
		}
		n := int(opts[i+1])
		if n < 2 || i+n > len(opts) {
			o.Bad = true
			return
		}
		switch {
		case kind == 2 && n == 4:
			seg.MSS = binary.BigEndian.Uint16(opts[i+2:])
		case kind == 3 && n == 3:
			// RFC 7323 §2.3: shifts above 14 are treated as 14.
			seg.WScale = int8(min(opts[i+2], 14))
			o.ExcessWS = opts[i+2] > 14
		case kind == 4 && n == 2:
			seg.SACKPerm = true
		case kind == 8 && n == 10:
			o.TS = true
			o.TSValZero = binary.BigEndian.Uint32(opts[i+2:]) == 0
			o.TSEcrNonZero = binary.BigEndian.Uint32(opts[i+6:]) != 0
		case kind == 2 || kind == 3 || kind == 4 || kind == 8:
			o.Bad = true // a known option of the wrong length
		}
		i += n
	}
}

// reassemble4 stores an IPv4 fragment (a fragment, not a quote) and, when
// it completes its datagram, decodes the datagram's payload.
func (d *Decoder) reassemble4(data []byte, ihl, total, off int, last bool, src, dst netip.Addr, seg *Segment, depth int) Outcome {
	switch layers.IPProtocol(data[9]) {
	case layers.IPProtocolTCP, layers.IPProtocolIPv4, layers.IPProtocolIPv6, layers.IPProtocolICMPv4,
		layers.IPProtocolUDP, layers.IPProtocolGRE, ipProtoL2TP:
	default:
		return Fragment // cannot lead to TCP: not worth the memory
	}
	if total > len(data) || depth >= maxNesting {
		return Fragment
	}
	k := fragKey{src: src, dst: dst, id: uint32(binary.BigEndian.Uint16(data[4:])), proto: data[9]}
	dg := d.frag.add(k, d.now, off, data[ihl:total], last, ihl, 0)
	if dg == nil {
		return Fragment
	}
	o := d.transport(k.proto, dg.buf[:dg.total], dg.total, dg.hdrLen+dg.total, src, dst, seg, depth+1, false)
	d.frag.release(dg)
	return reassembled(o, seg)
}

// reassemble6 stores an IPv6 fragment whose fragment header is at
// data[off] and, when it completes its datagram, decodes the datagram's
// payload from its first extension or transport header.
func (d *Decoder) reassemble6(data []byte, off, end, base, fragOff int, last bool, src, dst netip.Addr, seg *Segment, depth int) Outcome {
	next := data[off]
	switch next {
	case 0, 43, 51, 60, // extension headers that may precede TCP
		byte(layers.IPProtocolTCP), byte(layers.IPProtocolIPv4), byte(layers.IPProtocolIPv6), byte(layers.IPProtocolICMPv6),
		byte(layers.IPProtocolUDP), byte(layers.IPProtocolGRE), ipProtoL2TP:
	default:
		return Fragment // cannot lead to TCP: not worth the memory
	}
	if end > len(data) || off+8 > end || depth >= maxNesting {
		return Fragment
	}
	k := fragKey{src: src, dst: dst, id: binary.BigEndian.Uint32(data[off+4:])}
	dg := d.frag.add(k, d.now, fragOff, data[off+8:end], last, base+off, next)
	if dg == nil {
		return Fragment
	}
	o := d.ipv6Ext(dg.buf[:dg.total], dg.next, 0, dg.total, dg.hdrLen, src, dst, seg, depth+1, false)
	d.frag.release(dg)
	return reassembled(o, seg)
}

// reassembled marks a segment decoded from a reassembled datagram.
func reassembled(o Outcome, seg *Segment) Outcome {
	if o == OK {
		seg.Reassembled = true
	}
	return o
}
