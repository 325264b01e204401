//go:build linux && !libpcap

package live

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestQueueFullIsCounted fills a two-block ring and a one-block queue while
// nothing reads them: blocks that find the queue full go back to the
// kernel counted as wirestat's drops, the kernel counts its own, and every
// datagram sent is either returned once or counted as dropped.
func TestQueueFullIsCounted(t *testing.T) {
	needFilterCompiler(t)
	const n = 5000
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
		opt := Options{Filter: "udp dst port " + itoa(port), BufferSize: 2 * minBlock, QueueBlocks: 1, ReadTimeout: 20 * time.Millisecond}
		if src, err = Open(ctx, "lo", opt); err != nil {
			return err
		}
		for range 10 { // small sends, with time for the blocks to time out and queue
			if err := sendUDP(sink, n/10, 1000); err != nil {
				return err
			}
			time.Sleep(30 * time.Millisecond)
		}
		return nil
	})
	defer src.Close()
	seen := map[uint32]bool{}
	got := drain(t, src, cancel, 300*time.Millisecond, seqSeen(t, 14, port, seen))
	c, err := src.Counts()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d frames read, counts %+v", got, c)
	if c.Received != n || c.QueueDropped == 0 || c.Dropped != c.KernelDropped+c.QueueDropped {
		t.Errorf("Counts = %+v, want %d received and drops by the queue", c, n)
	}
	if got+c.Dropped != n || int64(len(seen)) != got {
		t.Errorf("%d frames read (%d distinct) + %d dropped, want %d in all", got, len(seen), c.Dropped, n)
	}
}

// TestNextDoesNotAllocate reads frames already waiting in the ring: the
// per-packet path allocates nothing, with Options.Wake too.
func TestNextDoesNotAllocate(t *testing.T) {
	needFilterCompiler(t)
	const n = 2000
	ns := netns(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var src *Source
	inNetns(t, ns, func() error {
		sink, err := udpSink()
		if err != nil {
			return err
		}
		defer sink.Close()
		port := uint16(sink.LocalAddr().(*net.UDPAddr).Port)
		if src, err = Open(ctx, "lo", Options{Filter: "udp dst port " + itoa(port), ReadTimeout: 20 * time.Millisecond, Wake: true}); err != nil {
			return err
		}
		return sendUDP(sink, n, 100)
	})
	defer src.Close()
	time.Sleep(300 * time.Millisecond) // every block timed out and queued
	var err error
	allocs := testing.AllocsPerRun(n/2, func() {
		if _, e := src.Next(); e != nil {
			err = e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("Next allocates %.1f times per frame, want 0", allocs)
	}
}
