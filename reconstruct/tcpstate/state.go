package tcpstate

// State is the RFC 793/9293 state of one endpoint. The zero value,
// StateNone, means the capture holds no evidence of the endpoint's state;
// it prints as UNKNOWN.
type State uint8

// The states, in the order of RFC 9293 §3.3.2.
const (
	StateNone State = iota
	Closed
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
	numStates
)

// NumStates is the number of real states (including StateNone).
const NumStates = int(numStates)

var stateNames = [...]string{
	StateNone:   "UNKNOWN",
	Closed:      "CLOSED",
	Listen:      "LISTEN",
	SynSent:     "SYN_SENT",
	SynReceived: "SYN_RECEIVED",
	Established: "ESTABLISHED",
	FinWait1:    "FIN_WAIT_1",
	FinWait2:    "FIN_WAIT_2",
	CloseWait:   "CLOSE_WAIT",
	Closing:     "CLOSING",
	LastAck:     "LAST_ACK",
	TimeWait:    "TIME_WAIT",
}

// String returns the netstat spelling of the state (SYN_SENT, TIME_WAIT...)
// and never panics, whatever the value.
func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return "State(" + itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseState returns the state named s (as String prints it).
func ParseState(s string) (State, bool) {
	for i, n := range stateNames {
		if n == s {
			return State(i), true
		}
	}
	return StateNone, false
}

// Synchronized reports whether the handshake is complete from this
// endpoint's view (ESTABLISHED or any closing state).
func (s State) Synchronized() bool { return s >= Established && s < numStates }

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
