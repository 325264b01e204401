package decode

import (
	"strconv"
)

// gap is a link type or an encapsulation the Decoder recognises but
// cannot follow to IP. Frames that stop at one are counted per gap and
// detail (the link type, the GRE protocol...), so the run can say what it
// skipped instead of counting it silently as other traffic.
type gap uint8

const (
	gapLink           gap = iota // link type without a decoder (UnsupportedLink)
	gapGREProto                  // GRE protocol type not followed
	gapGREVersion                // GRE version other than 0 and 1, or source routing
	gapGeneveProto               // Geneve protocol type not followed
	gapVXLANGPEProto             // VXLAN-GPE next protocol not followed
	gapGTPPayload                // GTP-U T-PDU that is neither IPv4 nor IPv6
	gapL2TPPayload               // L2TP session payload that is not PPP/Ethernet/IP
	gapMPLSPayload               // MPLS payload that is not IP (pseudowires)
	gapERSPANVersion             // ERSPAN header of an unknown version
	gap80211Protected            // encrypted 802.11 data frames
	gapERFType                   // ERF record type without Ethernet or IP
	gapFamily                    // PFLOG/NFLOG address family that is not IP
)

// maxGaps bounds the distinct (gap, detail) pairs kept; later ones are
// folded into the last entry's count.
const maxGaps = 16

type gapCount struct {
	what   gap
	detail uint32
	count  int64
	first  int64 // frame
	file   string
}

// note counts one frame stopped at what.
func (d *Decoder) note(what gap, detail uint32) {
	for i := range d.gaps[:d.ngaps] {
		g := &d.gaps[i]
		if g.what == what && g.detail == detail {
			g.count++
			return
		}
	}
	if d.ngaps == maxGaps {
		d.gaps[maxGaps-1].count++
		return
	}
	d.gaps[d.ngaps] = gapCount{what: what, detail: detail, count: 1, first: d.frame, file: d.file}
	d.ngaps++
}

// Undecoded is a link type or encapsulation whose frames Decode could not
// follow to IP.
type Undecoded struct {
	What  string // "link type 129 (ARCNET)", "GRE protocol 0x883e"...
	Count int64  // frames
	First int64  // frame number of the first
	File  string // file of the first frame (capture.Packet.File)
	// Link: a link type without a decoder; its frames are decode errors.
	// Otherwise the frames were counted as other (not TCP) traffic.
	Link bool
}

// Undecoded lists what Decode could not follow so far, in the order first
// met.
func (d *Decoder) Undecoded() []Undecoded {
	out := make([]Undecoded, 0, d.ngaps)
	for _, g := range d.gaps[:d.ngaps] {
		out = append(out, Undecoded{What: g.name(), Count: g.count, First: g.first, File: g.file, Link: g.what == gapLink})
	}
	return out
}

func hex16(v uint32) string { return "0x" + strconv.FormatUint(uint64(v)|0x10000, 16)[1:] }

func (g *gapCount) name() string {
	d := strconv.FormatUint(uint64(g.detail), 10)
	switch g.what {
	case gapLink:
		name := "link type " + d
		if n := LinkTypeName(uint16(g.detail)); n != "" {
			name += " (" + n + ")"
		}
		return name
	case gapGREProto:
		return "GRE protocol " + hex16(g.detail)
	case gapGREVersion:
		return "GRE version " + d + " or source-routed GRE"
	case gapGeneveProto:
		return "Geneve protocol " + hex16(g.detail)
	case gapVXLANGPEProto:
		return "VXLAN-GPE next protocol " + d
	case gapGTPPayload:
		return "GTP-U payload (not IP)"
	case gapL2TPPayload:
		return "L2TP payload (not PPP, Ethernet or IP)"
	case gapMPLSPayload:
		return "MPLS payload (not IP)"
	case gapERSPANVersion:
		return "ERSPAN version " + d
	case gap80211Protected:
		return "encrypted 802.11 data"
	case gapERFType:
		return "ERF record type " + d
	case gapFamily:
		return "PFLOG/NFLOG address family " + d
	}
	return "encapsulation " + d
}

// LinkTypeName returns the tcpdump name of a LINKTYPE_* value, or "" for
// one it does not know.
func LinkTypeName(lt uint16) string {
	switch lt {
	case 0:
		return "NULL"
	case 1:
		return "ETHERNET"
	case 3:
		return "AX25"
	case 6:
		return "IEEE802_5"
	case 7:
		return "ARCNET_BSD"
	case 8:
		return "SLIP"
	case 9:
		return "PPP"
	case 10:
		return "FDDI"
	case 12, 14, 101:
		return "RAW"
	case 50:
		return "PPP_HDLC"
	case 51:
		return "PPP_ETHER"
	case 100:
		return "ATM_RFC1483"
	case 104:
		return "C_HDLC"
	case 105:
		return "IEEE802_11"
	case 107:
		return "FRELAY"
	case 108:
		return "LOOP"
	case 113:
		return "LINUX_SLL"
	case 114:
		return "LTALK"
	case 117:
		return "PFLOG"
	case 119:
		return "IEEE802_11_PRISM"
	case 122:
		return "IP_OVER_FC"
	case 123:
		return "SUNATM"
	case 127:
		return "IEEE802_11_RADIOTAP"
	case 129:
		return "ARCNET"
	case 138:
		return "APPLE_IP_OVER_IEEE1394"
	case 139, 140, 141, 142:
		return "MTP"
	case 143:
		return "DOCSIS"
	case 163:
		return "IEEE802_11_AVS"
	case 187:
		return "BLUETOOTH_HCI_H4"
	case 189:
		return "USB_LINUX"
	case 192:
		return "PPI"
	case 195:
		return "IEEE802_15_4"
	case 197:
		return "ERF"
	case 201:
		return "BLUETOOTH_HCI_H4_WITH_PHDR"
	case 220:
		return "USB_LINUX_MMAPPED"
	case 228:
		return "IPV4"
	case 229:
		return "IPV6"
	case 239:
		return "NFLOG"
	case 240:
		return "NETANALYZER"
	case 242:
		return "IPOIB"
	case 249:
		return "USBPCAP"
	case 263:
		return "NETLINK"
	case 276:
		return "LINUX_SLL2"
	}
	if lt >= 147 && lt <= 162 {
		return "USER" + strconv.Itoa(int(lt)-147)
	}
	return ""
}
