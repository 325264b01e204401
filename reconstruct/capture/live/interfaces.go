package live

// Interface is one interface Open can capture on.
type Interface struct {
	Name        string
	Description string // "" for most interfaces
	Up          bool
	Running     bool
	Loopback    bool
	Wireless    bool
	Link        Link // whether a cable (or peer) is connected
}

// Link is an interface's connection status, as libpcap reports it.
type Link uint8

// Link values.
const (
	LinkUnknown       Link = iota // the driver would not say
	LinkConnected                 // carrier present
	LinkDisconnected              // no carrier
	LinkNotApplicable             // loopback, "any", and devices without a link (ifb, dummy)
)

// Flags describes the interface's state as tcpdump -D does: "Up",
// "Running", "Loopback", "Wireless" or else "none", then the connection
// status ("Connected", "Disconnected"; "Associated" and so on for
// wireless) unless it does not apply.
func (i Interface) Flags() []string {
	if !i.Up && !i.Running && !i.Loopback && !i.Wireless && i.Link == LinkUnknown {
		return nil // libpcap's flags word is 0: tcpdump prints no brackets
	}
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
	if i.Wireless {
		f = append(f, "Wireless")
	}
	if len(f) == 0 {
		f = append(f, "none")
	}
	status := [...]string{LinkUnknown: "Connection status unknown", LinkConnected: "Connected", LinkDisconnected: "Disconnected"}
	if i.Wireless {
		status = [...]string{LinkUnknown: "Association status unknown", LinkConnected: "Associated", LinkDisconnected: "Not associated"}
	}
	if int(i.Link) < len(status) {
		f = append(f, status[i.Link])
	}
	return f
}

// merit orders interfaces as libpcap's pcap_findalldevs does, smaller
// first: running, up, then connected before unknown before disconnected;
// among equals, "any" after the others and loopback after "any".
func (i Interface) merit() int {
	m := 0
	if !i.Running {
		m += 8 * 3
	}
	if !i.Up {
		m += 4 * 3
	}
	switch i.Link {
	case LinkUnknown:
		m += 3
	case LinkDisconnected:
		m += 2 * 3
	}
	switch {
	case i.Name == "any":
		m++
	case i.Loopback:
		m += 2
	}
	return m
}
