// Package tcpstate is the per-endpoint TCP state machine of RFC 9293 §3.3.2,
// driven passively: every observed segment is a send event for its sender
// and a receive event for its peer.
//
// The machine is data: a total table indexed by role (sent or received),
// event and current state, read by the pure function Next. Two sentinels
// mark the special cells: ignore (ambiguous or redundant, such as a
// retransmitted SYN: keep the state) and invalid (impossible for a real
// stack: keep the state and let the caller count an anomaly). The caller
// (package flow) turns segments into events using sequence numbers: it
// emits EvACKSYN or EvACKFIN only when an acknowledgement covers the
// endpoint's SYN or FIN, and EvRST only for an acceptable reset.
//
// Seq implements sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
package tcpstate
