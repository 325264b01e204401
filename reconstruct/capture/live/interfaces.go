package live

import (
	"fmt"
	"net"
	"runtime"
	"slices"
)

// Interface is one interface Open can capture on.
type Interface struct {
	Name        string
	Description string // "" for most interfaces
	Up          bool
	Running     bool
	Loopback    bool
}

// Flags describes the interface's state as tcpdump -D does ("Up,
// Running, Loopback").
func (i Interface) Flags() []string {
	var f []string
	if i.Up {
		f = append(f, "Up")
	}
	if i.Running {
		f = append(f, "Running")
	}
	if i.Loopback {
		f = append(f, "Loopback")
	}
	return f
}

// ListInterfaces returns the interfaces of this host in the order tcpdump
// -D lists them: those up and running first, then the "any" pseudo-device
// (Linux), loopback, and the rest, each group in kernel index order.
func ListInterfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	list := make([]Interface, 0, len(ifs)+1)
	for _, nif := range ifs {
		list = append(list, Interface{
			Name:     nif.Name,
			Up:       nif.Flags&net.FlagUp != 0,
			Running:  nif.Flags&net.FlagRunning != 0,
			Loopback: nif.Flags&net.FlagLoopback != 0,
		})
	}
	if runtime.GOOS == "linux" {
		list = append(list, Interface{Name: "any", Description: "Pseudo-device that captures on all interfaces", Up: true, Running: true})
	}
	group := func(i Interface) int {
		switch {
		case i.Name == "any":
			return 1
		case i.Loopback:
			return 2
		case i.Up && i.Running:
			return 0
		}
		return 3
	}
	slices.SortStableFunc(list, func(a, b Interface) int { return group(a) - group(b) })
	return list, nil
}
