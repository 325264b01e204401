package flow

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

// benchFlows opens n connections (full handshakes) on a fresh tracker and
// returns it with one client-to-server and one server-to-client segment
// template per connection, sequence numbers just past the handshake.
func benchFlows(b testing.TB, n int) (*Tracker, []decode.Segment, []decode.Segment, time.Time) {
	b.Helper()
	tr := NewTracker(Config{}, func(*Conn) {})
	srv := netip.MustParseAddrPort("10.200.0.1:443")
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	c2s := make([]decode.Segment, n)
	s2c := make([]decode.Segment, n)
	frame := int64(0)
	add := func(seg decode.Segment) {
		frame++
		now = now.Add(time.Microsecond)
		seg.Frame, seg.Time = frame, now
		tr.Add(&seg)
	}
	for i := range n {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+i%20000))
		ciss, siss := uint32(i)*7919, uint32(i)*104729+1
		base := decode.Segment{HeaderLen: 20, IPLen: 40, Window: 502, WScale: -1}
		syn := base
		syn.Src, syn.Dst, syn.Seq, syn.Flags, syn.WScale, syn.MSS = cli, srv, ciss, decode.SYN, 7, 1460
		add(syn)
		sa := base
		sa.Src, sa.Dst, sa.Seq, sa.Ack, sa.Flags, sa.WScale, sa.MSS = srv, cli, siss, ciss+1, decode.SYN|decode.ACK, 7, 1460
		add(sa)
		ack := base
		ack.Src, ack.Dst, ack.Seq, ack.Ack, ack.Flags = cli, srv, ciss+1, siss+1, decode.ACK
		add(ack)
		c2s[i] = ack
		d := base
		d.Src, d.Dst, d.Seq, d.Ack, d.Flags = srv, cli, siss+1, ciss+1, decode.ACK
		d.PayloadLen, d.IPLen = 1460, 1500
		s2c[i] = d
	}
	if tr.Open() != n {
		b.Fatalf("%d connections open, want %d", tr.Open(), n)
	}
	return tr, c2s, s2c, now
}

// BenchmarkTrackerAdd feeds steady-state established traffic over 1000
// connections: each op is one segment, alternately a full-sized data
// segment from the server and the client's ACK for it, round robin over
// the connections. The target is 0 allocs/op.
func BenchmarkTrackerAdd(b *testing.B) {
	const n = 1000
	tr, c2s, s2c, now := benchFlows(b, n)
	frame := int64(3 * n)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		f := i / 2 % n
		var seg *decode.Segment
		if i%2 == 0 {
			seg = &s2c[f]
			seg.Seq += 1460
		} else {
			seg = &c2s[f]
			seg.Ack = s2c[f].Seq + 1460
		}
		frame++
		now = now.Add(time.Microsecond)
		seg.Frame, seg.Time = frame, now
		tr.Add(seg)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
	if tr.Open() != n {
		b.Fatalf("%d connections open after the run, want %d", tr.Open(), n)
	}
}

// BenchmarkTableLookup measures the per-packet table cost alone:
// canonicalising a segment's endpoints into a map key and finding the
// connection in the tracker's map, for tables of 1000 and 100,000
// connections.
func BenchmarkTableLookup(b *testing.B) {
	for _, tc := range []struct {
		name string
		n    int
	}{{"1k", 1000}, {"100k", 100_000}} {
		b.Run(tc.name, func(b *testing.B) {
			tr, c2s, s2c, _ := benchFlows(b, tc.n)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				seg := &c2s[i%tc.n]
				if i%2 == 1 {
					seg = &s2c[i%tc.n]
				}
				if mk, _ := canonPacked(seg.Src, seg.Dst); tr.conns[mk] == nil {
					b.Fatal("connection not found")
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

// BenchmarkFreezeThaw freezes and thaws 1000 established connections in
// turn: each op is one connection frozen into the record store and thawed
// back. It reports the record size. No op allocates on its own: the bytes
// per op are the store's chunks, one per 256 KiB of records written,
// amortized.
func BenchmarkFreezeThaw(b *testing.B) {
	tr, _, _, _ := benchFlows(b, 1000)
	keys := make([]mapKey, 0, len(tr.conns))
	for mk := range tr.conns {
		keys = append(keys, mk)
	}
	var recBytes int
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		mk := keys[i%len(keys)]
		tr.freeze(mk, tr.conns[mk])
		f, _ := tr.frozen.get(mk)
		recBytes = len(tr.records.get(f.rec))
		tr.thaw(mk)
	}
	b.ReportMetric(float64(recBytes), "bytes/record")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
}

// heapInUse returns the live heap after a full collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestOpenConnMemory measures the tracker's heap per open connection
// (established by a handshake, then quiet): live, and frozen once idle for
// ColdAfter. The figure is the difference between 150,000 and 50,000
// connections, so fixed costs (the free list, the first chunks) cancel.
// The frozen figure is bounded: it is the one the README documents.
func TestOpenConnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 200,000 connections; skipped with -short")
	}
	// No early freezing pass while the connections open: the live figure
	// is of live connections only.
	defer func(old int) { minColdCap = old }(minColdCap)
	minColdCap = 1 << 30
	measure := func(n int) (live, frozen int64) {
		base := heapInUse()
		tr, _, _, now := benchFlows(t, n)
		live = heapInUse() - base
		tr.Advance(now.Add(tr.cfg.ColdAfter + time.Second))
		if len(tr.conns) != 0 || tr.frozen.len() != n {
			t.Fatalf("%d live and %d frozen after ColdAfter, want 0 and %d", len(tr.conns), tr.frozen.len(), n)
		}
		frozen = heapInUse() - base
		runtime.KeepAlive(tr)
		return live, frozen
	}
	live1, frozen1 := measure(50_000)
	live2, frozen2 := measure(150_000)
	live, frozen := (live2-live1)/100_000, (frozen2-frozen1)/100_000
	t.Logf("heap per open connection: %d bytes live, %d bytes frozen", live, frozen)
	if frozen > 320 {
		t.Errorf("a frozen open connection takes %d bytes of heap, want at most 320", frozen)
	}
}
