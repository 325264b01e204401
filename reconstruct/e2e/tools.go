//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// available reports the programs of s.Needs that are not installed.
func (s Scenario) available() error {
	var missing []string
	for _, tool := range s.Needs {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(s.Device) > 0 && !deviceAvailable(s.Device) {
		missing = append(missing, "kernel support for "+s.Device[0]+" devices")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissing, strings.Join(missing, ", "))
	}
	return nil
}

// deviceAvailable reports whether the kernel can create a network device
// of this type and arguments (vxlan, geneve...), by creating one in a
// throwaway namespace: a kind without kernel support fails with
// "Unknown device type".
func deviceAvailable(device []string) bool {
	ns := "wsP-" + randSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := run(ctx, "ip", "netns", "add", ns); err != nil {
		return false
	}
	defer run(ctx, "ip", "netns", "del", ns) //nolint:errcheck // best effort
	_, err := run(ctx, "ip", append([]string{"-n", ns, "link", "add", "wsprobe0", "type"}, device...)...)
	return err == nil
}

// record notes a command run in ns for the outcome.
func (e *Env) record(ns *Netns, name string, args []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.commands = append(e.commands, ns.Role+": "+name+" "+strings.Join(args, " "))
}

// AddAddr adds addresses to the namespace's veth, with the prefix length of
// the scenario's link (/24 or /64), so that they are reachable across the
// veth like the namespace's own address.
func (e *Env) AddAddr(ns *Netns, addrs ...netip.Addr) {
	prefix := "/24"
	if e.sc.IPv6 {
		prefix = "/64"
	}
	for _, a := range addrs {
		if e.failed() {
			return
		}
		args := []string{"addr", "add", a.String() + prefix, "dev", ns.Iface}
		if e.sc.IPv6 {
			args = append(args, "nodad")
		}
		_, err := run(e.ctx, "ip", append([]string{"-n", ns.Name}, args...)...)
		if !e.fail(err) {
			e.record(ns, "ip", args)
		}
	}
}

// Sysctl sets a per-namespace kernel parameter, for example
// e.Sysctl(e.Server, "net.ipv4.tcp_syncookies", "0").
func (e *Env) Sysctl(ns *Netns, key, value string) {
	if e.failed() {
		return
	}
	if !e.fail(ns.sysctl(key, value)) {
		e.record(ns, "sysctl", []string{"-w", key + "=" + value})
	}
}

// Exec runs a program in ns and waits for it to exit; see Start.
func (e *Env) Exec(ns *Netns, name string, args ...string) {
	e.start(ns, nil, name, args...)()
}

// ExecExit is Exec for a program whose exit statuses in ok are no failure
// either (hping3 exits with 1 when nothing answered).
func (e *Env) ExecExit(ns *Netns, ok []int, name string, args ...string) {
	e.start(ns, ok, name, args...)()
}

// Start starts a program in ns (ip netns exec) and returns a function that
// waits for it to exit and records a failure (a non-zero exit status) with
// the program's output. The program is killed by its PID if it outlives the
// scenario's deadline; wait returns at the latest then.
func (e *Env) Start(ns *Netns, name string, args ...string) (wait func()) {
	return e.start(ns, nil, name, args...)
}

func (e *Env) start(ns *Netns, ok []int, name string, args ...string) (wait func()) {
	if e.failed() {
		return func() {}
	}
	cmd := exec.CommandContext(e.ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if e.fail(cmd.Start()) {
		return func() {}
	}
	e.record(ns, name, args)
	done := false
	return func() {
		if done {
			return
		}
		done = true
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) && slices.Contains(ok, exit.ExitCode()) {
			err = nil
		}
		if err != nil {
			if errors.Is(e.ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("%w (scenario deadline)", err)
			}
			e.fail(fmt.Errorf("%s %s in %s: %w: %s", name, strings.Join(args, " "), ns.Name, err, strings.TrimSpace(out.String())))
		}
	}
}
