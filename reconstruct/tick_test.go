package reconstruct

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/pcaptest"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// liveScript is a live source played from a script: its packets, then
// quiet reads (capture.ErrNoPacket), each moving its clock on by step.
type liveScript struct {
	pkts  []capture.Packet
	quiet int
	now   time.Time
	step  time.Duration
	n     int64
}

func (s *liveScript) Next() (capture.Packet, error) {
	if len(s.pkts) > 0 {
		p := s.pkts[0]
		s.pkts = s.pkts[1:]
		s.n++
		p.Frame = s.n
		return p, nil
	}
	if s.quiet > 0 {
		s.quiet--
		s.now = s.now.Add(s.step)
		return capture.Packet{}, capture.ErrNoPacket
	}
	return capture.Packet{}, io.EOF
}
func (s *liveScript) Frames() int64    { return s.n }
func (s *liveScript) Close() error     { return nil }
func (s *liveScript) Now() time.Time   { return s.now }
func (s *liveScript) LinkType() uint16 { return capture.LinkEthernet }
func (s *liveScript) add(t testing.TB, at time.Time, c2s bool, seq, ack uint32, f pcaptest.Flags) {
	src, dst, sp, dp := "10.0.0.1", "10.0.0.2", uint16(40000), uint16(80)
	if !c2s {
		src, dst, sp, dp = dst, src, dp, sp
	}
	data := pcaptest.Frame(t, []gopacket.SerializableLayer{pcaptest.Ethernet(layers.EthernetTypeIPv4)},
		pcaptest.IPv4(src, dst, layers.IPProtocolTCP), pcaptest.TCP(sp, dp, seq, ack, f), nil)
	s.pkts = append(s.pkts, capture.Packet{Data: data, Timestamp: at, CaptureLength: len(data), Length: len(data), LinkType: capture.LinkEthernet, File: "lo"})
}

// TestLiveTicksWhileQuiet: with a clock, OnTick runs every TickEvery while
// no packet arrives, sees the open connection, and the capture ends at
// the clock's time: the server's CLOSE_WAIT is reported as old as the
// quiet time, not as old as the last packet.
func TestLiveTicksWhileQuiet(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	src := &liveScript{now: t0, step: 500 * time.Millisecond, quiet: 10}
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	src.add(t, ms(1), true, 100, 0, pcaptest.Flags{SYN: true})
	src.add(t, ms(2), false, 500, 101, pcaptest.Flags{SYN: true, ACK: true})
	src.add(t, ms(3), true, 101, 501, pcaptest.Flags{ACK: true})
	src.add(t, ms(4), true, 101, 501, pcaptest.Flags{FIN: true, ACK: true})
	src.add(t, ms(5), false, 501, 102, pcaptest.Flags{ACK: true})

	var ticks []time.Time
	var closeWait, raised int
	cfg := Config{Clock: src, TickEvery: time.Second, Workers: 2, OnTick: func(tk *Tick) {
		ticks = append(ticks, tk.Now)
		tk.Each(func(c *flow.Conn) {
			if c.EP[flow.Server].State == tcpstate.CloseWait {
				closeWait++
			}
		})
		for _, f := range tk.Findings() {
			if f.Kind == "half_closed" {
				raised++
			}
		}
		if tk.Capture.Packets != 5 {
			t.Errorf("tick at %v: %d packets counted, want 5", tk.Now, tk.Capture.Packets)
		}
	}}
	var sink collect
	res, err := Run(context.Background(), src, cfg, &sink)
	if err != nil {
		t.Fatal(err)
	}
	// The clock runs 10 x 0.5 s: a tick at 1, 2, 3, 4 and 5 s.
	if len(ticks) != 5 || closeWait != 5 || raised != 5 {
		t.Errorf("%d ticks (%v), %d saw the CLOSE_WAIT, %d its half_closed finding; want 5 each", len(ticks), ticks, closeWait, raised)
	}
	var age float64
	for _, f := range res.Findings {
		if f.Kind == "half_closed" {
			age, _ = f.Details["max_seconds_since_fin"].(float64)
		}
	}
	if want := src.now.Sub(ms(4)).Seconds(); age < want-0.01 || age > want+0.01 {
		t.Errorf("half_closed max_seconds_since_fin = %v, want %.3f (FIN to the end of the capture by the clock); findings %+v", age, want, res.Findings)
	}
	if len(sink.conns) != 1 || sink.conns[0].Server.State != "CLOSE_WAIT" {
		t.Errorf("connections %+v, want the one in CLOSE_WAIT", sink.conns)
	}
}

// TestSlowTicksComeLessOften: a tick that takes 0.6 s of a 1 s interval
// is followed by the next one 3 s later (ticks take at most a fifth of
// the time).
func TestSlowTicksComeLessOften(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	src := &liveScript{now: t0, step: 500 * time.Millisecond, quiet: 20}
	var ticks []time.Time
	cfg := Config{Clock: src, TickEvery: time.Second, OnTick: func(tk *Tick) {
		ticks = append(ticks, tk.Now)
		src.now = src.now.Add(600 * time.Millisecond)
	}}
	if _, err := Run(context.Background(), src, cfg, &collect{}); err != nil {
		t.Fatal(err)
	}
	if len(ticks) < 2 {
		t.Fatalf("%d ticks, want several", len(ticks))
	}
	for i := 1; i < len(ticks); i++ {
		if gap := ticks[i].Sub(ticks[i-1]); gap < 3*time.Second {
			t.Errorf("tick %d came %v after the previous, want at least 3s (5 x 0.6 s)", i, gap)
		}
	}
}

// TestLiveWorkersAgeToClock: a live capture without ticks, tracked by three
// trackers, ends at the clock's time as one tracker's does: the CLOSE_WAIT
// is as old as the quiet time after the last packet.
func TestLiveWorkersAgeToClock(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	age := func(workers int) float64 {
		src := &liveScript{now: t0, step: 500 * time.Millisecond, quiet: 10}
		ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
		src.add(t, ms(1), true, 100, 0, pcaptest.Flags{SYN: true})
		src.add(t, ms(2), false, 500, 101, pcaptest.Flags{SYN: true, ACK: true})
		src.add(t, ms(3), true, 101, 501, pcaptest.Flags{ACK: true})
		src.add(t, ms(4), true, 101, 501, pcaptest.Flags{FIN: true, ACK: true})
		src.add(t, ms(5), false, 501, 102, pcaptest.Flags{ACK: true})
		res, err := Run(context.Background(), src, Config{Clock: src, Workers: workers}, &collect{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Kind == "half_closed" {
				a, _ := f.Details["max_seconds_since_fin"].(float64)
				return a
			}
		}
		t.Fatalf("workers %d: no half_closed finding in %+v", workers, res.Findings)
		return 0
	}
	one, three := age(1), age(3)
	if one < 4.99 || one != three {
		t.Errorf("CLOSE_WAIT age %v with one tracker, %v with three; want both about 5 s (to the clock)", one, three)
	}
}
