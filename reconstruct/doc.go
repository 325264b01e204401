// Package reconstruct rebuilds TCP connections and the RFC 793/9293 state of
// both endpoints of each from captured packets: netstat from the wire.
//
// Pipeline:
//
//	capture.Source ──Packet──▶ filter ──▶ decode.Decoder ──Segment──▶ flow.Tracker
//	     (pcap, pcapng, gzip,                 (link types, VLAN,          (streams, roles,
//	      stdin, live)                         IPv4/IPv6, ICMP quotes)     tcpstate machine, zeek view)
//	                                                                        │ flow.Conn
//	                                                                        ▼
//	                                  findings.Collector ◀── finished.Conn ──▶ result.Connection ──▶ report.Writer
//	                                  annotate, OnConnection ◀──┘
//
// Run drives the pipeline and returns the final result.Result (without the
// connections, which were streamed to the writer as they finished). Each
// connection the tracker hands out becomes one finished.Conn, made once
// in place (the tracker's facts and what is derived from them: handshake
// outcome, first reset, TIME_WAIT, Community ID, tunnels, missed bytes);
// the findings, the report row and Config.OnConnection all read that
// record.
//
// A live capture adds a clock (Config.Clock): the capture ends at its
// time, and Config.OnTick sees the running capture every interval (the
// open connections through Tick.Each, the findings as of then), which is
// what the live view (liveview), the event stream (livestream) and the
// metrics (metrics) show, counted by package tally.
//
// # Performance
//
// The per-packet path allocates nothing in steady state: the capture
// readers reuse one buffer, the decoder owns one value of every layer and
// returns a Segment by value, and flow keys are comparable fixed-size
// values. The finished-connection record and its report row are built in
// place in two values the pipeline reuses. Memory follows open
// connections: finished ones are converted to report rows and dropped, leaving a small tombstone per 4-tuple so stream
// numbers stay equal to Wireshark's.
package reconstruct
