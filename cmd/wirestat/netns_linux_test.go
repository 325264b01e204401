//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netns creates a network namespace with its loopback up and removes it
// when the test ends; it skips the test without root or ip(8). Test
// traffic stays inside it.
func netns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("live capture in a network namespace needs root")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("ip (iproute2) not installed: the namespace tests need it")
	}
	name := fmt.Sprintf("wscli-%d-%d", os.Getpid(), rand.IntN(1<<30))
	if out, err := exec.Command(ip, "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ip, "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("remove namespace %s: %v: %s", name, err, out)
		}
	})
	ipIn(t, name, "link", "set", "lo", "up")
	return name
}

// ipIn runs ip(8) with args in namespace ns.
func ipIn(t *testing.T, ns string, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ip -n %s %s: %v: %s", ns, strings.Join(args, " "), err, out)
	}
}

// inNetns runs fn on an OS thread that has entered the namespace. Sockets
// keep the namespace they were created in, so listeners and connections
// made by fn live there. The thread is discarded afterwards.
func inNetns(t *testing.T, ns string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		done <- fn()
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// commandIn returns a command running name with args in namespace ns.
// listenIn listens on a free loopback port in namespace ns, closed when
// the test ends, and returns the listener and its port.
func listenIn(t *testing.T, ns string) (net.Listener, int) {
	t.Helper()
	var ln net.Listener
	inNetns(t, ns, func() (err error) {
		ln, err = net.Listen("tcp4", "127.0.0.1:0")
		return err
	})
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// halfClosed makes one connection to ln from namespace ns whose client
// writes a line and closes while the server side stays open (CLOSE_WAIT),
// and returns the server side, closed when the test ends.
func halfClosed(t *testing.T, ns string, ln net.Listener) net.Conn {
	t.Helper()
	var server net.Conn
	inNetns(t, ns, func() error {
		c, err := net.DialTimeout("tcp4", ln.Addr().String(), 2*time.Second)
		if err != nil {
			return err
		}
		if server, err = ln.Accept(); err != nil {
			return err
		}
		c.Write([]byte("hello"))
		return c.Close()
	})
	t.Cleanup(func() { server.Close() })
	return server
}

func commandIn(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// exitCode runs cmd with a deadline and returns its exit code and how
// long it took; a command still running at the deadline is killed and
// fails the test.
func exitCode(t *testing.T, cmd *exec.Cmd, deadline time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(deadline):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s still running after %v", strings.Join(cmd.Args, " "), deadline)
	}
	took := time.Since(start)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), took
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, took
}

// dialerIn returns a DialContext that dials from inside namespace ns (a
// socket keeps the namespace it was made in), for HTTP clients that reach
// servers there.
func dialerIn(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type dialed struct {
			c   net.Conn
			err error
		}
		ch := make(chan dialed, 1)
		go func() {
			runtime.LockOSThread() // the thread stays in ns and is discarded
			f, err := os.Open("/var/run/netns/" + ns)
			if err != nil {
				ch <- dialed{nil, err}
				return
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				ch <- dialed{nil, err}
				return
			}
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			ch <- dialed{c, err}
		}()
		d := <-ch
		return d.c, d.err
	}
}
