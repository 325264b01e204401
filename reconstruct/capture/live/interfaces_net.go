//go:build !libpcap

package live

import (
	"fmt"
	"net"
	"runtime"
	"slices"
)

// ListInterfaces returns the network interfaces of this host in the order
// tcpdump -D lists them (see Interface.merit; each group in kernel index
// order), with "any" on Linux. libpcap's devices that are not network
// interfaces (nflog, nfqueue, usbmon, dbus, bluetooth-monitor) are not
// listed: AF_PACKET cannot capture on them.
func ListInterfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	list := make([]Interface, 0, len(ifs)+1)
	for _, nif := range ifs {
		i := Interface{
			Name:     nif.Name,
			Up:       nif.Flags&net.FlagUp != 0,
			Running:  nif.Flags&net.FlagRunning != 0,
			Loopback: nif.Flags&net.FlagLoopback != 0,
			Link:     LinkNotApplicable,
		}
		if !i.Loopback {
			i.Link = linkStatus(nif.Name)
		}
		list = append(list, i)
	}
	if runtime.GOOS == "linux" {
		list = append(list, Interface{Name: "any", Description: "Pseudo-device that captures on all interfaces", Up: true, Running: true, Link: LinkNotApplicable})
	}
	slices.SortStableFunc(list, func(a, b Interface) int { return a.merit() - b.merit() })
	return list, nil
}
