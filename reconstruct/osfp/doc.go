// Package osfp guesses the operating system of a TCP endpoint passively,
// from the SYN or SYN-ACK it sends, and gives that system's default
// TIME_WAIT duration, so each endpoint's TIME_WAIT can be timed by its own
// kernel's clock rather than one global MSL.
//
// # Fingerprints
//
// The model is p0f v3's (lcamtuf, p0f.fp and fp_tcp.c): a signature is
//
//	ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass
//
// where ittl is the initial TTL (the observed TTL or hop limit is at most
// ittl and, for an exact match, at most 35 hops below it), olen the IPv4
// options length, wsize the window (a constant, "mss*N" or "mtu*N" for a
// multiple of the MSS or MTU, "%N" for a multiple of N, "*" for any),
// olayout the TCP option kinds in header order (eol+N: EOL followed by N
// padding bytes), quirks the oddities p0f names (df, id+, id-, ecn, 0+,
// flow, seq-, ack+, ack-, uptr+, urgf+, pushf+, ts1-, ts2+, opt+, exws,
// bad) and pclass whether the segment carries data. The rows of the table (table.go)
// are transcribed from p0f 3.09b's p0f.fp, one Go row per p0f signature
// line, in p0f's syntax so a reviewer can hold them against the file, each
// naming its p0f.fp line. Matching follows p0f's tcp_find_match: rows are
// tried in order; the first exact, specific match wins; otherwise the
// first generic ("g:") match; otherwise the first fuzzy match, where the
// quirks differ only by df or id+ missing or id- or ecn present, or the
// TTL is more than 35 hops below the initial TTL.
//
// Only the kernel families with a known TIME_WAIT default are in the
// table: Linux (Android included), Windows, Apple (macOS, iOS), FreeBSD,
// OpenBSD and Solaris; network devices and other systems are Unknown. The
// userland tools p0f.fp names (nmap's SYN scan and OS probes) are rows
// too, of family Unknown with the tool as Detail, so that a scanner's raw
// SYN is not taken for a kernel's by a fuzzy match. p0f.fp predates the
// Linux 4.x SYN-ACK (window 45*(MSS-12)) and does not allow the IPv6 flow
// label Linux sets; a few generic rows at the end of each table cover
// them, each naming the sample captures that show it. A SYN that matches
// nothing is Unknown, and its endpoint's TIME_WAIT falls back to the
// configured MSL.
//
// # TIME_WAIT by family
//
// TimeWait gives the whole TIME_WAIT interval (2*MSL as each kernel
// defines it), by default:
//
//	family   TIME_WAIT  source
//	linux    60 s       include/net/tcp.h: TCP_TIMEWAIT_LEN (60*HZ), not tunable
//	windows  240 s      Microsoft TCP/IP registry reference, TcpTimedWaitDelay: default 0xF0 (240 s, "two MSLs")
//	apple    30 s       sysctl net.inet.tcp.msl: 15000 ms on macOS (XNU), 2*MSL
//	freebsd  60 s       sysctl net.inet.tcp.msl: 30000 ms (sys/netinet/tcp_timer.h TCPTV_MSL 30*hz), 2*MSL
//	openbsd  60 s       sys/netinet/tcp_timer.h: TCPTV_MSL (30*hz), 2*MSL
//	solaris  60 s       Oracle Solaris tunable tcp_time_wait_interval (_time_wait_interval): default 60000 ms
//
// Windows' TcpTimedWaitDelay page for Windows Server 2003 lists a default
// of 0x78 (120 s) in its table while its text still says four minutes;
// the table keeps the documented 240 s that users quote, and the
// configured MSL overrides every family.
//
// FromSegment reads only what decode.Segment holds and does not
// allocate; Classify allocates only its Evidence string.
package osfp
