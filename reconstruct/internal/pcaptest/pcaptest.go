// Package pcaptest builds packets and small capture files for tests.
//
// Frames are made with gopacket.SerializeLayers, with lengths and
// checksums computed, so tests read like the packets they describe.
package pcaptest

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Serialize concatenates the layers, fixing lengths and computing
// checksums.
func Serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return bytes.Clone(buf.Bytes())
}

// Ethernet returns an Ethernet header carrying the given EtherType.
func Ethernet(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{
		SrcMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 1},
		DstMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 2},
		EthernetType: et,
	}
}

// Dot1Q returns an 802.1Q tag with the given VLAN id and inner EtherType.
func Dot1Q(vlan uint16, et layers.EthernetType) *layers.Dot1Q {
	return &layers.Dot1Q{VLANIdentifier: vlan, Type: et}
}

// IPv4 returns an IPv4 header from src to dst carrying proto.
func IPv4(src, dst string, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{
		Version: 4, IHL: 5, TTL: 64, Protocol: proto,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4(),
	}
}

// IPv6 returns an IPv6 header from src to dst with the given next header.
func IPv6(src, dst string, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{
		Version: 6, HopLimit: 64, NextHeader: next,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst),
	}
}

// Flags selects TCP flags for TCP.
type Flags struct {
	SYN, ACK, FIN, RST, PSH, URG, ECE, CWR, NS bool
}

// TCP returns a TCP header. Call SetNetworkLayerForChecksum (or use
// Frame) before serializing it.
func TCP(sport, dport uint16, seq, ack uint32, f Flags) *layers.TCP {
	return &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: seq, Ack: ack, Window: 64240,
		SYN: f.SYN, ACK: f.ACK, FIN: f.FIN, RST: f.RST, PSH: f.PSH,
		URG: f.URG, ECE: f.ECE, CWR: f.CWR, NS: f.NS,
	}
}

// Frame serializes link, ip and tcp layers and an optional payload,
// wiring the TCP checksum to the IP header. link may be nil for raw IP.
func Frame(t testing.TB, link []gopacket.SerializableLayer, ip gopacket.NetworkLayer, tcp *layers.TCP, payload []byte) []byte {
	t.Helper()
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatalf("checksum layer: %v", err)
	}
	ls := append([]gopacket.SerializableLayer(nil), link...)
	ls = append(ls, ip.(gopacket.SerializableLayer), tcp)
	if len(payload) > 0 {
		ls = append(ls, gopacket.Payload(payload))
	}
	return Serialize(t, ls...)
}

// WritePcap returns a classic little-endian pcap file (microsecond
// timestamps, one second apart, from 2024-01-01 UTC) holding frames with
// the given link type.
func WritePcap(link uint16, frames ...[]byte) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0xa1b2c3d4)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint64(b, 0) // thiszone, sigfigs
	b = le.AppendUint32(b, 262144)
	b = le.AppendUint32(b, uint32(link))
	start := uint32(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	for i, f := range frames {
		b = le.AppendUint32(b, start+uint32(i))
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len(f)))
		b = le.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}
