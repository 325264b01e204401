package zeek

import (
	"net/netip"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/decode"
)

var (
	a = netip.MustParseAddrPort("10.0.0.1:40000")
	b = netip.MustParseAddrPort("10.0.0.2:80")
)

type p struct {
	side     int // 0: the first sender (a), 1: b
	flags    uint16
	seq, ack uint32
	payload  int
}

func feed(pkts ...p) *Conn {
	var c Conn
	for _, x := range pkts {
		seg := decode.Segment{Flags: x.flags, Seq: x.seq, Ack: x.ack, PayloadLen: x.payload, Window: 100, WScale: -1}
		if x.side == 0 {
			seg.Src, seg.Dst = a, b
		} else {
			seg.Src, seg.Dst = b, a
		}
		c.Packet(x.side, &seg)
	}
	return &c
}

const (
	S  = decode.SYN
	A  = decode.ACK
	F  = decode.FIN
	R  = decode.RST
	SA = S | A
	FA = F | A
	RA = R | A
	PA = decode.PSH | A
)

func TestConnStateAndHistory(t *testing.T) {
	tests := []struct {
		name      string
		pkts      []p
		state     string
		history   string
		origFirst bool
	}{
		{"attempt", []p{{0, S, 1, 0, 0}}, "S0", "S", true},
		{"rejected", []p{{0, S, 1, 0, 0}, {1, RA, 0, 2, 0}}, "REJ", "Sr", true},
		{"established", []p{{0, S, 1, 0, 0}, {1, SA, 100, 2, 0}, {0, A, 2, 101, 0}, {0, PA, 2, 101, 5}, {1, A, 101, 7, 0}}, "S1", "ShADa", true},
		{"normal close", []p{{0, S, 1, 0, 0}, {1, SA, 100, 2, 0}, {0, A, 2, 101, 0}, {0, FA, 2, 101, 0}, {1, FA, 101, 3, 0}, {0, A, 3, 102, 0}}, "SF", "ShAFf", true},
		{"orig reset after establishment", []p{{0, S, 1, 0, 0}, {1, SA, 100, 2, 0}, {0, A, 2, 101, 0}, {0, RA, 2, 101, 0}}, "RSTO", "ShAR", true},
		{"syn then rst", []p{{0, S, 1, 0, 0}, {0, R, 2, 0, 0}}, "RSTOS0", "SR", true},
		{"only a RST", []p{{0, R, 2, 0, 0}}, "OTH", "R", true},
		{"orig FIN, responder silent", []p{{0, S, 1, 0, 0}, {0, A, 2, 0, 0}, {0, PA, 2, 0, 3}, {0, FA, 5, 0, 0}}, "SH", "SADF", true},
		{"midstream data both ways", []p{{0, PA, 10, 20, 5}, {1, PA, 20, 15, 5}}, "OTH", "Dd", true},
		{"retransmissions are logarithmic", []p{{0, S, 1, 0, 0}, {1, SA, 100, 2, 0}, {0, PA, 2, 101, 10},
			{0, PA, 2, 101, 10}, {0, PA, 2, 101, 10}}, "S1", "ShDT", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := feed(tt.pkts...)
			if got := c.ConnState(); got != tt.state {
				t.Errorf("conn_state %s, want %s", got, tt.state)
			}
			if got := c.History(); got != tt.history {
				t.Errorf("history %q, want %q", got, tt.history)
			}
			if got := c.OrigSide() == 0; got != tt.origFirst {
				t.Errorf("originator is first sender: %v, want %v", got, tt.origFirst)
			}
		})
	}
}

// TestCreationFlip: a SYN-ACK first from a likely server port (80) to an
// ephemeral one makes its receiver the originator at once.
func TestCreationFlip(t *testing.T) {
	var c Conn
	synack := decode.Segment{Src: b, Dst: a, Flags: SA, Seq: 100, Ack: 2, Window: 1}
	c.Packet(0, &synack)
	ack := decode.Segment{Src: a, Dst: b, Flags: A, Seq: 2, Ack: 101, Window: 1}
	c.Packet(1, &ack)
	if c.History() != "^hA" || c.OrigSide() != 1 {
		t.Errorf("history %q orig side %d, want ^hA and 1", c.History(), c.OrigSide())
	}
	var bare Conn
	bare.SetPorts(NoPorts)
	bare.Packet(0, &synack)
	bare.Packet(1, &ack)
	if bare.History() != "^hA" || bare.OrigSide() != 1 {
		t.Errorf("bare mode: history %q orig side %d, want ^hA (SYN-ACK then ACK flip) and 1", bare.History(), bare.OrigSide())
	}
}

func TestLogCounter(t *testing.T) {
	var c logCounter
	var hits []int
	for i := 1; i <= 1000; i++ {
		if c.hit() {
			hits = append(hits, i)
		}
	}
	if len(hits) != 4 || hits[0] != 1 || hits[1] != 10 || hits[2] != 100 || hits[3] != 1000 {
		t.Errorf("hits at %v, want [1 10 100 1000]", hits)
	}
}

func TestHistoryBounded(t *testing.T) {
	var c Conn
	for i := range 10000 {
		seg := decode.Segment{Flags: R, Seq: uint32(i), Src: a, Dst: b}
		c.Packet(i%2, &seg)
	}
	if len(c.History()) > maxHistory {
		t.Errorf("history grew to %d", len(c.History()))
	}
}
