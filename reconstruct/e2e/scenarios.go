//go:build linux

package e2e

import (
	"slices"
	"time"
)

// Ports used by the scenarios. Client ports are bound explicitly so that the
// endpoints, and therefore the expected states, are the same on every run.
const (
	portServer   = 80    // the listening service
	portClosed   = 81    // no listener: connections are refused
	portFiltered = 82    // SYNs dropped on arrival by the server's INPUT chain
	portClient   = 40001 // first client port; more connections count up
)

// synRetransmit is long enough for one SYN (or SYN-ACK) retransmission,
// which Linux sends one second after the first.
const synRetransmit = 1300 * time.Millisecond

// Scenarios returns every scenario shipped in pcaps/, in the order they are
// generated: the symmetric ones, the asymmetric-routing ones (Asym, two
// captures each), asym-mid-handshake and asym-mid-close again over one path
// (mid-handshake, mid-close),
// the tunnel scenarios, and last three finding scenarios (see
// FindingScenarios).
func Scenarios() []Scenario {
	base := baseScenarios()
	all := append(base, ipv6Variants(base, "close-by-server", "close-wait", "refused", "rst-abort")...)
	asym := asymScenarios()
	all = append(append(all, asym...), symmetricVariants(asym, "asym-mid-handshake", "asym-mid-close")...)
	return append(append(all, tunnelScenarios()...), findingSamples()...)
}

// ipv6Variants repeats the named IPv4 scenarios over IPv6 ("<name>-ipv6").
func ipv6Variants(all []Scenario, names ...string) []Scenario {
	var out []Scenario
	for _, sc := range all {
		if slices.Contains(names, sc.Name) {
			sc.Name += "-ipv6"
			sc.Doc += " (IPv6)"
			sc.IPv6 = true
			out = append(out, sc)
		}
	}
	return out
}

func baseScenarios() []Scenario {
	return []Scenario{
		{
			Name: "close-by-client",
			Doc:  "client sends a request, gets a reply and closes first; four-way close",
			Want: []Conn{{portClient, portServer, "TIME_WAIT", "CLOSED"}},
			Run:  closeByClient,
		},
		{
			Name: "close-by-server",
			Doc:  "server replies and closes first; the client closes on EOF",
			Want: []Conn{{portClient, portServer, "CLOSED", "TIME_WAIT"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Close(s)
				e.RecvEOF(c)
				e.Close(c)
				return e.Err()
			},
		},
		{
			Name: "close-wait",
			Doc:  "client closes; the server application never closes its socket",
			Want: []Conn{{portClient, portServer, "FIN_WAIT_2", "CLOSE_WAIT"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Close(c)
				e.RecvEOF(s)
				return e.Err()
			},
		},
		{
			Name: "half-close",
			Doc:  "client shuts down writing after its request; the server sends three more segments after the client's FIN, then closes",
			Want: []Conn{{portClient, portServer, "TIME_WAIT", "CLOSED"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Send(c, "hello\n")
				e.CloseWrite(c)
				e.RecvEOF(s)
				for range 3 {
					e.Send(s, "more data\n")
					e.Sleep(20 * time.Millisecond)
				}
				e.Close(s)
				e.RecvEOF(c)
				e.Close(c)
				return e.Err()
			},
		},
		{
			Name: "refused",
			Doc:  "SYN to a port without a listener is answered by RST-ACK",
			Want: []Conn{{portClient, portClosed, "CLOSED", "CLOSED"}},
			Run: func(e *Env) error {
				e.DialRefused(portClient, portClosed)
				return e.Err()
			},
		},
		{
			Name: "syn-unanswered",
			Doc:  "the server drops incoming SYNs; the client retransmits its SYN and stays in SYN_SENT",
			Want: []Conn{{portClient, portFiltered, "SYN_SENT", "CLOSED"}},
			Run: func(e *Env) error {
				e.Listen(portFiltered)
				e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--syn", "--dport", "82", "-j", "DROP")
				e.DialPending(portClient, portFiltered)
				e.Sleep(synRetransmit)
				return e.Err()
			},
		},
		{
			Name: "rst-abort",
			Doc:  "client aborts an established connection with SO_LINGER 0: RST instead of FIN",
			Want: []Conn{{portClient, portServer, "CLOSED", "CLOSED"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Abort(c)
				e.RecvReset(s)
				return e.Err()
			},
		},
		{
			Name: "close-by-client-ipv6",
			Doc:  "close-by-client over IPv6",
			IPv6: true,
			Want: []Conn{{portClient, portServer, "TIME_WAIT", "CLOSED"}},
			Run:  closeByClient,
		},
		{
			Name:        "midstream",
			Doc:         "capture starts after the handshake and a first exchange; more data, then the client closes",
			LateCapture: true,
			Want:        []Conn{{portClient, portServer, "TIME_WAIT", "CLOSED"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Sleep(100 * time.Millisecond) // let delayed ACKs out before the capture
				e.StartCapture()
				e.Exchange(c, s)
				e.Exchange(c, s)
				e.Close(c)
				e.RecvEOF(s)
				e.Close(s)
				return e.Err()
			},
		},
		{
			Name: "established-idle",
			Doc:  "handshake and one exchange, then both sides stay open and idle",
			Want: []Conn{{portClient, portServer, "ESTABLISHED", "ESTABLISHED"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				return e.Err()
			},
		},
		{
			Name: "syn-received",
			Doc:  "the client's handshake ACKs are dropped before the wire: the client is ESTABLISHED, the server retransmits its SYN-ACK in SYN_RECEIVED",
			Want: []Conn{{portClient, portServer, "ESTABLISHED", "SYN_RECEIVED"}},
			Run: func(e *Env) error {
				e.Listen(portServer)
				e.Rule(e.Client, "-A", "OUTPUT", "-p", "tcp", "--dport", "80", "--tcp-flags", "ALL", "ACK", "-j", "DROP")
				e.Dial(portClient, portServer)
				e.Sleep(synRetransmit)
				return e.Err()
			},
		},
		{
			Name: "synack-dropped",
			Doc:  "the server's SYN-ACKs are dropped before the wire: the capture shows only the client's SYNs; the server is in SYN_RECEIVED",
			Want: []Conn{{portClient, portServer, "SYN_SENT", "SYN_RECEIVED"}},
			Run: func(e *Env) error {
				e.Listen(portServer)
				e.Rule(e.Server, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN,ACK", "-j", "DROP")
				e.DialPending(portClient, portServer)
				e.Sleep(synRetransmit)
				return e.Err()
			},
		},
		{
			Name: "fin-wait-1",
			Doc:  "the server's ACK of the client's FIN is dropped before the wire: the client retransmits its FIN in FIN_WAIT_1",
			Want: []Conn{{portClient, portServer, "FIN_WAIT_1", "CLOSE_WAIT"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Sleep(100 * time.Millisecond) // let delayed ACKs out before the rule
				e.Rule(e.Server, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "DROP")
				e.Close(c)
				e.RecvEOF(s)
				e.Sleep(500 * time.Millisecond) // one FIN retransmission
				return e.Err()
			},
		},
		{
			Name: "closing",
			Doc:  "simultaneous close: the FINs cross, neither is acknowledged on the wire, both ends are in CLOSING",
			Want: []Conn{{portClient, portServer, "CLOSING", "CLOSING"}},
			Run:  closing,
		},
		{
			Name: "last-ack",
			Doc:  "the client's final ACK is dropped before the wire: the server retransmits its FIN in LAST_ACK",
			Want: []Conn{{portClient, portServer, "TIME_WAIT", "LAST_ACK"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Sleep(100 * time.Millisecond) // let delayed ACKs out before the rule
				e.Rule(e.Client, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "DROP")
				e.Close(c)
				e.RecvEOF(s)
				e.Close(s)
				e.WaitState(e.Client, e.ClientAP(portClient), e.ServerAP(portServer), "TIME_WAIT")
				e.Sleep(500 * time.Millisecond) // one FIN retransmission
				return e.Err()
			},
		},
		{
			Name: "reuse-client-time-wait",
			Doc:  "client closes first (TIME_WAIT), then binds the same port with SO_REUSEADDR and connects again: same 4-tuple, second connection left open",
			Want: []Conn{{portClient, portServer, "ESTABLISHED", "ESTABLISHED"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.DialReuseAddr(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Close(c)
				e.RecvEOF(s)
				e.Close(s)
				e.WaitState(e.Client, e.ClientAP(portClient), e.ServerAP(portServer), "TIME_WAIT")
				e.WaitState(e.Server, e.ServerAP(portServer), e.ClientAP(portClient), "CLOSED")
				c = e.DialReuseAddr(portClient, portServer)
				s = e.Accept(l)
				e.Exchange(c, s)
				return e.Err()
			},
		},
		{
			Name: "reopen-server-time-wait",
			Doc:  "server closes first (TIME_WAIT); a new SYN on the same 4-tuple reopens it (RFC 1122 4.2.2.13); second connection left open",
			Want: []Conn{{portClient, portServer, "ESTABLISHED", "ESTABLISHED"}},
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				c := e.Dial(portClient, portServer)
				s := e.Accept(l)
				e.Exchange(c, s)
				e.Close(s)
				e.RecvEOF(c)
				e.Close(c)
				e.WaitState(e.Server, e.ServerAP(portServer), e.ClientAP(portClient), "TIME_WAIT")
				e.WaitState(e.Client, e.ClientAP(portClient), e.ServerAP(portServer), "CLOSED")
				c = e.Dial(portClient, portServer)
				s = e.Accept(l)
				e.Exchange(c, s)
				return e.Err()
			},
		},
		{
			Name:  "any-sll2",
			Doc:   "close-by-client captured with tcpdump -i any, which writes Linux cooked capture v2",
			Iface: "any",
			Want:  []Conn{{portClient, portServer, "TIME_WAIT", "CLOSED"}},
			Run:   closeByClient,
		},
		{
			Name:     "any-sll",
			Doc:      "close-by-client captured with tcpdump -i any -y LINUX_SLL: Linux cooked capture v1",
			Iface:    "any",
			LinkType: "LINUX_SLL",
			Want:     []Conn{{portClient, portServer, "TIME_WAIT", "CLOSED"}},
			Run:      closeByClient,
		},
		{
			Name: "demo",
			Doc:  "six connections in one capture: normal close, CLOSE_WAIT left open, refused, RST abort, unanswered SYN, idle",
			Want: []Conn{
				{portClient, portServer, "TIME_WAIT", "CLOSED"},
				{portClient + 1, portServer, "FIN_WAIT_2", "CLOSE_WAIT"},
				{portClient + 2, portClosed, "CLOSED", "CLOSED"},
				{portClient + 3, portServer, "CLOSED", "CLOSED"},
				{portClient + 4, portFiltered, "SYN_SENT", "CLOSED"},
				{portClient + 5, portServer, "ESTABLISHED", "ESTABLISHED"},
			},
			Run: demo,
		},
	}
}

// closeByClient: request, reply, the client closes, the server closes on EOF.
func closeByClient(e *Env) error {
	l := e.Listen(portServer)
	c := e.Dial(portClient, portServer)
	s := e.Accept(l)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)
	e.Close(s)
	return e.Err()
}

// closing makes a simultaneous close deterministic. Both namespaces let
// their first FIN through (an xt_quota of one FIN's size) and drop later
// FINs and every pure ACK, so no FIN is ever acknowledged on the wire. The
// client's FIN is held in an NFQUEUE until the server's FIN has reached the
// client, so the two FINs cross: each end receives the other's FIN in
// FIN_WAIT_1 and moves to CLOSING (RFC 9293 §3.6, figure 13).
func closing(e *Env) error {
	l := e.Listen(portServer)
	c := e.Dial(portClient, portServer)
	s := e.Accept(l)
	e.Exchange(c, s)
	e.Sleep(100 * time.Millisecond) // let delayed ACKs out before the rules
	h := e.Hold(e.Client, 0)
	for _, r := range []struct {
		ns    *Netns
		first string
	}{{e.Client, "NFQUEUE"}, {e.Server, "ACCEPT"}} {
		e.Rule(r.ns, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "FIN", "FIN", "-m", "quota", "--quota", "100", "-j", r.first)
		e.Rule(r.ns, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "FIN", "FIN", "-j", "DROP")
		e.Rule(r.ns, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "ALL", "ACK", "-j", "DROP")
	}
	e.Close(c)
	if !e.failed() {
		e.fail(h.Wait(1, 2*time.Second))
	}
	e.Close(s)
	e.WaitState(e.Client, e.ClientAP(portClient), e.ServerAP(portServer), "CLOSING")
	if !e.failed() {
		e.fail(h.Release())
	}
	e.WaitState(e.Server, e.ServerAP(portServer), e.ClientAP(portClient), "CLOSING")
	return e.Err()
}

// demo puts the common outcomes side by side in one capture.
func demo(e *Env) error {
	l := e.Listen(portServer)
	e.Listen(portFiltered)
	e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--syn", "--dport", "82", "-j", "DROP")

	// Normal close by the client.
	c := e.Dial(portClient, portServer)
	s := e.Accept(l)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)
	e.Close(s)

	// The server application never closes: CLOSE_WAIT / FIN_WAIT_2.
	c = e.Dial(portClient+1, portServer)
	s = e.Accept(l)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)

	// Refused.
	e.DialRefused(portClient+2, portClosed)

	// Aborted with RST.
	c = e.Dial(portClient+3, portServer)
	s = e.Accept(l)
	e.Exchange(c, s)
	e.Abort(c)
	e.RecvReset(s)

	// Unanswered SYN, retransmitted once.
	e.DialPending(portClient+4, portFiltered)

	// Established and idle.
	c = e.Dial(portClient+5, portServer)
	s = e.Accept(l)
	e.Exchange(c, s)

	e.Sleep(synRetransmit)
	return e.Err()
}
