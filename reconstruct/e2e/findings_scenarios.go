//go:build linux

package e2e

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Addresses the finding scenarios add to the namespaces, all inside the
// veth's 10.213.0.0/24.
var (
	// benignAddr4 is a second client address in the client namespace: an
	// ordinary client whose connections succeed beside a scanner.
	benignAddr4 = netip.MustParseAddr("10.213.0.3")
	// spoofAddrs4 are source addresses a SYN flood forges. Nobody holds
	// them; the server reaches them through permanent neighbour entries
	// pointing at spoofMAC, so its SYN-ACKs cross the wire unanswered.
	spoofAddrs4 = []netip.Addr{netip.MustParseAddr("10.213.0.50"), netip.MustParseAddr("10.213.0.51")}
	// hostsBase4 is the first of hostsCount server addresses that a
	// horizontal scan sweeps.
	hostsBase4 = netip.MustParseAddr("10.213.0.100")
)

const (
	hostsCount = 40
	// spoofMAC is a locally administered address no interface has.
	spoofMAC = "02:00:0a:d5:00:32"
	// portSMB is the port the horizontal scan sweeps (the worm pattern).
	portSMB = 445
	// burstBuffer is the tcpdump buffer (KiB) of scenarios whose tools send
	// bursts faster than tcpdump is scheduled on a busy machine.
	burstBuffer = 32768
)

// ClientSide reports whether a is an address of the client namespace: its
// own address or one the finding scenarios add to it.
func ClientSide(a netip.Addr) bool {
	return a == ClientAddr4 || a == ClientAddr6 || a == benignAddr4 ||
		slices.ContainsFunc(tunnelDevs, func(td tunnelDev) bool { return td.client == a })
}

// nthHost returns hostsBase4 + i.
func nthHost(i int) netip.Addr {
	a := hostsBase4
	for range i {
		a = a.Next()
	}
	return a
}

// firstHosts returns the n addresses from hostsBase4 on.
func firstHosts(n int) []netip.Addr {
	hosts := make([]netip.Addr, n)
	for i := range hosts {
		hosts[i] = nthHost(i)
	}
	return hosts
}

// FindingScenarios returns the scenarios built to make wirestat report
// findings: scans next to benign clients, a SYN flood, a CLOSE_WAIT leak,
// a TIME_WAIT pile-up and abortive closes. The first three are also sample
// captures and part of Scenarios.
func FindingScenarios() []Scenario {
	return append(findingSamples(), []Scenario{
		{
			Name: "scan-horizontal",
			Doc: "nmap SYN scan of port 445 across 40 server addresses (4 accept, 26 drop the SYN, 10 answer with RST) " +
				"while 10.213.0.3 makes 12 ordinary connections to the 4 open ones",
			Needs:     []string{"nmap"},
			BufferKiB: burstBuffer,
			ToolPorts: true,
			WantAt:    benignConns(12, func(i int) netip.Addr { return nthHost(i % 4) }, portSMB, "TIME_WAIT", "CLOSED"),
			Run:       scanHorizontal,
		},
		{
			Name:      "scan-connect",
			Doc:       "nmap connect scan (-sT) of ports 1-100 of the server: 22 and 80 listen, 90-100 are filtered, the rest closed",
			Needs:     []string{"nmap"},
			BufferKiB: burstBuffer,
			ToolPorts: true,
			Run:       scanConnect,
		},
		{
			Name: "syn-flood",
			Doc: "300 SYNs to port 80 in 0.6 s from two forged sources (hping3) against a server without SYN cookies " +
				"and a 64-entry SYN backlog, after 5 ordinary connections",
			Needs:     []string{"hping3"},
			BufferKiB: burstBuffer,
			ToolPorts: true,
			Want:      closedByClient(5, portServer),
			Run:       synFlood,
		},
		stealthScan("scan-ack", "-sA", "ACK scan"),
		stealthScan("scan-window", "-sW", "window scan"),
		stealthScan("scan-fin", "-sF", "FIN scan"),
		stealthScan("scan-null", "-sN", "NULL scan"),
		stealthScan("scan-xmas", "-sX", "Xmas scan"),
		stealthScan("scan-maimon", "-sM", "Maimon scan"),
		{
			Name: "ack-sweep",
			Doc: "nmap ACK ping sweep (-sn -PA80, no ARP ping) of 40 server addresses (10 drop the probe) " +
				"while 10.213.0.3 makes 12 ordinary connections to the first 4",
			Needs:     []string{"nmap"},
			BufferKiB: burstBuffer,
			ToolPorts: true,
			WantAt:    benignConns(12, func(i int) netip.Addr { return nthHost(i % 4) }, portServer, "TIME_WAIT", "CLOSED"),
			Run:       ackSweep,
		},
		{
			Name: "password-guessing",
			Doc: "25 short SSH-like sessions (banner, a line each way, close) from the client to port 22 within seconds, " +
				"while 10.213.0.3 health-checks port 22 ten times without data and opens one ordinary session",
			BufferKiB: burstBuffer,
			Want:      connsInState(25, 22, "TIME_WAIT", "CLOSED"),
			WantAt: append(benignConns(10, func(int) netip.Addr { return ServerAddr4 }, 22, "TIME_WAIT", "CLOSED"),
				ConnAt{Conn: Conn{portClient + 100, 22, "TIME_WAIT", "CLOSED"}, ClientAddr: benignAddr4, ServerAddr: ServerAddr4}),
			Run: passwordGuessing,
		},
		{
			Name: "backscatter",
			Doc: "hping3 in the server namespace sends 40 SYNs to 5 server addresses forged with 10.213.0.60, an address of the client " +
				"namespace: the SYN-ACKs reach it unasked and its kernel resets them; 10.213.0.1 makes 5 ordinary connections beside it",
			Needs:     []string{"hping3"},
			BufferKiB: burstBuffer,
			ToolPorts: true,
			WantAt:    ordinaryConns(5, nthHost(0)),
			Run:       backscatter,
		},
		{
			Name: "reset-injection",
			Doc: "hping3 forges 10 resets from the server's address and port with a sequence number far outside the window " +
				"into an established connection, which carries on and closes normally",
			Needs:     []string{"hping3"},
			ToolPorts: true,
			Want:      closedByClient(1, portServer),
			Run:       resetInjection,
		},
		{
			Name: "benign-neighbours",
			Doc: "traffic that must raise no finding: a crawler (10.213.0.3) fetching from 30 hosts, 15 health checks of port 22 " +
				"without data, 3 idle connections kept alive by TCP keep-alive probes, and a NAT address with 40 short HTTPS sessions",
			BufferKiB: burstBuffer,
			WantAt:    benignNeighbourConns(),
			Run:       benignNeighbours,
		},
		{
			Name: "linger-resets",
			Doc:  "10 connections the client aborts with SO_LINGER 0 after one exchange: RST instead of FIN",
			Want: connsInState(10, portServer, "CLOSED", "CLOSED"),
			Run: func(e *Env) error {
				l := e.Listen(portServer)
				for i := range 10 {
					c := e.Dial(portClient+uint16(i), portServer)
					s := e.Accept(l)
					e.Exchange(c, s)
					e.Abort(c)
					e.RecvReset(s)
				}
				return e.Err()
			},
		},
	}...)
}

// findingSamples are the finding scenarios shipped in pcaps/.
func findingSamples() []Scenario {
	return []Scenario{
		{
			Name: "scan-vertical",
			Doc: "nmap SYN scan of ports 1-200 and 443 of the server (22, 80 and 443 listen, 100-150 are filtered, the rest closed) " +
				"while a second client, 10.213.0.3, makes 30 ordinary connections to port 80",
			Needs:     []string{"nmap"},
			BufferKiB: burstBuffer,
			WantAt:    benignConns(30, func(int) netip.Addr { return ServerAddr4 }, portServer, "TIME_WAIT", "CLOSED"),
			Run:       scanVertical,
		},
		{
			Name: "close-wait-leak",
			Doc:  "30 connections closed by the client; the server application closes 10 of them and leaks 20 in CLOSE_WAIT; 3 s later a 31st connection, closed normally, shows the leak lasted",
			Want: closeWaitLeakConns(),
			Run:  closeWaitLeak,
		},
		{
			Name:      "time-wait-pileup",
			Doc:       "200 short connections the server closes first after sending a line: 200 server endpoints in TIME_WAIT",
			Want:      connsInState(200, portServer, "CLOSED", "TIME_WAIT"),
			Run:       timeWaitPileup,
			BufferKiB: burstBuffer,
		},
	}
}

// connsInState returns n connections from client ports portClient and up to
// sport, all designed to end in the same states.
func connsInState(n int, sport uint16, client, server string) []Conn {
	cs := make([]Conn, n)
	for i := range cs {
		cs[i] = Conn{portClient + uint16(i), sport, client, server}
	}
	return cs
}

// closedByClient returns n connections the client closes first.
func closedByClient(n int, sport uint16) []Conn {
	return connsInState(n, sport, "TIME_WAIT", "CLOSED")
}

// benignConns returns n connections from benignAddr4, ports portClient and
// up, to server(i):sport.
func benignConns(n int, server func(i int) netip.Addr, sport uint16, client, serverState string) []ConnAt {
	cs := make([]ConnAt, n)
	for i := range cs {
		cs[i] = ConnAt{
			Conn:       Conn{portClient + uint16(i), sport, client, serverState},
			ClientAddr: benignAddr4,
			ServerAddr: server(i),
		}
	}
	return cs
}

// benign makes one ordinary connection from benignAddr4:cport to server:
// request, reply, the client closes first.
// benignWhile makes n ordinary connections from benignAddr4 (ports
// portClient and up) to server(i) through l, 20 ms apart, then waits for
// the tool wait belongs to.
func benignWhile(e *Env, wait func(), n int, l *net.TCPListener, server func(i int) netip.AddrPort) {
	for i := range n {
		benign(e, l, portClient+uint16(i), server(i))
		e.Sleep(20 * time.Millisecond)
	}
	wait()
}

func benign(e *Env, l *net.TCPListener, cport uint16, server netip.AddrPort) {
	c := e.DialFrom(netip.AddrPortFrom(benignAddr4, cport), server)
	s := e.Accept(l)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)
	e.Close(s)
}

// scanVertical: nmap probes 200 ports of one host, SYN scan, while another
// client works normally.
func scanVertical(e *Env) error {
	e.AddAddr(e.Client, benignAddr4)
	web := e.Listen(portServer)
	e.Listen(22)
	e.Listen(443)
	e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--dport", "100:150", "-j", "DROP")
	wait := e.Start(e.Client, "nmap", "-sS", "-Pn", "-n", "-p", "1-200,443", "--max-retries", "1", "-T4", ServerAddr4.String())
	benignWhile(e, wait, 30, web, func(int) netip.AddrPort { return e.ServerAP(portServer) })
	return e.Err()
}

// scanHorizontal: nmap probes port 445 on 40 hosts. One listener on
// 0.0.0.0:445 serves every address; the firewall lets 4 through, drops the
// SYNs of 26 and rejects 10 with a reset.
func scanHorizontal(e *Env) error {
	e.AddAddr(e.Client, benignAddr4)
	hosts := firstHosts(hostsCount)
	e.AddAddr(e.Server, hosts...)
	smb := e.ListenOn(netip.AddrPortFrom(netip.IPv4Unspecified(), portSMB))
	rng := func(a, b int) string { return nthHost(a).String() + "-" + nthHost(b).String() }
	last := nthHost(hostsCount - 1).As4()
	e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--dport", "445", "-m", "iprange", "--dst-range", rng(4, 29), "-j", "DROP")
	e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--dport", "445", "-m", "iprange", "--dst-range", rng(30, 39), "-j", "REJECT", "--reject-with", "tcp-reset")
	wait := e.Start(e.Client, "nmap", "-sS", "-Pn", "-n", "-p", "445", "--max-retries", "1", "-T4", fmt.Sprintf("%s-%d", hostsBase4, last[3]))
	benignWhile(e, wait, 12, smb, func(i int) netip.AddrPort { return netip.AddrPortFrom(nthHost(i%4), portSMB) })
	return e.Err()
}

// scanConnect: nmap's connect scan uses the kernel's connect(), so the open
// ports see complete handshakes.
func scanConnect(e *Env) error {
	e.Listen(22)
	e.Listen(portServer)
	e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--dport", "90:100", "-j", "DROP")
	e.Exec(e.Client, "nmap", "-sT", "-Pn", "-n", "-p", "1-100", "--max-retries", "1", "-T4", ServerAddr4.String())
	return e.Err()
}

// synFlood fills port 80's SYN backlog from forged sources. With SYN
// cookies off, Linux keeps at most 3/4 of tcp_max_syn_backlog request
// sockets per listener (and no more than the listen backlog, capped by
// somaxconn) and drops further SYNs; the request sockets stay in
// SYN_RECEIVED, retransmitting their SYN-ACKs to addresses that never
// answer.
func synFlood(e *Env) error {
	for _, kv := range [][2]string{
		{"net.ipv4.tcp_syncookies", "0"},
		{"net.ipv4.tcp_max_syn_backlog", "64"},
		{"net.core.somaxconn", "64"},
	} {
		e.Sysctl(e.Server, kv[0], kv[1])
	}
	for _, a := range spoofAddrs4 {
		e.Exec(e.Server, "ip", "neigh", "replace", a.String(), "lladdr", spoofMAC, "dev", e.Server.Iface, "nud", "permanent")
	}
	l := e.Listen(portServer)
	for i := range 5 {
		c := e.Dial(portClient+uint16(i), portServer)
		s := e.Accept(l)
		e.Exchange(c, s)
		e.Close(c)
		e.RecvEOF(s)
		e.Close(s)
	}
	for _, a := range spoofAddrs4 {
		e.ExecExit(e.Client, []int{1}, "hping3", "-q", "-S", "-p", strconv.Itoa(portServer), "-c", "150", "-i", "u2000",
			"-a", a.String(), ServerAddr4.String())
	}
	return e.Err()
}

// stealthScan returns a scenario running nmap's scan type flag against
// ports 1-100 of the server (22 and 80 listen, 90-100 drop every packet)
// while 10.213.0.3 makes 10 ordinary connections to port 80.
func stealthScan(name, flag, what string) Scenario {
	return Scenario{
		Name: name,
		Doc: "nmap " + what + " (" + flag + ") of ports 1-100 of the server (22 and 80 listen, 90-100 are filtered, the rest closed) " +
			"while 10.213.0.3 makes 10 ordinary connections to port 80",
		Needs:     []string{"nmap"},
		BufferKiB: burstBuffer,
		ToolPorts: true,
		WantAt:    benignConns(10, func(int) netip.Addr { return ServerAddr4 }, portServer, "TIME_WAIT", "CLOSED"),
		Run: func(e *Env) error {
			e.AddAddr(e.Client, benignAddr4)
			web := e.Listen(portServer)
			e.Listen(22)
			e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--dport", "90:100", "-j", "DROP")
			wait := e.Start(e.Client, "nmap", flag, "-Pn", "-n", "-p", "1-100", "--max-retries", "1", "-T4", ServerAddr4.String())
			benignWhile(e, wait, 10, web, func(int) netip.AddrPort { return e.ServerAP(portServer) })
			return e.Err()
		},
	}
}

// ackSweep: nmap's ACK ping finds hosts by the resets their kernels send
// to an unexpected ACK; 10 of the 40 addresses drop it.
func ackSweep(e *Env) error {
	e.AddAddr(e.Client, benignAddr4)
	hosts := firstHosts(hostsCount)
	e.AddAddr(e.Server, hosts...)
	web := e.ListenOn(netip.AddrPortFrom(netip.IPv4Unspecified(), portServer))
	rng := nthHost(30).String() + "-" + nthHost(39).String()
	e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--dport", strconv.Itoa(portServer), "--tcp-flags", "SYN,ACK,FIN,RST", "ACK",
		"-m", "iprange", "--dst-range", rng, "-j", "DROP")
	last := nthHost(hostsCount - 1).As4()
	wait := e.Start(e.Client, "nmap", "-sn", "-PA"+strconv.Itoa(portServer), "--disable-arp-ping", "-n", "--max-retries", "1", "-T4",
		fmt.Sprintf("%s-%d", hostsBase4, last[3]))
	benignWhile(e, wait, 12, web, func(i int) netip.AddrPort { return netip.AddrPortFrom(nthHost(i%4), portServer) })
	return e.Err()
}

// passwordGuessing: one client logs in to port 22 again and again, each
// session a banner, a line each way and a close; beside it a health check
// that only connects, and one long session.
func passwordGuessing(e *Env) error {
	e.AddAddr(e.Client, benignAddr4)
	l := e.Listen(22)
	server := e.ServerAP(22)
	for i := range 25 {
		c := e.Dial(portClient+uint16(i), 22)
		s := e.Accept(l)
		e.Send(s, "SSH-2.0-OpenSSH_9.2\r\n")
		e.Recv(c, 21)
		e.Exchange(c, s)
		e.Close(c)
		e.RecvEOF(s)
		e.Close(s)
	}
	for i := range 10 {
		c := e.DialFrom(netip.AddrPortFrom(benignAddr4, portClient+uint16(i)), server)
		s := e.Accept(l)
		e.Close(c)
		e.RecvEOF(s)
		e.Close(s)
	}
	c := e.DialFrom(netip.AddrPortFrom(benignAddr4, portClient+100), server)
	s := e.Accept(l)
	e.Exchange(c, s)
	e.Sleep(time.Second)
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)
	e.Close(s)
	return e.Err()
}

// benignNeighbourConns are the designed connections of benignNeighbours.
func benignNeighbourConns() []ConnAt {
	cs := benignConns(30, nthHost, portServer, "TIME_WAIT", "CLOSED")
	at := func(cport, sport uint16, client, server string) ConnAt {
		return ConnAt{Conn: Conn{cport, sport, client, server}, ClientAddr: ClientAddr4, ServerAddr: ServerAddr4}
	}
	for i := range 15 {
		cs = append(cs, at(portClient+uint16(i), 22, "TIME_WAIT", "CLOSED"))
	}
	for i := range 3 {
		cs = append(cs, at(portClient+100+uint16(i), portServer, "ESTABLISHED", "ESTABLISHED"))
	}
	for i := range 40 {
		cs = append(cs, at(portClient+200+uint16(i), 443, "TIME_WAIT", "CLOSED"))
	}
	return cs
}

// benignNeighbours: ordinary traffic the detectors must leave alone.
func benignNeighbours(e *Env) error {
	e.AddAddr(e.Client, benignAddr4)
	hosts := firstHosts(30)
	e.AddAddr(e.Server, hosts...)
	web := e.ListenOn(netip.AddrPortFrom(netip.IPv4Unspecified(), portServer))
	for i, h := range hosts { // the crawler
		benign(e, web, portClient+uint16(i), netip.AddrPortFrom(h, portServer))
	}
	ssh := e.Listen(22)
	for i := range 15 { // health checks: connect, close
		c := e.Dial(portClient+uint16(i), 22)
		s := e.Accept(ssh)
		e.Close(c)
		e.RecvEOF(s)
		e.Close(s)
		e.Sleep(10 * time.Millisecond)
	}
	for i := range 3 { // idle connections kept alive
		c := e.Dial(portClient+100+uint16(i), portServer)
		s := e.Accept(web)
		e.Exchange(c, s)
		if c != nil && s != nil {
			e.fail(c.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: time.Second, Interval: time.Second, Count: 5}))
		}
	}
	https := e.Listen(443)
	for i := range 40 { // a NAT's many clients behind one address
		c := e.Dial(portClient+200+uint16(i), 443)
		s := e.Accept(https)
		e.Exchange(c, s)
		e.Close(c)
		e.RecvEOF(s)
		e.Close(s)
	}
	e.Sleep(3500 * time.Millisecond) // keep-alive probes go out
	return e.Err()
}

// victimAddr4 is the address of the client namespace whose name a SYN
// flood forges in the backscatter scenario.
var victimAddr4 = netip.MustParseAddr("10.213.0.60")

// ordinaryConns returns n connections from the client's own address to
// server:portServer, closed by the client.
func ordinaryConns(n int, server netip.Addr) []ConnAt {
	cs := make([]ConnAt, n)
	for i := range cs {
		cs[i] = ConnAt{Conn: Conn{portClient + uint16(i), portServer, "TIME_WAIT", "CLOSED"}, ClientAddr: ClientAddr4, ServerAddr: server}
	}
	return cs
}

// backscatter: SYNs forged with the victim's address reach the servers
// over the server namespace's loopback, so the capture on the veth holds
// only the SYN-ACKs the servers send the victim, and its resets.
func backscatter(e *Env) error {
	e.AddAddr(e.Client, victimAddr4)
	hosts := firstHosts(5)
	e.AddAddr(e.Server, hosts...)
	for _, k := range []string{"net.ipv4.conf.all.rp_filter", "net.ipv4.conf.lo.rp_filter", "net.ipv4.conf.default.rp_filter"} {
		e.Sysctl(e.Server, k, "0")
	}
	web := e.ListenOn(netip.AddrPortFrom(netip.IPv4Unspecified(), portServer))
	for i := range 5 {
		c := e.DialFrom(netip.AddrPortFrom(ClientAddr4, portClient+uint16(i)), netip.AddrPortFrom(hosts[0], portServer))
		s := e.Accept(web)
		e.Exchange(c, s)
		e.Close(c)
		e.RecvEOF(s)
		e.Close(s)
	}
	for _, h := range hosts {
		e.ExecExit(e.Server, []int{1}, "hping3", "-q", "-S", "-p", strconv.Itoa(portServer), "-c", "8", "-i", "u10000",
			"-a", victimAddr4.String(), h.String())
	}
	e.Sleep(200 * time.Millisecond)
	return e.Err()
}

// resetInjection: a blind attacker on the server's side forges resets
// with a sequence number the client's window does not hold; the client's
// kernel drops them and the connection goes on.
func resetInjection(e *Env) error {
	l := e.Listen(portServer)
	c := e.Dial(portClient, portServer)
	s := e.Accept(l)
	e.Exchange(c, s)
	e.ExecExit(e.Server, []int{1}, "hping3", "-q", "-R", "-k", "-s", strconv.Itoa(portServer), "-p", strconv.Itoa(portClient),
		"-M", "1", "-c", "10", "-i", "u20000", ClientAddr4.String())
	e.Exchange(c, s)
	e.Close(c)
	e.RecvEOF(s)
	e.Close(s)
	return e.Err()
}

// closeWaitLeakConns: every third connection is closed properly by the
// server, the others are leaked.
func closeWaitLeakConns() []Conn {
	cs := make([]Conn, 31)
	for i := range cs {
		cs[i] = Conn{portClient + uint16(i), portServer, "FIN_WAIT_2", "CLOSE_WAIT"}
		if i%3 == 2 || i == 30 {
			cs[i].Client, cs[i].Server = "TIME_WAIT", "CLOSED"
		}
	}
	return cs
}

// closeWaitLeak: the client sends a request, gets a reply and closes; the
// server reads the EOF but closes only every third socket. A last
// connection, 3 s later and closed by both, keeps the capture going past
// the leaked sockets' FINs: their CLOSE_WAIT lasted.
func closeWaitLeak(e *Env) error {
	l := e.Listen(portServer)
	for i, want := range closeWaitLeakConns() {
		if i == 30 {
			e.Sleep(3 * time.Second)
		}
		c := e.Dial(want.ClientPort, portServer)
		s := e.Accept(l)
		e.Exchange(c, s)
		e.Close(c)
		e.RecvEOF(s)
		if i%3 == 2 || i == 30 {
			e.Close(s)
		}
	}
	return e.Err()
}

// timeWaitPileup: a server that closes first (HTTP/1.0 style) leaves its
// side of every connection in TIME_WAIT for 2*MSL.
func timeWaitPileup(e *Env) error {
	l := e.Listen(portServer)
	for i := range 200 {
		c := e.Dial(portClient+uint16(i), portServer)
		s := e.Accept(l)
		e.Send(s, "bye\n")
		e.Close(s)
		e.RecvEOF(c)
		e.Close(c)
	}
	// Let the last final ACK reach the server before the snapshot.
	e.WaitState(e.Server, e.ServerAP(portServer), e.ClientAP(portClient+199), "TIME_WAIT")
	return e.Err()
}
