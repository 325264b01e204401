//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// netnsDir is where ip-netns(8) keeps the bind mounts of named namespaces.
const netnsDir = "/run/netns"

// Netns is one named network namespace of a scenario.
type Netns struct {
	Name  string     // ip-netns name, unique per run
	Role  string     // "client" or "server"
	Iface string     // the namespace's end of the veth pair
	Addr  netip.Addr // the scenario's address on Iface
}

// ErrMissing is wrapped by Available when something the scenarios need is
// absent.
var ErrMissing = errors.New("e2e prerequisites missing")

// Available reports whether scenarios can run here: it needs root and the
// ip, tcpdump, iptables, ip6tables and ss programs.
func Available() error {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root privileges")
	}
	for _, tool := range []string{"ip", "tcpdump", "iptables", "ip6tables", "ss"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissing, strings.Join(missing, ", "))
	}
	return nil
}

// randSuffix returns a short random hex string for namespace names.
func randSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// run executes a command and returns its standard output, folding standard
// error into the returned error.
func run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// command runs a program inside the namespace with ip netns exec.
func (n *Netns) command(ctx context.Context, name string, args ...string) (string, error) {
	return run(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Do runs fn on an OS thread that has entered the namespace. Sockets fn
// creates belong to the namespace for their whole life and may be used from
// any goroutine afterwards. fn must not start goroutines that create
// sockets: they would run on other threads, in the original namespace.
func (n *Netns) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: when this goroutine returns, the
		// runtime discards the thread instead of reusing it elsewhere in
		// the wrong namespace.
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join(netnsDir, n.Name))
		if err != nil {
			errc <- fmt.Errorf("open namespace %s: %w", n.Name, err)
			return
		}
		defer f.Close()
		if sysSetns < 0 {
			errc <- errors.New("setns: unsupported architecture")
			return
		}
		if _, _, e := syscall.RawSyscall(uintptr(sysSetns), f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
			errc <- fmt.Errorf("setns %s: %w", n.Name, e)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// sysctl writes a value under /proc/sys/net from inside the namespace.
func (n *Netns) sysctl(key, value string) error {
	return n.Do(func() error {
		p := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
		if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
			return fmt.Errorf("sysctl %s in %s: %w", key, n.Name, err)
		}
		return nil
	})
}
