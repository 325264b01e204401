package e2e

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Socket is one line of `ss -tan` output.
type Socket struct {
	State string         // RFC 9293 name, see StateFromSS
	Local netip.AddrPort // unmapped; port 0 for "*"
	Peer  netip.AddrPort // unmapped; the unspecified address and port 0 for "*:*"
}

// Listening reports whether the socket is a listener (or otherwise has no
// peer) rather than one end of a connection.
func (s Socket) Listening() bool {
	return s.State == "LISTEN" || s.Peer.Port() == 0
}

// ssStates maps the state column of ss(8) to RFC 9293 state names. A
// request socket (a SYN received, SYN-ACK sent) is shown as SYN-RECV.
var ssStates = map[string]string{
	"ESTAB":          "ESTABLISHED",
	"SYN-SENT":       "SYN_SENT",
	"SYN-RECV":       "SYN_RECEIVED",
	"NEW-SYN-RECV":   "SYN_RECEIVED",
	"FIN-WAIT-1":     "FIN_WAIT_1",
	"FIN-WAIT-2":     "FIN_WAIT_2",
	"CLOSE-WAIT":     "CLOSE_WAIT",
	"CLOSING":        "CLOSING",
	"LAST-ACK":       "LAST_ACK",
	"TIME-WAIT":      "TIME_WAIT",
	"LISTEN":         "LISTEN",
	"UNCONN":         "CLOSED",
	"CLOSE":          "CLOSED",
	"BOUND-INACTIVE": "CLOSED",
}

// StateFromSS returns the RFC 9293 name of an ss(8) state, and false for a
// state ss does not print for TCP.
func StateFromSS(s string) (string, bool) {
	st, ok := ssStates[s]
	return st, ok
}

// ParseSS parses the output of `ss -tan` (with or without the header line,
// IPv4 and IPv6 mixed). Blank lines are skipped; any other line that does not
// parse is an error naming its line number.
func ParseSS(out string) ([]Socket, error) {
	var socks []Socket
	sc := bufio.NewScanner(strings.NewReader(out))
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || (f[0] == "State" && n == 1) {
			continue
		}
		if len(f) < 5 {
			return nil, fmt.Errorf("ss line %d: %d fields, want at least 5", n, len(f))
		}
		state, ok := StateFromSS(f[0])
		if !ok {
			return nil, fmt.Errorf("ss line %d: unknown state %q", n, f[0])
		}
		local, err := parseSSAddr(f[3])
		if err != nil {
			return nil, fmt.Errorf("ss line %d: local address: %w", n, err)
		}
		peer, err := parseSSAddr(f[4])
		if err != nil {
			return nil, fmt.Errorf("ss line %d: peer address: %w", n, err)
		}
		socks = append(socks, Socket{State: state, Local: local, Peer: peer})
	}
	return socks, sc.Err()
}

// parseSSAddr parses an ss address column: "10.0.0.1:80", "[fd00::1]:80",
// "fd00::1:80" (older ss), "*:80", "0.0.0.0:*", "[::ffff:10.0.0.1]:80" or an
// address with an interface scope ("10.0.0.1%eth0:80", "[fe80::1%eth0]:80").
func parseSSAddr(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("%q has no port", s)
	}
	host, portText := s[:i], s[i+1:]
	var port uint16
	if portText != "*" {
		p, err := strconv.ParseUint(portText, 10, 16)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("%q: bad port: %w", s, err)
		}
		port = uint16(p)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "*" {
		return netip.AddrPortFrom(netip.IPv6Unspecified(), port), nil
	}
	if z := strings.IndexByte(host, '%'); z >= 0 {
		host = host[:z] // the wire carries no zone, so neither do endpoints
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q: %w", s, err)
	}
	return netip.AddrPortFrom(addr.Unmap(), port), nil
}
