package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// tuple is a canonical 4-tuple: the lower address (and port) first.
type tuple struct {
	a, b   [16]byte
	pa, pb uint16
}

// runGopacket is the floor built from gopacket's pieces.
func runGopacket(name string, stdout io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var (
		eth     layers.Ethernet
		dot1q   layers.Dot1Q
		ip4     layers.IPv4
		ip6     layers.IPv6
		tcp     layers.TCP
		decoded []gopacket.LayerType
		conns   = make(map[tuple]*counts)
		packets int64
		tcps    int64
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp)
	parser.IgnoreUnsupported = true
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor: warning:", err)
			break
		}
		packets++
		_ = parser.DecodeLayers(data, &decoded)
		var k tuple
		for _, lt := range decoded {
			switch lt {
			case layers.LayerTypeIPv4:
				copy(k.a[:], ip4.SrcIP)
				copy(k.b[:], ip4.DstIP)
			case layers.LayerTypeIPv6:
				copy(k.a[:], ip6.SrcIP)
				copy(k.b[:], ip6.DstIP)
			case layers.LayerTypeTCP:
				tcps++
				k.pa, k.pb = uint16(tcp.SrcPort), uint16(tcp.DstPort)
				if string(k.a[:]) > string(k.b[:]) || k.a == k.b && k.pa > k.pb {
					k.a, k.b, k.pa, k.pb = k.b, k.a, k.pb, k.pa
				}
				c := conns[k]
				if c == nil {
					c = &counts{firstFrame: packets}
					conns[k] = c
				}
				c.packets++
				c.bytes += int64(len(tcp.Payload))
				c.lastFrame = packets
			}
		}
	}
	_, err = fmt.Fprintf(stdout, "%d packets, %d tcp, %d 4-tuples\n", packets, tcps, len(conns))
	return err
}
