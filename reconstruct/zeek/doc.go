// Package zeek computes a connection's Zeek conn.log view: the originator
// and responder as Zeek decides them (including its role flips), Zeek's
// seven per-endpoint states, the history string and conn_state, and the
// sequence-derived byte counts.
//
// It follows the rules Zeek's TCP session adapter applies per packet
// (letters S H A D F R I Q T W, the logarithmic repeat rule, the SYN-ACK
// first flip and the SYN/SYN-ACK reversal flip) and the conn_state
// decision of Zeek's base/protocols/conn script. It does not validate
// checksums (as zeek -C) and does not split connections on Zeek's timers:
// the caller decides connection boundaries.
package zeek
