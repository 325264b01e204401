//go:build libpcap

package live

import (
	"fmt"

	"github.com/google/gopacket/pcap"
)

// pcap_if_t flags (pcap/pcap.h).
const (
	pcapIfLoopback   = 0x01
	pcapIfUp         = 0x02
	pcapIfRunning    = 0x04
	pcapIfWireless   = 0x08
	pcapIfConnStatus = 0x30
	pcapIfConnected  = 0x10
	pcapIfDisconn    = 0x20
	pcapIfConnNA     = 0x30
)

// ListInterfaces returns libpcap's devices (pcap_findalldevs) in its
// order, which is tcpdump -D's.
func ListInterfaces() ([]Interface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	list := make([]Interface, 0, len(devs))
	for _, d := range devs {
		i := Interface{
			Name: d.Name, Description: d.Description,
			Up:       d.Flags&pcapIfUp != 0,
			Running:  d.Flags&pcapIfRunning != 0,
			Loopback: d.Flags&pcapIfLoopback != 0,
			Wireless: d.Flags&pcapIfWireless != 0,
		}
		switch d.Flags & pcapIfConnStatus {
		case pcapIfConnected:
			i.Link = LinkConnected
		case pcapIfDisconn:
			i.Link = LinkDisconnected
		case pcapIfConnNA:
			i.Link = LinkNotApplicable
		}
		list = append(list, i)
	}
	return list, nil
}
