//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The scenario addresses. The client namespace holds the .1 addresses and
// the server namespace the .2 addresses, both on a /24 (/64) veth link.
var (
	ClientAddr4 = netip.MustParseAddr("10.213.0.1")
	ServerAddr4 = netip.MustParseAddr("10.213.0.2")
	ClientAddr6 = netip.MustParseAddr("fd00:213::1")
	ServerAddr6 = netip.MustParseAddr("fd00:213::2")
)

// Interface names of the veth pair inside the namespaces, and of the second
// pair an Asym scenario adds for the server-to-client path.
const (
	ClientIface  = "wsc"
	ServerIface  = "wss"
	ClientIface2 = "wsc2"
	ServerIface2 = "wss2"
)

// opTimeout bounds every socket operation of a scenario.
const opTimeout = 10 * time.Second

// Env is what a scenario's Run drives: the two namespaces, socket helpers
// that create sockets inside them, firewall rules and the capture.
//
// Env keeps the first error (like bufio.Writer): once a step fails, later
// steps do nothing and return zero values, and Err reports the failure. Run
// functions can therefore read as a plain script ending in `return e.Err()`.
type Env struct {
	ctx    context.Context
	sc     *Scenario
	dir    string
	Client *Netns
	Server *Netns

	dumps []*tcpdump // one per capture point, in Files order
	pcaps []string

	rules    []string // "<role>: iptables ..." for the record
	commands []string // "<role>: nmap ..." for the record

	mu      sync.Mutex
	err     error
	cleanup []func() // run in reverse order after the snapshot
}

// Err returns the first error of any step.
func (e *Env) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// fail records err if it is the first error, and returns true if an error
// is recorded.
func (e *Env) fail(err error) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil && err != nil {
		e.err = err
	}
	return e.err != nil
}

// failed reports whether a step has already failed.
func (e *Env) failed() bool { return e.fail(nil) }

// atEnd registers fn to run after the ss snapshot and the end of the
// capture, before the namespaces are deleted.
func (e *Env) atEnd(fn func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cleanup = append(e.cleanup, fn)
}

// ClientAP returns the client address of the scenario's family with port.
func (e *Env) ClientAP(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(e.Client.Addr, port)
}

// ServerAP returns the server address of the scenario's family with port.
func (e *Env) ServerAP(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(e.Server.Addr, port)
}

// network is "tcp4" or "tcp6" for the scenario's family.
func (e *Env) network() string {
	if e.sc.IPv6 {
		return "tcp6"
	}
	return "tcp4"
}

// StartCapture starts tcpdump in the client namespace: on its veth (or
// Scenario.Iface), or for an Asym scenario on both of its veths, one capture
// per path. Capture calls it before Run unless the scenario sets
// LateCapture; calling it again does nothing.
func (e *Env) StartCapture() {
	if e.failed() || e.dumps != nil {
		return
	}
	ifaces := []string{e.sc.Iface}
	switch {
	case e.sc.Asym:
		ifaces = []string{ClientIface, ClientIface2}
	case ifaces[0] == "":
		ifaces[0] = e.Client.Iface
	}
	for i, stem := range e.sc.Files() {
		pcap := filepath.Join(e.dir, stem+".pcap")
		d, err := startTcpdump(e.ctx, e.Client, ifaces[i], e.sc.LinkType, e.sc.BufferKiB, pcap)
		if e.fail(err) {
			return
		}
		e.dumps = append(e.dumps, d)
		e.pcaps = append(e.pcaps, pcap)
	}
}

// Sleep pauses the scenario, for instance to let a retransmission happen.
func (e *Env) Sleep(d time.Duration) {
	if e.failed() {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-e.ctx.Done():
		e.fail(e.ctx.Err())
	}
}

// Rule adds a firewall rule in ns with iptables, or ip6tables for an IPv6
// scenario, for example e.Rule(e.Server, "-A", "INPUT", "-p", "tcp", "--syn", "-j", "DROP").
func (e *Env) Rule(ns *Netns, args ...string) {
	if e.failed() {
		return
	}
	tool := "iptables"
	if e.sc.IPv6 {
		tool = "ip6tables"
	}
	_, err := ns.command(e.ctx, tool, append([]string{"-w"}, args...)...)
	if !e.fail(err) {
		e.rules = append(e.rules, ns.Role+": "+tool+" "+strings.Join(args, " "))
	}
}

// Listen opens a listener on the server address and port.
func (e *Env) Listen(port uint16) *net.TCPListener {
	return e.ListenOn(e.ServerAP(port))
}

// ListenOn opens a listener in the server namespace on ap, which may be an
// unspecified address (0.0.0.0:445 answers on every server address).
func (e *Env) ListenOn(ap netip.AddrPort) *net.TCPListener {
	if e.failed() {
		return nil
	}
	var l *net.TCPListener
	err := e.Server.Do(func() error {
		var err error
		l, err = net.ListenTCP(e.network(), net.TCPAddrFromAddrPort(ap))
		return err
	})
	if e.fail(err) {
		return nil
	}
	e.atEnd(func() { _ = l.Close() })
	return l
}

// Accept accepts one connection on l.
func (e *Env) Accept(l *net.TCPListener) *net.TCPConn {
	if e.failed() {
		return nil
	}
	_ = l.SetDeadline(time.Now().Add(opTimeout))
	c, err := l.AcceptTCP()
	if e.fail(err) {
		return nil
	}
	_ = c.SetDeadline(time.Now().Add(opTimeout))
	e.atEnd(func() { _ = c.Close() })
	return c
}

// dialer returns a dialer bound to local; reuse sets SO_REUSEADDR so that
// the port can be bound again while a previous connection from it is in
// TIME_WAIT.
func (e *Env) dialer(local netip.AddrPort, reuse bool) *net.Dialer {
	d := &net.Dialer{
		LocalAddr: net.TCPAddrFromAddrPort(local),
		Timeout:   opTimeout,
	}
	if reuse {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			})
			return errors.Join(err, serr)
		}
	}
	return d
}

// dial connects from the client namespace.
func (e *Env) dial(ctx context.Context, cport, sport uint16, reuse bool) (*net.TCPConn, error) {
	return e.dialFrom(ctx, e.ClientAP(cport), e.ServerAP(sport), reuse)
}

// dialFrom connects from local, an address of the client namespace, to
// remote.
func (e *Env) dialFrom(ctx context.Context, local, remote netip.AddrPort, reuse bool) (*net.TCPConn, error) {
	var c net.Conn
	err := e.Client.Do(func() error {
		var err error
		c, err = e.dialer(local, reuse).DialContext(ctx, e.network(), remote.String())
		return err
	})
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	_ = tc.SetDeadline(time.Now().Add(opTimeout))
	e.atEnd(func() { _ = tc.Close() })
	return tc, nil
}

// Dial connects from client port cport to server port sport.
func (e *Env) Dial(cport, sport uint16) *net.TCPConn {
	if e.failed() {
		return nil
	}
	c, err := e.dial(e.ctx, cport, sport, false)
	if e.fail(err) {
		return nil
	}
	return c
}

// DialFrom connects from local, which may be any address of the client
// namespace (see AddAddr), to remote.
func (e *Env) DialFrom(local, remote netip.AddrPort) *net.TCPConn {
	if e.failed() {
		return nil
	}
	c, err := e.dialFrom(e.ctx, local, remote, false)
	if e.fail(err) {
		return nil
	}
	return c
}

// DialReuseAddr is Dial with SO_REUSEADDR set before bind.
func (e *Env) DialReuseAddr(cport, sport uint16) *net.TCPConn {
	if e.failed() {
		return nil
	}
	c, err := e.dial(e.ctx, cport, sport, true)
	if e.fail(err) {
		return nil
	}
	return c
}

// DialRefused connects to a port without a listener and expects the
// connection to be refused.
func (e *Env) DialRefused(cport, sport uint16) {
	if e.failed() {
		return
	}
	c, err := e.dial(e.ctx, cport, sport, false)
	switch {
	case err == nil:
		_ = c.Close()
		e.fail(fmt.Errorf("dial %v: connected, want connection refused", e.ServerAP(sport)))
	case !errors.Is(err, syscall.ECONNREFUSED):
		e.fail(fmt.Errorf("dial %v: %w, want connection refused", e.ServerAP(sport), err))
	}
}

// DialPending starts a connection attempt that is left pending: the SYN is
// sent and the call returns once the client endpoint is in SYN_SENT. The
// attempt is abandoned after the snapshot.
func (e *Env) DialPending(cport, sport uint16) {
	if e.failed() {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := e.dial(ctx, cport, sport, false)
		if err == nil {
			_ = c.Close()
		}
	}()
	e.atEnd(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	})
	e.WaitState(e.Client, e.ClientAP(cport), e.ServerAP(sport), "SYN_SENT")
}

// Exchange sends a request from the client and a response from the server.
func (e *Env) Exchange(c, s *net.TCPConn) {
	e.Send(c, "hello\n")
	e.Recv(s, len("hello\n"))
	e.Send(s, "world\n")
	e.Recv(c, len("world\n"))
}

// Send writes msg to c.
func (e *Env) Send(c *net.TCPConn, msg string) {
	if e.failed() {
		return
	}
	_, err := io.WriteString(c, msg)
	e.fail(err)
}

// Recv reads exactly n bytes from c.
func (e *Env) Recv(c *net.TCPConn, n int) {
	if e.failed() {
		return
	}
	_, err := io.ReadFull(c, make([]byte, n))
	e.fail(err)
}

// RecvEOF reads from c until the peer's FIN.
func (e *Env) RecvEOF(c *net.TCPConn) {
	if e.failed() {
		return
	}
	_, err := io.Copy(io.Discard, c)
	e.fail(err)
}

// RecvReset reads from c and expects the connection to be reset.
func (e *Env) RecvReset(c *net.TCPConn) {
	if e.failed() {
		return
	}
	_, err := io.Copy(io.Discard, c)
	if !errors.Is(err, syscall.ECONNRESET) {
		e.fail(fmt.Errorf("read after peer abort: %v, want connection reset", err))
	}
}

// Close closes c (sending a FIN, or a RST after Abort set SO_LINGER 0).
func (e *Env) Close(c *net.TCPConn) {
	if e.failed() {
		return
	}
	e.fail(c.Close())
}

// CloseWrite shuts down the sending side of c (a FIN, reading goes on).
func (e *Env) CloseWrite(c *net.TCPConn) {
	if e.failed() {
		return
	}
	e.fail(c.CloseWrite())
}

// Abort closes c with SO_LINGER 0, which sends a RST.
func (e *Env) Abort(c *net.TCPConn) {
	if e.failed() {
		return
	}
	if e.fail(c.SetLinger(0)) {
		return
	}
	e.fail(c.Close())
}

// WaitState polls ss in ns until the endpoint (local, peer) is in state
// ("CLOSED" meaning absent), for at most three seconds.
func (e *Env) WaitState(ns *Netns, local, peer netip.AddrPort, state string) {
	if e.failed() {
		return
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		socks, _, err := snapshotSS(e.ctx, ns)
		if e.fail(err) {
			return
		}
		got := stateOf(socks, local, peer)
		if got == state {
			return
		}
		if time.Now().After(deadline) {
			e.fail(fmt.Errorf("%s %v -> %v: still %s after 3s, want %s", ns.Role, local, peer, got, state))
			return
		}
		e.Sleep(50 * time.Millisecond)
	}
}

// Hold binds NFQUEUE queue in ns for a rule that delays packets; it is
// closed after the snapshot.
func (e *Env) Hold(ns *Netns, queue uint16) *Holder {
	if e.failed() {
		return nil
	}
	h, err := Hold(ns, queue)
	if e.fail(err) {
		return nil
	}
	e.atEnd(h.Close)
	return h
}

// snapshotSS runs `ss -tanH` in ns and parses it.
func snapshotSS(ctx context.Context, ns *Netns) ([]Socket, string, error) {
	out, err := ns.command(ctx, "ss", "-tanH")
	if err != nil {
		return nil, "", err
	}
	socks, err := ParseSS(out)
	if err != nil {
		return nil, out, fmt.Errorf("ss in %s: %w", ns.Name, err)
	}
	return socks, out, nil
}

// stateOf returns the state of the endpoint (local, peer) in socks, or
// CLOSED when ss does not list it.
func stateOf(socks []Socket, local, peer netip.AddrPort) string {
	for _, s := range socks {
		if s.Local == local && s.Peer == peer {
			return s.State
		}
	}
	return "CLOSED"
}
