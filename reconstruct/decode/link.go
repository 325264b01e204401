package decode

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"
)

// Link types (LINKTYPE_* values) decoded here beyond the capture package's
// common ones.
const (
	linkFDDI     uint16 = 10  // FDDI: frame control, MACs, then LLC
	linkRawBSD12 uint16 = 12  // raw IP, as OpenBSD writes DLT_RAW
	linkRawBSD14 uint16 = 14  // raw IP, as BSD/OS writes DLT_RAW
	linkPPPHDLC  uint16 = 50  // PPP in HDLC-like framing, or Cisco HDLC
	link80211    uint16 = 105 // IEEE 802.11 without radio header
	linkPFLOG    uint16 = 117 // OpenBSD pflog
	linkRadiotap uint16 = 127 // radiotap header, then IEEE 802.11
	linkERF      uint16 = 197 // Endace ERF records
	linkNFLOG    uint16 = 239 // Linux netfilter NFLOG
	linkIPoIB    uint16 = 242 // IP over InfiniBand (RFC 4391 §6)
)

// otherLink decodes the link types tshark reads to IP that are rarer than
// Ethernet and cooked captures; UnsupportedLink for the rest.
func (d *Decoder) otherLink(lt uint16, data []byte, seg *Segment) Outcome {
	switch lt {
	case linkFDDI:
		if len(data) < 13 {
			return Truncated
		}
		return d.llc(data[13:], seg, 0)
	case linkPPPHDLC:
		if len(data) >= 4 && (data[0] == 0x0f || data[0] == 0x8f) {
			return d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data[2:])), data[4:], seg, 0)
		}
		return d.ppp(data, seg, 0)
	case link80211:
		return d.dot11(data, false, seg)
	case linkRadiotap:
		return d.radiotap(data, seg)
	case linkPFLOG:
		return d.pflog(data, seg)
	case linkNFLOG:
		return d.nflog(data, seg)
	case linkIPoIB:
		return d.ipoib(data, seg)
	case linkERF:
		return d.erf(data, seg)
	}
	return UnsupportedLink
}

// llc follows an IEEE 802.2 LLC header with a SNAP extension (DSAP and
// SSAP 0xaa, UI control, an OUI and an EtherType) to the EtherType; other
// LLC frames (spanning tree, NetBIOS) are not IP.
func (d *Decoder) llc(data []byte, seg *Segment, depth int) Outcome {
	if len(data) < 3 || data[0] != 0xaa || data[1] != 0xaa || data[2] != 0x03 {
		return NotTCP
	}
	if len(data) < 8 {
		return Truncated
	}
	return d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data[6:])), data[8:], seg, depth)
}

// dot11 decodes an IEEE 802.11 data frame: its MAC header (24 bytes, 30
// with a fourth address, plus QoS and HT control fields), then LLC/SNAP.
// pad is radiotap's "data pad" flag: the header is padded to 4 bytes.
// Management and control frames carry no IP; protected frames are
// counted as a gap.
func (d *Decoder) dot11(data []byte, pad bool, seg *Segment) Outcome {
	if len(data) < 2 {
		return Truncated
	}
	fc0, fc1 := data[0], data[1]
	if (fc0>>2)&3 != 2 || fc0&0x40 != 0 { // not data, or a null-function subtype
		return NotTCP
	}
	hl := 24
	if fc1&3 == 3 { // to and from DS: a fourth address
		hl = 30
	}
	qosAt := hl
	qos := fc0&0x80 != 0
	if qos {
		hl += 2
		if fc1&0x80 != 0 { // +HTC/order
			hl += 4
		}
	}
	if pad {
		hl = (hl + 3) &^ 3
	}
	if len(data) < hl {
		return Truncated
	}
	if fc1&0x40 != 0 {
		d.note(gap80211Protected, 0)
		return NotTCP
	}
	if qos && data[qosAt]&0x80 != 0 {
		return NotTCP // A-MSDU: several subframes, not followed
	}
	return d.llc(data[hl:], seg, 0)
}

// radiotap skips a radiotap header (its length is in bytes 2-3, little
// endian) and reads the flags field for the data-pad bit.
func (d *Decoder) radiotap(data []byte, seg *Segment) Outcome {
	if len(data) < 8 {
		return Truncated
	}
	hl := int(binary.LittleEndian.Uint16(data[2:]))
	if hl < 8 {
		return Malformed
	}
	if len(data) < hl {
		return Truncated
	}
	present := binary.LittleEndian.Uint32(data[4:])
	off := 8
	for p := present; p&(1<<31) != 0; off += 4 { // extended presence bitmaps
		if off+4 > hl {
			return Malformed
		}
		p = binary.LittleEndian.Uint32(data[off:])
	}
	pad := false
	if present&1 != 0 { // TSFT: 8 bytes, 8-aligned
		off = (off+7)&^7 + 8
	}
	if present&2 != 0 && off < hl {
		pad = data[off]&0x20 != 0
	}
	return d.dot11(data[hl:], pad, seg)
}

// pflog skips a pflog header, whose first byte is its length (padded to 4
// bytes, as BPF_WORDALIGN) and second the address family.
func (d *Decoder) pflog(data []byte, seg *Segment) Outcome {
	if len(data) < 2 {
		return Truncated
	}
	hl := (int(data[0]) + 3) &^ 3
	if hl < 4 {
		return Malformed
	}
	if len(data) < hl {
		return Truncated
	}
	return d.family(uint32(data[1]), data[hl:], seg)
}

// family dispatches on a BSD or Linux address family number.
func (d *Decoder) family(af uint32, data []byte, seg *Segment) Outcome {
	switch af {
	case 2: // AF_INET
		return d.ipv4(data, seg, 0, false)
	case 10, 24, 28, 30: // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, Darwin
		return d.ipv6(data, seg, 0, false)
	}
	d.note(gapFamily, af)
	return NotTCP
}

// nflog reads an NFLOG record: family, version, resource ID, then TLVs
// (length and type in the capturing host's byte order, padded to 4 bytes)
// of which type 9 (NFULA_PAYLOAD) is the packet.
func (d *Decoder) nflog(data []byte, seg *Segment) Outcome {
	if len(data) < 4 {
		return Truncated
	}
	af := uint32(data[0])
	for off := 4; off < len(data); {
		if off+4 > len(data) {
			return Truncated
		}
		n := int(binary.LittleEndian.Uint16(data[off:]))
		typ := binary.LittleEndian.Uint16(data[off+2:])
		if n < 4 || off+n > len(data) {
			// A big-endian host wrote it.
			n = int(binary.BigEndian.Uint16(data[off:]))
			typ = binary.BigEndian.Uint16(data[off+2:])
		}
		if n < 4 {
			return Malformed
		}
		if typ&0x7fff == 9 {
			return d.family(af, data[off+4:min(off+n, len(data))], seg)
		}
		off += (n + 3) &^ 3
	}
	return NotTCP // no payload TLV
}

// ipoib reads the 4-byte IPoIB header (EtherType, reserved), optionally
// after the 20-byte destination hardware address some captures keep.
func (d *Decoder) ipoib(data []byte, seg *Segment) Outcome {
	if len(data) < 4 {
		return Truncated
	}
	if et := layers.EthernetType(binary.BigEndian.Uint16(data)); data[2]|data[3] == 0 && knownEtherType(et) {
		return d.etherType(et, data[4:], seg, 0)
	}
	if len(data) >= 24 && data[22]|data[23] == 0 {
		return d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data[20:])), data[24:], seg, 0)
	}
	return d.etherType(layers.EthernetType(binary.BigEndian.Uint16(data)), data[4:], seg, 0)
}

// erf reads an ERF record header (16 bytes, then 8-byte extension headers
// while the type's top bit and then each extension's top bit say one
// follows) and decodes Ethernet (after 2 bytes of offset and padding),
// IPv4, IPv6 and HDLC/PoS records.
func (d *Decoder) erf(data []byte, seg *Segment) Outcome {
	if len(data) < 16 {
		return Truncated
	}
	typ := data[8]
	off := 16
	for more := typ&0x80 != 0; more; off += 8 {
		if off+8 > len(data) {
			return Truncated
		}
		more = data[off]&0x80 != 0
		if off > 16+8*maxLinkHeaders {
			return Malformed
		}
	}
	body := data[off:]
	switch typ & 0x7f {
	case 2, 11, 16, 20: // Ethernet, colored, DSM colored, color hash Ethernet
		if len(body) < 2 {
			return Truncated
		}
		return d.ethernet(body[2:], seg, 0)
	case 22: // IPv4
		return d.ipv4(body, seg, 0, false)
	case 23: // IPv6
		return d.ipv6(body, seg, 0, false)
	case 1, 10, 15, 17, 19: // HDLC/PoS variants: PPP or Cisco HDLC
		if len(body) >= 4 && (body[0] == 0x0f || body[0] == 0x8f) {
			return d.etherType(layers.EthernetType(binary.BigEndian.Uint16(body[2:])), body[4:], seg, 0)
		}
		return d.ppp(body, seg, 0)
	}
	d.note(gapERFType, uint32(typ&0x7f))
	return NotTCP
}
