//go:build linux

package live

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/report"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// udpSink is a bound UDP socket that never reads: datagrams sent to it are
// accepted by the stack (no ICMP answer) and seen by the capture.
func udpSink() (*net.UDPConn, error) {
	return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

// sendUDP sends n datagrams of size bytes to dst, numbered from 0 in their
// first four bytes.
func sendUDP(dst *net.UDPConn, n, size int) error {
	c, err := net.DialUDP("udp4", nil, dst.LocalAddr().(*net.UDPAddr))
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, max(size, 4))
	for i := range n {
		binary.BigEndian.PutUint32(buf, uint32(i))
		if _, err := c.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// udpSeq returns the number sendUDP wrote into a captured IPv4 UDP frame
// behind linkLen bytes of link header, if the frame is one to port.
func udpSeq(data []byte, linkLen int, port uint16) (uint32, bool) {
	if len(data) < linkLen+20 {
		return 0, false
	}
	ip := data[linkLen:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ip[9] != 17 || len(ip) < ihl+8+4 {
		return 0, false
	}
	udp := ip[ihl:]
	if binary.BigEndian.Uint16(udp[2:]) != port {
		return 0, false
	}
	return binary.BigEndian.Uint32(udp[8:]), true
}

// drain reads src until no frame has come for idle, then cancels its
// context, calling each for every frame read. It returns the frames read.
func drain(t *testing.T, src *Source, cancel context.CancelFunc, idle time.Duration, each func(capture.Packet)) int64 {
	t.Helper()
	var n atomic.Int64
	done := make(chan error, 1)
	go func() {
		for {
			p, err := src.Next()
			if err != nil {
				done <- err
				return
			}
			if each != nil {
				each(p)
			}
			n.Add(1)
		}
	}()
	for last := int64(-1); ; {
		time.Sleep(idle)
		if cur := n.Load(); cur == last {
			break
		} else {
			last = cur
		}
	}
	cancel()
	<-done
	return n.Load()
}

// seqSeen records the datagram numbers of captured frames and fails the
// test on a number seen twice.
func seqSeen(t *testing.T, linkLen int, port uint16, seen map[uint32]bool) func(capture.Packet) {
	return func(p capture.Packet) {
		if seq, ok := udpSeq(p.Data, linkLen, port); ok {
			if seen[seq] {
				t.Errorf("frame %d: datagram %d captured twice", p.Frame, seq)
			}
			seen[seq] = true
		}
	}
}

// TestBurstCountedOnce sends a known number of datagrams over loopback and
// checks that every one is returned and counted exactly once, by one
// socket and by several sharing the capture through fanout, on lo and on
// "any" (whose kernel filter is rewritten for cooked frames).
func TestBurstCountedOnce(t *testing.T) {
	needFilterCompiler(t)
	const n = 2000
	tests := []struct {
		name    string
		iface   string
		linkLen int
		sockets int
	}{
		{"lo", "lo", 14, 1},
		{"lo fanout", "lo", 14, 3},
		{"any", "any", 16, 1},
		{"any fanout", "any", 16, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := netns(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var src *Source
			var port uint16
			inNetns(t, ns, func() error {
				sink, err := udpSink()
				if err != nil {
					return err
				}
				defer sink.Close()
				port = uint16(sink.LocalAddr().(*net.UDPAddr).Port)
				src, err = Open(ctx, tt.iface, Options{Filter: "udp dst port " + itoa(port), Sockets: tt.sockets, ReadTimeout: 50 * time.Millisecond})
				if err != nil {
					return err
				}
				return sendUDP(sink, n, 100)
			})
			defer src.Close()
			seen := map[uint32]bool{}
			got := drain(t, src, cancel, 300*time.Millisecond, seqSeen(t, tt.linkLen, port, seen))
			c, err := src.Counts()
			if err != nil {
				t.Fatal(err)
			}
			if got != n || len(seen) != n || src.Frames() != n {
				t.Errorf("read %d frames (%d distinct datagrams, Frames %d), want %d", got, len(seen), src.Frames(), n)
			}
			if c != (Counts{Received: n}) {
				t.Errorf("Counts = %+v, want %d received and none dropped", c, n)
			}
		})
	}
}

// TestKernelFilterRejects checks that packets the filter rejects are
// neither returned nor counted as received: the kernel dropped them.
func TestKernelFilterRejects(t *testing.T) {
	needFilterCompiler(t)
	const match, other = 300, 700
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var src *Source
	var port uint16
	inNetns(t, ns, func() error {
		want, err := udpSink()
		if err != nil {
			return err
		}
		defer want.Close()
		skip, err := udpSink()
		if err != nil {
			return err
		}
		defer skip.Close()
		port = uint16(want.LocalAddr().(*net.UDPAddr).Port)
		if src, err = Open(ctx, "lo", Options{Filter: "udp dst port " + itoa(port), ReadTimeout: 50 * time.Millisecond}); err != nil {
			return err
		}
		if err := sendUDP(skip, other/2, 64); err != nil {
			return err
		}
		if err := sendUDP(want, match, 64); err != nil {
			return err
		}
		return sendUDP(skip, other-other/2, 64)
	})
	defer src.Close()
	seen := map[uint32]bool{}
	var strays int
	got := drain(t, src, cancel, 300*time.Millisecond, func(p capture.Packet) {
		if _, ok := udpSeq(p.Data, 14, port); !ok {
			strays++
		}
		seqSeen(t, 14, port, seen)(p)
	})
	if got != match || len(seen) != match || strays != 0 {
		t.Errorf("read %d frames, %d matching datagrams, %d others; want exactly the %d matching", got, len(seen), strays, match)
	}
	if c, err := src.Counts(); err != nil || c != (Counts{Received: match}) {
		t.Errorf("Counts = %+v, %v; want %d received (the rejected never counted), none dropped", c, err, match)
	}
}

// TestReportLiveEqualsFile analyses a live capture of TCP connections
// while saving it with Writer (as -w does), reads the file back, and
// expects the same report but for the source name and the live counters.
func TestReportLiveEqualsFile(t *testing.T) {
	needFilterCompiler(t)
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		src *Source
		ln  net.Listener
	)
	inNetns(t, ns, func() error {
		var err error
		if ln, err = net.Listen("tcp4", "127.0.0.1:0"); err != nil {
			return err
		}
		go serve(ln)
		port := itoa(uint16(ln.Addr().(*net.TCPAddr).Port))
		if src, err = Open(ctx, "lo", Options{Filter: "tcp port " + port, ReadTimeout: 50 * time.Millisecond}); err != nil {
			return err
		}
		_, err = dialAll(ln.Addr().String(), 20)
		return err
	})
	defer ln.Close()
	defer src.Close()

	file := filepath.Join(t.TempDir(), "live.pcap")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	pw, err := NewWriter(bw, src.LinkType(), 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(time.Second); cancel() }() // the connections are over by then
	live := runReport(t, src, reconstruct.Config{Sources: []string{"x"}, Packet: func(p capture.Packet) {
		if err := pw.WritePacket(p); err != nil {
			t.Error(err)
		}
	}})
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if c, _ := src.Counts(); c.Dropped != 0 || c.Received != src.Frames() {
		t.Errorf("Counts = %+v after %d frames, want every frame received once and none dropped", c, src.Frames())
	}
	fsrc, err := capture.Open([]string{file}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fsrc.Close()
	fromFile := runReport(t, fsrc, reconstruct.Config{Sources: []string{"x"}})
	if !bytes.Equal(live, fromFile) {
		t.Errorf("live report differs from the report of its -w file\nlive:\n%s\nfile:\n%s", live, fromFile)
	}
	if !bytes.Contains(live, []byte(`"client"`)) {
		t.Errorf("live report holds no connection:\n%s", live)
	}
}

// runReport runs the pipeline over src and returns its JSON report.
func runReport(t *testing.T, src capture.Source, cfg reconstruct.Config) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := report.ForFormat("json", &out, report.Options{Tool: result.Tool{Name: "wirestat", Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := reconstruct.Run(context.Background(), src, cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(res); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func itoa(v uint16) string { return strconv.Itoa(int(v)) }
