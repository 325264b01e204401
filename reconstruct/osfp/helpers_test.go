package osfp

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/internal/pcaptest"
)

// pkt describes a SYN or SYN-ACK to build.
type pkt struct {
	v6, synack   bool
	ttl          uint8
	df, mbz      bool
	id           uint16
	flow         uint32
	win          uint16
	mss          uint16
	ws           uint8
	layout       string // p0f option layout: "mss,sok,ts,nop,ws", "eol+N" last
	tsval, tsecr uint32
	flags        pcaptest.Flags // added to SYN (and ACK for a SYN-ACK)
	seq, ack     uint32
	payload      int
	sport, dport uint16
}

// options returns the TCP options of p's layout.
func (p pkt) options(t testing.TB) []layers.TCPOption {
	var out []layers.TCPOption
	if p.layout == "" {
		return nil
	}
	for _, o := range strings.Split(p.layout, ",") {
		switch {
		case o == "mss":
			out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: binary.BigEndian.AppendUint16(nil, p.mss)})
		case o == "ws":
			out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{p.ws}})
		case o == "sok":
			out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2})
		case o == "nop":
			out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindNop})
		case o == "ts":
			d := binary.BigEndian.AppendUint32(nil, p.tsval)
			out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: binary.BigEndian.AppendUint32(d, p.tsecr)})
		case strings.HasPrefix(o, "eol+"):
			n, err := strconv.Atoi(o[4:])
			if err != nil {
				t.Fatalf("layout %q", p.layout)
			}
			for range n + 1 { // EOL, then n padding bytes
				out = append(out, layers.TCPOption{OptionType: layers.TCPOptionKindEndList})
			}
		default:
			t.Fatalf("layout %q: option %q", p.layout, o)
		}
	}
	return out
}

// frame serializes p as an Ethernet frame.
func (p pkt) frame(t testing.TB) []byte {
	f := p.flags
	f.SYN, f.ACK = true, p.synack || f.ACK
	tcp := pcaptest.TCP(p.sport, p.dport, p.seq, p.ack, f)
	tcp.Window = p.win
	tcp.Options = p.options(t)
	var payload []byte
	if p.payload > 0 {
		payload = make([]byte, p.payload)
	}
	src, dst := "10.1.0.1", "10.2.0.2"
	if p.synack {
		src, dst = dst, src
	}
	if p.v6 {
		ip := pcaptest.IPv6("2001:db8::"+src, "2001:db8::"+dst, layers.IPProtocolTCP)
		ip.HopLimit, ip.FlowLabel = p.ttl, p.flow
		return pcaptest.Frame(t, []gopacket.SerializableLayer{pcaptest.Ethernet(layers.EthernetTypeIPv6)}, ip, tcp, payload)
	}
	ip := pcaptest.IPv4(src, dst, layers.IPProtocolTCP)
	ip.TTL, ip.Id = p.ttl, p.id
	if p.df {
		ip.Flags |= layers.IPv4DontFragment
	}
	if p.mbz {
		ip.Flags |= layers.IPv4EvilBit
	}
	return pcaptest.Frame(t, []gopacket.SerializableLayer{pcaptest.Ethernet(layers.EthernetTypeIPv4)}, ip, tcp, payload)
}

// decodeFrame decodes an Ethernet frame into a segment.
func decodeFrame(t testing.TB, d *decode.Decoder, data []byte) (decode.Segment, bool) {
	t.Helper()
	var seg decode.Segment
	o := d.Decode(capture.Packet{Data: data, LinkType: capture.LinkEthernet, Frame: 1, Timestamp: time.Unix(1, 0)}, &seg)
	return seg, o == decode.OK
}

// classifyFrame decodes a frame and classifies it.
func classifyFrame(t testing.TB, data []byte) (Guess, bool) {
	t.Helper()
	seg, ok := decodeFrame(t, decode.NewDecoder(), data)
	if !ok {
		t.Fatalf("frame does not decode")
	}
	sig, ok := FromSegment(&seg)
	if !ok {
		return Guess{}, false
	}
	return Classify(sig), true
}

// Typical stacks, from the values their kernels send.
var (
	linuxSYN = pkt{ttl: 64, df: true, id: 0x3a1c, win: 64240, mss: 1460, ws: 7, layout: "mss,sok,ts,nop,ws",
		tsval: 123456, seq: 1000, sport: 40000, dport: 443}
	linuxSYNACK = pkt{synack: true, ttl: 64, df: true, win: 65160, mss: 1460, ws: 7, layout: "mss,sok,ts,nop,ws",
		tsval: 98765, tsecr: 123456, seq: 5000, ack: 1001, sport: 443, dport: 40000}
)
