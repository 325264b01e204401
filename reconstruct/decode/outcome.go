package decode

// Outcome says what Decode made of a frame.
type Outcome uint8

const (
	// OK: seg holds a TCP segment (possibly one quoted in an ICMP error, see Segment.Quoted).
	OK Outcome = iota
	// NotTCP: a well-formed frame that carries no TCP (ARP, UDP, ICMP without a TCP quote...).
	NotTCP
	// Fragment: an IP fragment; never parsed as TCP. Counted and reported.
	Fragment
	// Truncated: the capture cut the frame before the end of the IP or TCP fixed header.
	Truncated
	// Malformed: a header contradicts itself (bad IHL, IP length fields too small for
	// the headers they cover, overrunning or endless IPv6 extension header chains, an
	// IP payload too short for a TCP header). A TCP data offset beyond the IP payload
	// is not Malformed: Wireshark still assigns it a stream, so it is OK with
	// Segment.BadHeaderLen set.
	Malformed
	// UnsupportedLink: the frame's link type has no decoder.
	UnsupportedLink
)

var outcomeNames = [...]string{"ok", "not_tcp", "fragment", "truncated", "malformed", "unsupported_link"}

// String returns the outcome's snake_case name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + string(rune('0'+o%10)) + ")"
}
