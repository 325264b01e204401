//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// Asymmetric routing. An Asym scenario joins the namespaces by a second
// veth pair, wsc2 (client) and wss2 (server), and gives the server a host
// route to the client over it:
//
//	client 10.213.0.1  wsc  --- path A: client -> server ---  wss   server 10.213.0.2
//	                   wsc2 <-- path B: server -> client ---  wss2
//
// The client reaches 10.213.0.0/24 over wsc as usual; the server's
// 10.213.0.1/32 route via wss2 beats its /24 on wss, so every packet it
// sends (SYN-ACKs, data, FINs, the RST of a refused SYN, ARP requests)
// takes path B, while everything the client sends takes path A. Reverse
// path filtering is off in both namespaces, as on a router with asymmetric
// paths, or each end would drop what arrives on the interface its route
// back does not use. tcpdump captures wsc and wsc2 separately: two cuts of
// the same traffic, <name>-c2s.pcap with only the client's packets and
// <name>-s2c.pcap with only the server's.

// Cut suffixes of an Asym scenario's two captures, in Files order.
const (
	CutC2S = "c2s" // path A, wsc: the client's packets
	CutS2C = "s2c" // path B, wsc2: the server's packets
)

// Files returns the file name stems of the scenario's captures: Name, or
// for an Asym scenario Name-c2s and Name-s2c.
func (s Scenario) Files() []string {
	if s.Asym {
		return []string{s.Name + "-" + CutC2S, s.Name + "-" + CutS2C}
	}
	return []string{s.Name}
}

// setupAsym adds path B to namespaces set up by setup.
func (e *Env) setupAsym() error {
	if e.sc.IPv6 {
		return errors.New("scenario " + e.sc.Name + ": asymmetric paths are IPv4 only")
	}
	if _, err := run(e.ctx, "ip", "link", "add", ClientIface2, "netns", e.Client.Name, "type", "veth",
		"peer", "name", ServerIface2, "netns", e.Server.Name); err != nil {
		return err
	}
	for _, side := range []struct {
		ns     *Netns
		ifaces []string
	}{
		{e.Client, []string{ClientIface, ClientIface2}},
		{e.Server, []string{ServerIface, ServerIface2}},
	} {
		if _, err := run(e.ctx, "ip", "-n", side.ns.Name, "link", "set", side.ifaces[1], "up"); err != nil {
			return err
		}
		// The effective rp_filter of an interface is the larger of its
		// own and "all".
		sysctl := []string{"-w"}
		for _, conf := range append([]string{"all"}, side.ifaces...) {
			key := "net.ipv4.conf." + conf + ".rp_filter"
			if err := side.ns.sysctl(key, "0"); err != nil {
				return err
			}
			sysctl = append(sysctl, key+"=0")
		}
		e.record(side.ns, "sysctl", sysctl)
	}
	route := []string{"route", "add", e.Client.Addr.String() + "/32", "dev", ServerIface2, "src", e.Server.Addr.String()}
	if _, err := run(e.ctx, "ip", append([]string{"-n", e.Server.Name}, route...)...); err != nil {
		return err
	}
	e.record(e.Server, "ip", route)
	return nil
}

// asymScenarios are the asymmetric-routing scenarios (see setupAsym).
func asymScenarios() []Scenario {
	return []Scenario{
		{
			Name: "asym",
			Doc:  "asymmetric routing, six connections: close by the client, close by the server, CLOSE_WAIT left open, refused, RST abort, idle",
			Asym: true,
			Want: []Conn{
				{portClient, portServer, "TIME_WAIT", "CLOSED"},
				{portClient + 1, portServer, "CLOSED", "TIME_WAIT"},
				{portClient + 2, portServer, "FIN_WAIT_2", "CLOSE_WAIT"},
				{portClient + 3, portClosed, "CLOSED", "CLOSED"},
				{portClient + 4, portServer, "CLOSED", "CLOSED"},
				{portClient + 5, portServer, "ESTABLISHED", "ESTABLISHED"},
			},
			Run: asym,
		},
		{
			Name:        "asym-mid-handshake",
			Doc:         "asymmetric routing, capture starts after the SYNs, before the SYN-ACKs: one connection closed by the client, one left idle",
			Asym:        true,
			LateCapture: true,
			Want: []Conn{
				{portClient, portServer, "TIME_WAIT", "CLOSED"},
				{portClient + 1, portServer, "ESTABLISHED", "ESTABLISHED"},
			},
			Run: asymMidHandshake,
		},
		{
			Name:        "asym-mid-close",
			Doc:         "asymmetric routing, capture starts after the client's FINs, before the server's ACKs: one server closes, one never does",
			Asym:        true,
			LateCapture: true,
			Want: []Conn{
				{portClient, portServer, "TIME_WAIT", "CLOSED"},
				{portClient + 1, portServer, "FIN_WAIT_2", "CLOSE_WAIT"},
			},
			Run: asymMidClose,
		},
	}
}

// symmetricVariants repeats the named asymmetric scenarios over the single
// veth pair, captured both ways: "asym-mid-handshake" becomes
// "mid-handshake".
func symmetricVariants(all []Scenario, names ...string) []Scenario {
	var out []Scenario
	for _, sc := range all {
		if sc.Asym && slices.Contains(names, sc.Name) {
			sc.Name = strings.TrimPrefix(sc.Name, "asym-")
			sc.Doc = strings.TrimPrefix(sc.Doc, "asymmetric routing, ")
			sc.Asym = false
			out = append(out, sc)
		}
	}
	return out
}

// asym runs the common outcomes over the two paths.
func asym(e *Env) error {
	l := e.Listen(portServer)

	c := e.Dial(portClient, portServer) // closed by the client
	s := e.Accept(l)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)
	e.Close(s)

	c = e.Dial(portClient+1, portServer) // closed by the server
	s = e.Accept(l)
	e.Exchange(c, s)
	e.Close(s)
	e.RecvEOF(c)
	e.Close(c)

	c = e.Dial(portClient+2, portServer) // the server never closes
	s = e.Accept(l)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)

	e.DialRefused(portClient+3, portClosed)

	c = e.Dial(portClient+4, portServer) // aborted with SO_LINGER 0
	s = e.Accept(l)
	e.Exchange(c, s)
	e.Abort(c)
	e.RecvReset(s)

	c = e.Dial(portClient+5, portServer) // idle
	s = e.Accept(l)
	e.Exchange(c, s)
	return e.Err()
}

// holdTimeout bounds the wait for the packets a scenario holds in an
// NFQUEUE.
const holdTimeout = 2 * time.Second

// asymMidHandshake holds the server's SYN-ACKs in an NFQUEUE until both
// captures run: path A's capture starts at the client's handshake ACK, path
// B's at the SYN-ACK.
func asymMidHandshake(e *Env) error {
	l := e.Listen(portServer)
	h := e.Hold(e.Server, 0)
	e.Rule(e.Server, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN,ACK", "-j", "NFQUEUE", "--queue-num", "0")
	var dialed [2]chan *net.TCPConn
	for i := range dialed {
		dialed[i] = make(chan *net.TCPConn, 1)
		go func() { dialed[i] <- e.Dial(portClient+uint16(i), portServer) }()
	}
	if !e.failed() {
		e.fail(h.Wait(len(dialed), holdTimeout))
	}
	e.StartCapture()
	if h != nil {
		// Even after a failure, so that the dials return.
		e.fail(h.Release())
	}
	var c, s [2]*net.TCPConn
	for i := range dialed {
		// Dial returns within opTimeout whatever happens to the SYN-ACK.
		c[i] = <-dialed[i]
	}
	for range dialed {
		// The handshakes complete in either order.
		a := e.Accept(l)
		if a == nil {
			break
		}
		i := a.RemoteAddr().(*net.TCPAddr).Port - portClient
		if i < 0 || i >= len(s) || s[i] != nil {
			e.fail(fmt.Errorf("accepted an unexpected connection from %v", a.RemoteAddr()))
			break
		}
		s[i] = a
	}
	for i := range c {
		e.Exchange(c[i], s[i])
	}
	e.Close(c[0])
	e.RecvEOF(s[0])
	e.Close(s[0])
	return e.Err()
}

// asymMidClose holds the server's ACKs of the client's FINs in an NFQUEUE
// until both captures run: path A's capture never shows the FINs, path B's
// starts at their acknowledgements.
func asymMidClose(e *Env) error {
	l := e.Listen(portServer)
	var c, s [2]*net.TCPConn
	for i := range c {
		c[i] = e.Dial(portClient+uint16(i), portServer)
		s[i] = e.Accept(l)
		e.Exchange(c[i], s[i])
	}
	e.Sleep(100 * time.Millisecond) // let delayed ACKs out before the rule
	h := e.Hold(e.Server, 0)
	e.Rule(e.Server, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "NFQUEUE", "--queue-num", "0")
	for i := range c {
		e.Close(c[i])
		e.RecvEOF(s[i])
	}
	if !e.failed() {
		e.fail(h.Wait(len(c), holdTimeout))
	}
	e.StartCapture()
	if !e.failed() {
		e.fail(h.Release())
	}
	e.WaitState(e.Client, e.ClientAP(portClient), e.ServerAP(portServer), "FIN_WAIT_2")
	e.Close(s[0])
	return e.Err()
}
