package flow

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// fill sets every field reachable from v, exported or not, to a random
// value. Times, slices and funcs are left to the caller.
func fill(rng *rand.Rand, v reflect.Value) {
	if !v.CanSet() {
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() || v.Type() == reflect.TypeFor[netip.AddrPort]() {
			return
		}
		for i := range v.NumField() {
			fill(rng, v.Field(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(rng, v.Index(i))
		}
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(rng.Uint64()) >> rng.IntN(64))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(rng.Uint64() >> rng.IntN(64))
	}
}

// randomConn returns a Conn with every field random but within the bounds
// the tracker keeps (hole and history counts), its addresses those of a
// random 4-tuple.
func randomConn(rng *rand.Rand) (*Conn, mapKey) {
	c := &Conn{}
	fill(rng, reflect.ValueOf(c).Elem())
	c.ClientDir, c.zeekFirst = Dir(rng.IntN(2)), Dir(rng.IntN(2))
	a4 := netip.AddrFrom4([4]byte{10, byte(rng.Uint32()), byte(rng.Uint32()), 1})
	a6 := netip.AddrFrom16([16]byte{0xfd, 15: byte(rng.Uint32())})
	src := netip.AddrPortFrom(a4, uint16(rng.Uint32()))
	dst := netip.AddrPortFrom(a4.Next(), uint16(rng.Uint32()))
	if rng.IntN(2) == 0 {
		src, dst = netip.AddrPortFrom(a6, src.Port()), netip.AddrPortFrom(a6.Next(), dst.Port())
	}
	c.Key, _ = Canon(src, dst)
	c.EP[Client].Addr = c.Key.Src(c.ClientDir)
	c.EP[Server].Addr = c.Key.Src(1 - c.ClientDir)
	c.Start = time.Unix(int64(rng.Uint32()), int64(rng.IntN(1e9))).UTC()
	c.End = c.Start.Add(time.Duration(rng.Int64N(int64(time.Hour))))
	// A FIN candidate is kept only while set, for one of the two roles.
	c.finCand.by &= 1
	if !c.finCand.set {
		c.finCand = finCandidate{}
	}
	for i := range c.EP {
		e := &c.EP[i]
		e.nholes = uint8(rng.IntN(maxHoles + 1))
		clear(e.holes[e.nholes:])
	}
	for range rng.IntN(20) {
		var tr Transition
		fill(rng, reflect.ValueOf(&tr).Elem())
		// The fields a record packs hold only what the tracker writes.
		tr.Endpoint &= 1
		tr.From, tr.To = tr.From%tcpstate.State(tcpstate.NumStates), tr.To%tcpstate.State(tcpstate.NumStates)
		tr.Evidence %= tcpstate.Assumed + 1
		tr.cause %= numCauses
		c.Transitions = append(c.Transitions, tr)
	}
	// History bytes beyond its length are never read: the record drops them.
	zv := reflect.ValueOf(&c.Zeek).Elem()
	n := rng.IntN(65)
	set := func(name string, f func(reflect.Value)) {
		fv := zv.FieldByName(name)
		f(reflect.NewAt(fv.Type(), unsafe.Pointer(fv.UnsafeAddr())).Elem())
	}
	set("nhist", func(v reflect.Value) { v.SetInt(int64(n)) })
	set("hist", func(v reflect.Value) {
		for i := n; i < v.Len(); i++ {
			v.Index(i).SetUint(0)
		}
	})
	set("orig", func(v reflect.Value) { v.SetUint(uint64(rng.IntN(2))) })
	return c, c.Key.packed()
}

// TestFrozenRoundTrip: every field of a connection survives freezing and
// thawing, whatever its value.
func TestFrozenRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		c, mk := randomConn(rng)
		rec := c.appendFrozen(nil)
		var got Conn
		if err := got.readFrozen(mk.unpacked(), c.head(), rec, nil); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if len(c.Transitions) == 0 {
			got.Transitions = c.Transitions // nil or empty: same meaning
		}
		if !reflect.DeepEqual(c, &got) {
			t.Fatalf("case %d: thawed connection differs:\n got %+v\nwant %+v", i, got, *c)
		}
	}
}

// TestFrozenSize: a finished connection's record is a fraction of a live
// one.
func TestFrozenSize(t *testing.T) {
	conns := play(t, Config{}, 10*time.Second, with(handshake,
		pkt{c2s: true, flags: A, seq: 1001, ack: 5001, payload: 300, at: time.Millisecond},
		pkt{flags: A, seq: 5001, ack: 1301, payload: 1400, at: 2 * time.Millisecond},
		pkt{c2s: true, flags: FA, seq: 1301, ack: 6401, at: 3 * time.Millisecond},
		pkt{flags: FA, seq: 6401, ack: 1302, at: 4 * time.Millisecond},
		pkt{c2s: true, flags: A, seq: 1302, ack: 6402, at: 5 * time.Millisecond},
	)...)
	c := conns[0]
	rec := c.appendFrozen(nil)
	live := int(unsafe.Sizeof(Conn{})) + cap(c.Transitions)*int(unsafe.Sizeof(Transition{}))
	t.Logf("%d transitions: frozen record %d bytes, live record %d bytes", len(c.Transitions), len(rec), live)
	if len(c.Transitions) < 8 || len(rec) > live/4 {
		t.Errorf("frozen record of %d bytes for %d transitions, live %d", len(rec), len(c.Transitions), live)
	}
}

// FuzzThaw: thawing arbitrary bytes returns an error or a connection, never
// panics, and a connection thawed from any record freezes to a record that
// thaws back to the same connection.
func FuzzThaw(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 4 {
		c, _ := randomConn(rng)
		f.Add(c.appendFrozen(nil))
	}
	key, _ := Canon(netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:80"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Conn
		if err := c.readFrozen(key, frozenHead{lastSeen: 1e18, stream: 3, id: 7}, b, nil); err != nil {
			return
		}
		var again Conn
		if err := again.readFrozen(key, c.head(), c.appendFrozen(nil), nil); err != nil {
			t.Fatalf("re-frozen record unreadable: %v", err)
		}
		if !reflect.DeepEqual(&c, &again) {
			t.Fatalf("thawed, frozen and thawed again differs:\n got %+v\nwant %+v", again, c)
		}
	})
}

// TestEarlyFreezingSameStates: the early freezing passes of a fast-growing
// table change nothing. A flood of SYNs from many ports, some answered and
// closed, leaves every connection in the same states and stream with an
// early pass at every doubling from 16 live connections as with none.
func TestEarlyFreezingSameStates(t *testing.T) {
	defer func(n int) { minColdCap = n }(minColdCap)
	minColdCap = 16
	run := func(cold time.Duration) map[int64][2]tcpstate.State {
		got := map[int64][2]tcpstate.State{}
		tr := NewTracker(Config{ColdAfter: cold, MaxConns: 3000}, func(c *Conn) { got[c.Stream] = states(c) })
		for i := range 5000 {
			if i%97 == 0 {
				tr.compact() // and rewriting the records changes nothing either
			}
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(1024+i))
			at := t0.Add(time.Duration(i) * time.Millisecond)
			tr.Add(&decode.Segment{Frame: int64(3*i + 1), Time: at, Src: src, Dst: srv, Flags: S, Seq: 100, HeaderLen: 20, WScale: -1, Window: 100})
			if i%3 == 0 {
				tr.Add(&decode.Segment{Frame: int64(3*i + 2), Time: at.Add(50 * time.Microsecond), Src: srv, Dst: src, Flags: SA, Seq: 900, Ack: 101, HeaderLen: 20, WScale: -1, Window: 100})
				tr.Add(&decode.Segment{Frame: int64(3*i + 3), Time: at.Add(90 * time.Microsecond), Src: src, Dst: srv, Flags: R, Seq: 101, HeaderLen: 20, WScale: -1})
			}
		}
		tr.Flush(t0.Add(10 * time.Second))
		return got
	}
	want, got := run(-1), run(2*time.Second)
	if len(want) != 5000 || !reflect.DeepEqual(want, got) {
		t.Errorf("%d connections without freezing, %d with; states equal: %v", len(want), len(got), reflect.DeepEqual(want, got))
	}
}

// TestNth: selection agrees with sorting, duplicates and all.
func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 500 {
		keys := make([]evictKey, 1+rng.IntN(200))
		for i := range keys {
			keys[i] = evictKey{rng.Int64N(20), rng.Int64N(5)}
		}
		sorted := slices.Clone(keys)
		slices.SortFunc(sorted, evictKey.compare)
		k := rng.IntN(len(keys))
		if got := nth(keys, k); got != sorted[k] {
			t.Fatalf("nth(%d) = %v, want %v", k, got, sorted[k])
		}
	}
}
