// Package e2e produces real captures of real kernel TCP traffic together
// with the kernel's own view of every endpoint, the oracle that wirestat's
// reconstructed states are checked against.
//
// Each Scenario runs in a fresh pair of network namespaces joined by a veth
// pair: the client namespace holds 10.213.0.1 (fd00:213::1) and the server
// namespace 10.213.0.2 (fd00:213::2). The sockets are ordinary Go net
// sockets created inside the namespaces: a goroutine locked to its OS thread
// enters the namespace with setns(2) and creates the socket there, so the
// socket belongs to that namespace for its whole life while the scenario
// drives both ends from one goroutine and orders events exactly.
//
// tcpdump runs inside the client namespace on its veth (or on "any"), so a
// packet dropped by an iptables OUTPUT rule in either namespace never reaches
// the capture point: the capture shows exactly what the wire carried. Rules
// that hide a packet (a SYN-ACK, the ACK of a FIN, the final ACK) are how
// the scenarios pin an endpoint in SYN_RECEIVED, FIN_WAIT_1, CLOSING or
// LAST_ACK. Simultaneous close holds the client's first FIN in an NFQUEUE
// until the server's FIN has crossed it, which makes the crossing
// deterministic without netem.
//
// Asym scenarios add a second veth pair and a host route in the server
// namespace, so that the client's packets take one pair and the server's
// the other (asymmetric routing, reverse path filtering off); tcpdump
// captures each pair on its own, which gives two one-sided cuts of the same
// traffic (see setupAsym). Their late-starting variants hold the server's
// SYN-ACKs, or its ACKs of the client's FINs, in an NFQUEUE until the
// captures run, so the captures begin mid-handshake or mid-close.
//
// When the scenario's sockets have reached their final states, `ss -tanH` is
// taken in both namespaces before the capture stops. Outcome maps every
// endpoint (local and peer address) to the state the kernel reported, with
// CLOSED for endpoints of the scenario that ss no longer lists (after a RST,
// or for the listener side of a refused connection).
//
// FindingScenarios produce the traffic wirestat's findings are about: nmap
// SYN and connect scans, a SYN flood from hping3 with forged sources, a
// server leaking sockets in CLOSE_WAIT, a TIME_WAIT pile-up and SO_LINGER 0
// resets; the scans and the flood run beside ordinary connections that must
// not be reported.
// They add addresses inside 10.213.0.0/24 to the namespaces (Env.AddAddr:
// a second client 10.213.0.3, 40 server hosts from 10.213.0.100 for a
// horizontal scan), set per-namespace sysctls (no SYN cookies, a small SYN
// backlog) and run the tools inside the client namespace (Env.Start,
// Env.Exec), so every packet stays between the two namespaces. Rates and
// port ranges keep each capture to hundreds or a few thousand packets; a
// tool that outlives the scenario's deadline is killed by its PID. Their
// tests assert the exact findings wirestat reports and check each
// finding's display filter against tshark.
//
// Unlike the rest of reconstruct/, this package drives live traffic, so its
// timeouts and waits use the wall clock; every wait is bounded.
//
// Everything here needs root, ip(8), tcpdump, iptables and ip6tables;
// Available reports what is missing. Scenarios that run nmap or hping3 list
// them in Scenario.Needs.
package e2e
