// Package flow rebuilds TCP connections from decoded segments: canonical
// 4-tuple keys, Wireshark's tcp.stream numbering (port reuse included),
// client/server roles, and both endpoints driven through the tcpstate
// machine with sequence-number checks. It also keeps Zeek's view of each
// connection (package zeek) and the listeners seen.
//
// Time is packet time only: TIME_WAIT expiry (2*MSL), the linger of closed
// connections and idle expiry run on segment timestamps, so offline runs
// are reproducible. Finished connections are handed to a callback and
// forgotten, keeping memory proportional to open connections; a small
// tombstone per finished 4-tuple keeps stream numbers equal to Wireshark's
// when late packets arrive. Connections that are over but must still be
// kept (TIME_WAIT) and connections without packets for a while are frozen
// into compact byte records in a chunked store and thawed losslessly when
// needed (see Config.ColdAfter).
package flow
