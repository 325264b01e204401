package tcpstate

import "testing"

// TestRFCArcs has one row for every arc of the RFC 9293 §3.3.2 state diagram
// (figure 5) that a passive observer can see, plus the arcs the observer
// adds (missed SYN, acceptable RST in each state, TIME_WAIT expiry).
func TestRFCArcs(t *testing.T) {
	tests := []struct {
		name string
		from State
		role Role
		ev   Event
		want State
	}{
		{"active open: CLOSED snd SYN", Closed, RoleSent, EvSYN, SynSent},
		{"first sight: snd SYN", StateNone, RoleSent, EvSYN, SynSent},
		{"LISTEN send: snd SYN", Listen, RoleSent, EvSYN, SynSent},
		{"passive open: LISTEN rcv SYN", Listen, RoleRecv, EvSYN, SynReceived},
		{"LISTEN snd SYN,ACK", Listen, RoleSent, EvSYNACK, SynReceived},
		{"unknown listener answers SYN,ACK", StateNone, RoleSent, EvSYNACK, SynReceived},
		{"simultaneous open: SYN_SENT rcv SYN", SynSent, RoleRecv, EvSYN, SynReceived},
		{"simultaneous open: SYN_SENT snd SYN,ACK", SynSent, RoleSent, EvSYNACK, SynReceived},
		{"simultaneous open: SYN_RECEIVED rcv SYN,ACK", SynReceived, RoleRecv, EvSYNACK, Established},
		{"SYN_SENT rcv SYN,ACK snd ACK", SynSent, RoleRecv, EvSYNACK, Established},
		{"SYN-ACK to unknown host stays unknown (backscatter)", StateNone, RoleRecv, EvSYNACK, StateNone},
		{"SYN_RECEIVED rcv ACK of SYN", SynReceived, RoleRecv, EvACKSYN, Established},
		{"SYN_RECEIVED close snd FIN", SynReceived, RoleSent, EvFIN, FinWait1},
		{"ESTABLISHED close snd FIN", Established, RoleSent, EvFIN, FinWait1},
		{"ESTABLISHED rcv FIN", Established, RoleRecv, EvFIN, CloseWait},
		{"SYN_RECEIVED rcv FIN", SynReceived, RoleRecv, EvFIN, CloseWait},
		{"CLOSE_WAIT close snd FIN", CloseWait, RoleSent, EvFIN, LastAck},
		{"FIN_WAIT_1 rcv ACK of FIN", FinWait1, RoleRecv, EvACKFIN, FinWait2},
		{"FIN_WAIT_1 rcv FIN (simultaneous close)", FinWait1, RoleRecv, EvFIN, Closing},
		{"FIN_WAIT_2 rcv FIN", FinWait2, RoleRecv, EvFIN, TimeWait},
		{"CLOSING rcv ACK of FIN", Closing, RoleRecv, EvACKFIN, TimeWait},
		{"LAST_ACK rcv ACK of FIN", LastAck, RoleRecv, EvACKFIN, Closed},
		{"TIME_WAIT 2MSL timeout", TimeWait, RoleRecv, EvTimeout, Closed},
		{"TIME_WAIT 2MSL timeout (sent side)", TimeWait, RoleSent, EvTimeout, Closed},
		{"SYN_SENT rcv RST (refused)", SynSent, RoleRecv, EvRST, Closed},
		{"SYN_RECEIVED rcv RST", SynReceived, RoleRecv, EvRST, Closed},
		{"ESTABLISHED rcv RST", Established, RoleRecv, EvRST, Closed},
		{"FIN_WAIT_1 rcv RST", FinWait1, RoleRecv, EvRST, Closed},
		{"FIN_WAIT_2 rcv RST", FinWait2, RoleRecv, EvRST, Closed},
		{"CLOSE_WAIT rcv RST", CloseWait, RoleRecv, EvRST, Closed},
		{"CLOSING rcv RST", Closing, RoleRecv, EvRST, Closed},
		{"LAST_ACK rcv RST", LastAck, RoleRecv, EvRST, Closed},
		{"TIME_WAIT rcv RST", TimeWait, RoleRecv, EvRST, Closed},
		{"ESTABLISHED snd RST (SO_LINGER 0)", Established, RoleSent, EvRST, Closed},
		{"unknown snd RST (closed port)", StateNone, RoleSent, EvRST, Closed},
		{"CLOSE_WAIT snd RST", CloseWait, RoleSent, EvRST, Closed},
		// Kept: retransmissions and redundant events.
		{"SYN retransmitted", SynSent, RoleSent, EvSYN, SynSent},
		{"SYN,ACK retransmitted", SynReceived, RoleSent, EvSYNACK, SynReceived},
		{"FIN retransmitted in FIN_WAIT_1", FinWait1, RoleSent, EvFIN, FinWait1},
		{"FIN retransmitted in LAST_ACK", LastAck, RoleSent, EvFIN, LastAck},
		{"FIN received again in CLOSE_WAIT", CloseWait, RoleRecv, EvFIN, CloseWait},
		{"FIN received again in TIME_WAIT", TimeWait, RoleRecv, EvFIN, TimeWait},
		{"SYN to unknown host stays unknown", StateNone, RoleRecv, EvSYN, StateNone},
		{"RST to unknown host stays unknown", StateNone, RoleRecv, EvRST, StateNone},
		{"no timeout outside TIME_WAIT", Established, RoleRecv, EvTimeout, Established},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Next(tt.from, tt.role, tt.ev)
			if got != tt.want {
				t.Errorf("Next(%v, %v, %v) = %v, want %v", tt.from, tt.role, tt.ev, got, tt.want)
			}
		})
	}
}

func TestInvalidCells(t *testing.T) {
	tests := []struct {
		from State
		role Role
		ev   Event
	}{
		{Established, RoleSent, EvSYN},
		{TimeWait, RoleSent, EvSYNACK},
		{SynSent, RoleSent, EvFIN},
		{Closed, RoleSent, EvFIN},
		{Listen, RoleRecv, EvSYNACK},
	}
	for _, tt := range tests {
		got, res := Next(tt.from, tt.role, tt.ev)
		if res != Invalid || got != tt.from {
			t.Errorf("Next(%v, %v, %v) = %v, %v; want %v, Invalid", tt.from, tt.role, tt.ev, got, res, tt.from)
		}
	}
}

// TestTableTotal walks every cell: each holds a real state or a sentinel,
// and never StateNone, which would mean a forgotten cell.
func TestTableTotal(t *testing.T) {
	for r := Role(0); r < numRoles; r++ {
		for e := Event(0); e < numEvents; e++ {
			for s := State(0); s < numStates; s++ {
				c := transitions[r][e][s]
				switch {
				case c == sIG || c == sIV:
				case c == StateNone:
					t.Errorf("cell [%v][%v][%v] is StateNone (forgotten)", r, e, s)
				case c >= numStates:
					t.Errorf("cell [%v][%v][%v] = %d, not a state", r, e, s, c)
				}
				if n, _ := Next(s, r, e); n >= numStates {
					t.Errorf("Next(%v,%v,%v) = %d", s, r, e, n)
				}
			}
		}
	}
}

func TestNextOutOfRange(t *testing.T) {
	if _, res := Next(State(200), RoleSent, EvSYN); res != Invalid {
		t.Error("out-of-range state not Invalid")
	}
	if _, res := Next(Established, Role(9), EvSYN); res != Invalid {
		t.Error("out-of-range role not Invalid")
	}
	if _, res := Next(Established, RoleSent, Event(99)); res != Invalid {
		t.Error("out-of-range event not Invalid")
	}
}

func TestStateString(t *testing.T) {
	for s := State(0); s < numStates; s++ {
		name := s.String()
		if p, ok := ParseState(name); !ok || p != s {
			t.Errorf("ParseState(%q) = %v, %v", name, p, ok)
		}
	}
	if got := State(77).String(); got != "State(77)" {
		t.Errorf("State(77).String() = %q", got)
	}
	if StateNone.String() != "UNKNOWN" || SynSent.String() != "SYN_SENT" || FinWait2.String() != "FIN_WAIT_2" {
		t.Error("netstat spelling broken")
	}
}

func TestSeq(t *testing.T) {
	tests := []struct {
		a, b Seq
		less bool
	}{
		{1, 2, true},
		{2, 1, false},
		{0xFFFFFFF0, 0x10, true}, // across wraparound
		{0x10, 0xFFFFFFF0, false},
		{5, 5, false},
	}
	for _, tt := range tests {
		if got := tt.a.LessThan(tt.b); got != tt.less {
			t.Errorf("%d.LessThan(%d) = %v", tt.a, tt.b, got)
		}
	}
	if !Seq(0xFFFFFFFF).InWindow(0xFFFFFFFE, 10) || Seq(100).InWindow(50, 50) || !Seq(50).InWindow(50, 0) || Seq(51).InWindow(50, 0) {
		t.Error("InWindow")
	}
	if Seq(3).Sub(0xFFFFFFFF) != 4 {
		t.Error("Sub across wrap")
	}
	if !Seq(10).InRange(10, 11) || Seq(11).InRange(10, 11) {
		t.Error("InRange")
	}
}

func BenchmarkNext(b *testing.B) {
	var s State
	for b.Loop() {
		s, _ = Next(Established, RoleRecv, EvFIN)
		s, _ = Next(s, RoleSent, EvFIN)
	}
	if s != LastAck {
		b.Fatalf("got %v", s)
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "events/s")
}
