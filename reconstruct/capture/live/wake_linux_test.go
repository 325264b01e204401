//go:build linux

package live

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
)

// TestWakeOnQuietWire: with Options.Wake, Next returns capture.ErrNoPacket
// after the read timeout while no packet comes, again and again, and the
// packet once one does.
func TestWakeOnQuietWire(t *testing.T) {
	needFilterCompiler(t)
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var src *Source
	var sink *net.UDPConn
	inNetns(t, ns, func() (err error) {
		if sink, err = udpSink(); err != nil {
			return err
		}
		port := uint16(sink.LocalAddr().(*net.UDPAddr).Port)
		src, err = Open(ctx, "lo", Options{Filter: "udp dst port " + itoa(port), ReadTimeout: 50 * time.Millisecond, Wake: true})
		return err
	})
	defer sink.Close()
	defer src.Close()
	for i := range 3 {
		start := time.Now()
		_, err := src.Next()
		if !errors.Is(err, capture.ErrNoPacket) {
			t.Fatalf("quiet read %d: %v, want capture.ErrNoPacket", i, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("quiet read %d took %v, want about the 50 ms read timeout", i, took)
		}
	}
	inNetns(t, ns, func() error { return sendUDP(sink, 1, 100) })
	for end := time.Now().Add(5 * time.Second); ; {
		p, err := src.Next()
		if err == nil {
			if len(p.Data) == 0 {
				t.Error("empty frame")
			}
			break
		}
		if !errors.Is(err, capture.ErrNoPacket) || time.Now().After(end) {
			t.Fatalf("waiting for the datagram: %v", err)
		}
	}
}
