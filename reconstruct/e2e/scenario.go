//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Conn names one connection of a scenario by its ports and the final states
// the scenario is designed to leave its two endpoints in.
type Conn struct {
	ClientPort, ServerPort uint16
	Client, Server         string // RFC 9293 state names; CLOSED for absent
}

// ConnAt is a Conn between other addresses than the namespaces' own (see
// Env.AddAddr); a zero address means the namespace's.
type ConnAt struct {
	Conn
	ClientAddr, ServerAddr netip.Addr
}

// endpoints returns the client and server address and port of c in e.
func (c ConnAt) endpoints(e *Env) (client, server netip.AddrPort) {
	client, server = e.ClientAP(c.ClientPort), e.ServerAP(c.ServerPort)
	if c.ClientAddr.IsValid() {
		client = netip.AddrPortFrom(c.ClientAddr, c.ClientPort)
	}
	if c.ServerAddr.IsValid() {
		server = netip.AddrPortFrom(c.ServerAddr, c.ServerPort)
	}
	return client, server
}

// Scenario is one reproducible piece of kernel TCP traffic.
type Scenario struct {
	Name     string // file name stem: <Name>.pcap
	Doc      string // one line: what the capture shows
	IPv6     bool   // use the fd00:213::/64 addresses instead of 10.213.0.0/24
	Iface    string // capture interface in the client namespace; default the veth
	LinkType string // tcpdump -y value, for "any" captures
	// BufferKiB is tcpdump's capture buffer (-B) for scenarios whose tools
	// send bursts (a scan, a flood, a pile-up of short connections);
	// default defaultBufferKiB.
	BufferKiB   int
	LateCapture bool // Run calls Env.StartCapture itself (midstream pickup)
	// Asym routes the two directions over two veth pairs and captures
	// each path on its own (see setupAsym): the files are Files().
	Asym  bool
	Flaky bool // the kernel may legitimately end in other states
	// Needs lists the programs Run starts beyond those Available checks
	// (nmap, hping3).
	Needs []string
	// Device is a network device ("ip link add DEV type" arguments) the
	// kernel must be able to create: the tunnel scenarios' vxlan, geneve,
	// gretap and sit devices.
	Device []string
	// ToolPorts marks a scenario whose traffic partly comes from a tool
	// that picks its own ports (a scanner, a flood generator): kernel
	// sockets outside Want are recorded in States but are no mismatch.
	ToolPorts bool
	Want      []Conn   // the connections and their designed final states
	WantAt    []ConnAt // more of them, between other addresses
	Run       func(*Env) error
}

// designed returns Want and WantAt together.
func (s *Scenario) designed() []ConnAt {
	all := make([]ConnAt, 0, len(s.Want)+len(s.WantAt))
	for _, c := range s.Want {
		all = append(all, ConnAt{Conn: c})
	}
	return append(all, s.WantAt...)
}

// Snapshot is the ss output of one namespace at the end of a scenario.
type Snapshot struct {
	Namespace string
	Role      string // "client" or "server"
	Iface     string
	Addr      netip.Addr
	Raw       string   // ss -tanH output, verbatim
	Sockets   []Socket // Raw parsed
}

// Header is the comment line that introduces the snapshot in .ss.txt files.
func (s Snapshot) Header() string {
	return fmt.Sprintf("# %s namespace %s, %s %s: ss -tanH", s.Role, s.Namespace, s.Iface, s.Addr)
}

// Outcome is what Capture produced: the capture file, the kernel's view of
// every endpoint, and where it differs from the scenario's design.
type Outcome struct {
	Scenario string
	Pcap     string   // path of the capture; of the first one for an Asym scenario
	Command  []string // the tcpdump command line of Pcap
	// Cuts are the captures of an Asym scenario, one per path, in
	// Scenario.Files order; nil for other scenarios.
	Cuts  []Cut
	Rules []string // firewall rules added, "<role>: iptables ..."
	// Commands lists the other programs run in the namespaces, in order,
	// as "<role>: nmap ...".
	Commands  []string
	Info      PcapInfo
	Snapshots []Snapshot // client namespace first, then server
	// States holds the kernel state of every endpoint of the scenario's
	// connections (CLOSED when absent from ss) and of every other
	// connection socket ss listed. Listeners are not included.
	States map[Endpoint]string
	// Mismatches lists endpoints whose kernel state differs from the
	// scenario's Want; empty when the scenario did what it was built for.
	Mismatches []string
}

// Cut is one of the captures of an Asym scenario.
type Cut struct {
	Name    string // file name stem, <scenario>-c2s or <scenario>-s2c
	Pcap    string
	Command []string
	Info    PcapInfo
}

// Endpoints returns States sorted by local then peer address.
func (o *Outcome) Endpoints() []EndpointState {
	eps := make([]EndpointState, 0, len(o.States))
	for ep, st := range o.States {
		eps = append(eps, EndpointState{Endpoint: ep, State: st})
	}
	sortEndpoints(eps)
	return eps
}

// SSText returns the ss snapshots as written to <name>.ss.txt: for each
// namespace a Snapshot.Header line followed by the raw ss output.
func (o *Outcome) SSText() string {
	var b strings.Builder
	for _, s := range o.Snapshots {
		b.WriteString(s.Header() + "\n")
		b.WriteString(s.Raw)
		if s.Raw != "" && !strings.HasSuffix(s.Raw, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// State returns the kernel state of the endpoint (local, peer) and whether
// the endpoint belongs to the scenario at all.
func (o *Outcome) State(local, peer netip.AddrPort) (string, bool) {
	st, ok := o.States[Endpoint{local, peer}]
	return st, ok
}

// settleTimeout bounds the wait for a scenario's designed final states.
const settleTimeout = 3 * time.Second

// scenarioTimeout bounds a whole scenario.
const scenarioTimeout = 45 * time.Second

// Capture runs the scenario in fresh namespaces, writes <dir>/<Name>.pcap
// and returns the outcome. It waits (bounded) for the designed final states,
// then snapshots ss in both namespaces while the capture still runs, stops
// the capture, closes every socket and deletes the namespaces. A scenario
// ending in other states than designed is not an error: the outcome records
// the kernel's states and the mismatches. A run whose capture lost packets
// (ErrCaptureLoss, which happens when tcpdump is starved of CPU on a busy
// machine) is repeated after a pause that grows, up to five runs in all.
func (s Scenario) Capture(dir string) (*Outcome, error) {
	var err error
	for attempt := range 5 {
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
		var out *Outcome
		out, err = s.captureOnce(dir)
		if !errors.Is(err, ErrCaptureLoss) {
			return out, err
		}
	}
	return nil, err
}

// captureOnce is one run of Capture.
func (s Scenario) captureOnce(dir string) (out *Outcome, err error) {
	if err := s.available(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	e := &Env{ctx: ctx, sc: &s, dir: dir}
	if err := e.setup(); err != nil {
		return nil, errors.Join(err, e.teardown())
	}
	defer func() { err = errors.Join(err, e.teardown()) }()

	if !s.LateCapture {
		e.StartCapture()
	}
	if err := e.Err(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	if err := s.Run(e); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	if e.dumps == nil {
		return nil, fmt.Errorf("scenario %s: capture never started", s.Name)
	}
	out = &Outcome{Scenario: s.Name, Pcap: e.pcaps[0], Command: e.dumps[0].args, Rules: e.rules, Commands: e.commands}
	e.settle()
	for _, ns := range []*Netns{e.Client, e.Server} {
		socks, raw, err := snapshotSS(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		out.Snapshots = append(out.Snapshots, Snapshot{
			Namespace: ns.Name, Role: ns.Role, Iface: ns.Iface, Addr: ns.Addr, Raw: raw, Sockets: socks,
		})
	}
	dumps := e.dumps
	e.dumps = nil
	for _, d := range dumps {
		err = errors.Join(err, d.stop())
	}
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	for i, pcap := range e.pcaps {
		info, err := ReadPcapInfo(pcap)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		if i == 0 {
			out.Info = info
		}
		if s.Asym {
			out.Cuts = append(out.Cuts, Cut{Name: s.Files()[i], Pcap: pcap, Command: dumps[i].args, Info: info})
		}
	}
	out.States, out.Mismatches = e.judge(out.Snapshots)
	return out, nil
}

// settle waits until every endpoint of Want is in its designed state, or
// settleTimeout passes.
func (e *Env) settle() {
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		var snaps []Snapshot
		for _, ns := range []*Netns{e.Client, e.Server} {
			socks, _, err := snapshotSS(e.ctx, ns)
			if err != nil {
				return
			}
			snaps = append(snaps, Snapshot{Role: ns.Role, Sockets: socks})
		}
		if _, bad := e.judge(snaps); len(bad) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// judge computes the endpoint states from client and server snapshots and
// lists the differences from Want.
func (e *Env) judge(snaps []Snapshot) (map[Endpoint]string, []string) {
	states := make(map[Endpoint]string)
	var bad []string
	for _, c := range e.sc.designed() {
		cl, sv := c.endpoints(e)
		for _, side := range []struct {
			snap        Snapshot
			local, peer netip.AddrPort
			want        string
		}{
			{snaps[0], cl, sv, c.Client},
			{snaps[1], sv, cl, c.Server},
		} {
			got := stateOf(side.snap.Sockets, side.local, side.peer)
			states[Endpoint{side.local, side.peer}] = got
			if got != side.want {
				bad = append(bad, fmt.Sprintf("%s %v -> %v: kernel %s, designed %s", side.snap.Role, side.local, side.peer, got, side.want))
			}
		}
	}
	for _, snap := range snaps {
		for _, so := range snap.Sockets {
			if so.Listening() {
				continue
			}
			ep := Endpoint{so.Local, so.Peer}
			if _, ok := states[ep]; !ok {
				states[ep] = so.State
				if e.sc.ToolPorts {
					continue
				}
				bad = append(bad, fmt.Sprintf("%s %v -> %v: kernel %s, not designed", snap.Role, so.Local, so.Peer, so.State))
			}
		}
	}
	return states, bad
}

// setup creates the namespaces and the veth pair (two for an Asym
// scenario) and configures addresses and routes.
func (e *Env) setup() error {
	sfx := randSuffix()
	e.Client = &Netns{Name: "wsA-" + sfx, Role: "client", Iface: ClientIface, Addr: ClientAddr4}
	e.Server = &Netns{Name: "wsB-" + sfx, Role: "server", Iface: ServerIface, Addr: ServerAddr4}
	prefix := "/24"
	if e.sc.IPv6 {
		e.Client.Addr, e.Server.Addr, prefix = ClientAddr6, ServerAddr6, "/64"
	}
	for _, ns := range []*Netns{e.Client, e.Server} {
		if _, err := run(e.ctx, "ip", "netns", "add", ns.Name); err != nil {
			return err
		}
		// Set before the veth exists so that it inherits the defaults:
		// IPv4 scenarios carry no IPv6 at all; IPv6 ones send no router
		// solicitations and do no duplicate address detection.
		kv := [][2]string{{"net.ipv6.conf.default.disable_ipv6", "1"}}
		if e.sc.IPv6 {
			kv = [][2]string{
				{"net.ipv6.conf.default.accept_ra", "0"},
				{"net.ipv6.conf.default.router_solicitations", "0"},
				{"net.ipv6.conf.default.accept_dad", "0"},
			}
		}
		for _, p := range kv {
			if err := ns.sysctl(p[0], p[1]); err != nil {
				return err
			}
		}
	}
	if _, err := run(e.ctx, "ip", "link", "add", ClientIface, "netns", e.Client.Name, "type", "veth",
		"peer", "name", ServerIface, "netns", e.Server.Name); err != nil {
		return err
	}
	for _, ns := range []*Netns{e.Client, e.Server} {
		args := []string{"-n", ns.Name, "addr", "add", ns.Addr.String() + prefix, "dev", ns.Iface}
		if e.sc.IPv6 {
			args = append(args, "nodad")
		}
		for _, a := range [][]string{
			args,
			{"-n", ns.Name, "link", "set", "lo", "up"},
			{"-n", ns.Name, "link", "set", ns.Iface, "up"},
		} {
			if _, err := run(e.ctx, "ip", a...); err != nil {
				return err
			}
		}
	}
	if e.sc.Asym {
		return e.setupAsym()
	}
	return nil
}

// teardown stops the capture if it still runs, runs the registered
// cleanups and deletes the namespaces.
func (e *Env) teardown() error {
	for _, d := range e.dumps {
		d.kill()
	}
	e.dumps = nil
	e.mu.Lock()
	fns := e.cleanup
	e.cleanup = nil
	e.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
	var errs []string
	for _, ns := range []*Netns{e.Client, e.Server} {
		if ns == nil {
			continue
		}
		// A fresh context: teardown must run even after a timeout.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := run(ctx, "ip", "netns", "del", ns.Name)
		cancel()
		if err != nil && !strings.Contains(err.Error(), "No such file") {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("teardown: %s", strings.Join(errs, "; "))
	}
	return nil
}
