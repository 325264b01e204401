//go:build linux

package live

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/filter"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
)

// netns creates a network namespace with its loopback up and removes it
// when the test ends. Test traffic stays inside it.
func netns(t *testing.T) string {
	t.Helper()
	testenv.Root(t)
	ip := testenv.Tool(t, "ip")
	name := fmt.Sprintf("wslive-%d-%d", os.Getpid(), rand.IntN(1<<30))
	if out, err := exec.Command(ip, "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace (%v: %s); live capture tests need one", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ip, "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("remove namespace %s: %v: %s", name, err, out)
		}
	})
	if out, err := exec.Command(ip, "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("bring up lo in %s: %v: %s", name, err, out)
	}
	return name
}

// inNetns runs fn on an OS thread that has entered the namespace. Sockets
// keep the namespace they were created in, so captures, listeners and
// dialled connections made by fn live there. The thread is discarded
// afterwards (the goroutine exits still locked to it).
func inNetns(t *testing.T, name string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/var/run/netns/" + name)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", name, err)
			return
		}
		done <- fn()
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// serve accepts connections until the listener closes, reading each until
// the peer closes it.
func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.Copy(io.Discard, c)
		}()
	}
}

// dialAll opens n connections to addr, sends a few bytes on each and
// closes them, returning the client ports.
func dialAll(addr string, n int) ([]uint16, error) {
	var ports []uint16
	for range n {
		c, err := net.DialTimeout("tcp4", addr, 2*time.Second)
		if err != nil {
			return nil, err
		}
		ports = append(ports, uint16(c.LocalAddr().(*net.TCPAddr).Port))
		_, _ = c.Write([]byte("hello"))
		c.Close()
	}
	return ports, nil
}

// segment is the TCP part of a captured IPv4 frame.
type segment struct {
	sport, dport uint16
	flags        uint8
}

const (
	flagSYN = 0x02
	flagACK = 0x10
)

// parseTCP extracts ports and flags from an IPv4 TCP packet behind a link
// header of linkLen bytes.
func parseTCP(data []byte, linkLen int) (segment, bool) {
	if len(data) < linkLen+20 {
		return segment{}, false
	}
	ip := data[linkLen:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ip[9] != 6 || len(ip) < ihl+14 {
		return segment{}, false
	}
	tcp := ip[ihl:]
	return segment{binary.BigEndian.Uint16(tcp[0:]), binary.BigEndian.Uint16(tcp[2:]), tcp[13]}, true
}

// handshakes reads frames until it has seen the SYN, SYN-ACK and first ACK
// of every client port, failing on a duplicate SYN (loopback frames must
// appear once, not once outgoing and once incoming).
func handshakes(t *testing.T, src *Source, linkLen int, server uint16, clients []uint16) {
	t.Helper()
	type seen struct{ syn, synack, ack int }
	got := map[uint16]*seen{}
	for _, p := range clients {
		got[p] = &seen{}
	}
	complete := func() bool {
		for _, s := range got {
			if s.syn == 0 || s.synack == 0 || s.ack == 0 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(10 * time.Second)
	var frame int64
	for !complete() {
		if time.Now().After(deadline) {
			t.Fatalf("handshakes not all captured after %d frames: %+v", frame, got)
		}
		p, err := src.Next()
		if err != nil {
			t.Fatalf("Next after %d frames: %v", frame, err)
		}
		frame++
		if p.Frame != frame || src.Frames() != frame {
			t.Fatalf("frame number %d (Frames %d), want %d", p.Frame, src.Frames(), frame)
		}
		if p.LinkType != src.LinkType() || p.CaptureLength != len(p.Data) || p.Length < p.CaptureLength {
			t.Fatalf("frame %d: link type %d, caplen %d of %d bytes, length %d", frame, p.LinkType, p.CaptureLength, len(p.Data), p.Length)
		}
		if d := time.Since(p.Timestamp); d < 0 || d > time.Minute || p.Timestamp.Location() != time.UTC {
			t.Fatalf("frame %d: timestamp %v is not a recent UTC time", frame, p.Timestamp)
		}
		seg, ok := parseTCP(p.Data, linkLen)
		if !ok {
			continue
		}
		switch {
		case seg.dport == server && seg.flags&(flagSYN|flagACK) == flagSYN:
			if s := got[seg.sport]; s != nil {
				s.syn++
				if s.syn > 1 {
					t.Fatalf("frame %d: second SYN from port %d (duplicate loopback frame?)", frame, seg.sport)
				}
			}
		case seg.sport == server && seg.flags&(flagSYN|flagACK) == flagSYN|flagACK:
			if s := got[seg.dport]; s != nil {
				s.synack++
			}
		case seg.dport == server && seg.flags&(flagSYN|flagACK) == flagACK:
			if s := got[seg.sport]; s != nil && s.synack > 0 {
				s.ack++
			}
		}
	}
}

// expectEOFAfterCancel cancels the capture's context while Next waits for
// traffic that never comes, and checks that Next returns io.EOF within a
// second.
func expectEOFAfterCancel(t *testing.T, src *Source, cancel context.CancelFunc) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := src.Next(); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // let Next drain and block in a read
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("Next after cancel: %v, want io.EOF", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Next took %v to return io.EOF after cancel", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Next did not return within 2s of cancel")
	}
}

func TestCaptureLoopbackHandshakes(t *testing.T) {
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var (
		src     *Source
		ln      net.Listener
		clients []uint16
	)
	inNetns(t, ns, func() error {
		var err error
		src, err = Open(ctx, "lo", Options{Promisc: true, ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		ln, err = net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go serve(ln)
		clients, err = dialAll(ln.Addr().String(), 3)
		return err
	})
	defer ln.Close()
	defer src.Close()
	var _ capture.Source = src

	if src.LinkType() != capture.LinkEthernet {
		t.Fatalf("lo link type %d, want Ethernet (%d)", src.LinkType(), capture.LinkEthernet)
	}
	server := uint16(ln.Addr().(*net.TCPAddr).Port)
	handshakes(t, src, 14, server, clients)

	received, dropped, err := src.Stats()
	if err != nil || received < src.Frames() || dropped != 0 {
		t.Errorf("Stats = %d received, %d dropped, %v; want at least %d received, none dropped", received, dropped, err, src.Frames())
	}

	expectEOFAfterCancel(t, src, cancel)
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if r, _, err := src.Stats(); err != nil || r < received {
		t.Errorf("Stats after Close = %d, %v; want the final count", r, err)
	}
}

func TestCaptureAnyIsCooked(t *testing.T) {
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var (
		src     *Source
		ln      net.Listener
		clients []uint16
	)
	inNetns(t, ns, func() error {
		var err error
		src, err = Open(ctx, "any", Options{ReadTimeout: 100 * time.Millisecond})
		if err != nil {
			return err
		}
		ln, err = net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go serve(ln)
		clients, err = dialAll(ln.Addr().String(), 2)
		return err
	})
	defer ln.Close()
	defer src.Close()

	if src.LinkType() != capture.LinkLinuxSLL {
		t.Fatalf("any link type %d, want Linux cooked (%d)", src.LinkType(), capture.LinkLinuxSLL)
	}
	handshakes(t, src, 16, uint16(ln.Addr().(*net.TCPAddr).Port), clients)
	expectEOFAfterCancel(t, src, cancel)
}

func TestSnaplenTruncates(t *testing.T) {
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var src *Source
	inNetns(t, ns, func() error {
		var err error
		if src, err = Open(ctx, "lo", Options{Snaplen: 40, ReadTimeout: 100 * time.Millisecond}); err != nil {
			return err
		}
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.WriteTo(make([]byte, 200), c.LocalAddr())
		return err
	})
	defer src.Close()
	p, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := 14 + 20 + 8 + 200; p.CaptureLength != 40 || len(p.Data) != 40 || p.Length != want {
		t.Errorf("caplen %d (%d bytes), length %d; want 40 bytes of %d", p.CaptureLength, len(p.Data), p.Length, want)
	}
}

func TestOpenUnknownInterface(t *testing.T) {
	_, err := Open(context.Background(), "wsnosuch0", Options{})
	if err == nil || !strings.Contains(err.Error(), `"wsnosuch0"`) {
		t.Errorf("Open of a missing interface: err = %v, want one naming it", err)
	}
}

// needFilterCompiler skips the test unless this build can compile capture
// filters here (tcpdump in PATH, or a build with -tags libpcap).
func needFilterCompiler(t *testing.T) {
	t.Helper()
	if !filter.CanCompile(capture.LinkEthernet) {
		t.Skip("compiling capture filters needs tcpdump in PATH (apt-get install tcpdump; .ci/run does) or a build with -tags libpcap")
	}
}
