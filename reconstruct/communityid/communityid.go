// Package communityid computes the Community ID flow hash, version 1
// (github.com/corelight/community-id-spec), the key Zeek, Suricata,
// Elastic and Wireshark (its communityid field) share for one flow, so a
// wirestat connection row joins with their events.
//
// The hash is SHA-1 over a 2-byte seed, the two addresses and the two
// ports in a canonical order (the lower address first, the lower port
// first when the addresses are equal), the IP protocol number and one
// padding byte; the ID is "1:" followed by its standard base64.
package communityid

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// ProtoTCP is the IP protocol number of TCP.
const ProtoTCP = 6

// Version is the prefix of every ID this package computes.
const Version = "1:"

// Flow returns the Community ID v1 of the flow between a and b carrying
// IP protocol proto, with seed (0 unless the sites that share IDs agree on
// another). The direction does not matter: Flow(s, p, a, b) equals
// Flow(s, p, b, a). IPv4-mapped IPv6 addresses hash as IPv4, as the
// packets carrying them do. It returns "" when an address is invalid or
// the two are of different families.
func Flow(seed uint16, proto uint8, a, b netip.AddrPort) string {
	var out [Len]byte
	return string(Append(out[:0], seed, proto, a, b))
}

// Len is the length of every ID.
const Len = len(Version) + 28 // 28: base64 of SHA-1's 20 bytes

// Append appends the ID Flow returns to dst: Len bytes, or none when Flow
// returns "".
func Append(dst []byte, seed uint16, proto uint8, a, b netip.AddrPort) []byte {
	aa, ba := a.Addr().Unmap(), b.Addr().Unmap()
	if !aa.IsValid() || !ba.IsValid() || aa.Is4() != ba.Is4() {
		return dst
	}
	ap, bp := a.Port(), b.Port()
	if c := aa.Compare(ba); c > 0 || c == 0 && ap > bp {
		aa, ba, ap, bp = ba, aa, bp, ap
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	msg := binary.BigEndian.AppendUint16(buf[:0], seed)
	msg = appendAddr(msg, aa)
	msg = appendAddr(msg, ba)
	msg = append(msg, proto, 0)
	msg = binary.BigEndian.AppendUint16(msg, ap)
	msg = binary.BigEndian.AppendUint16(msg, bp)
	sum := sha1.Sum(msg)
	dst = append(dst, Version...)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// appendAddr appends the 4 or 16 bytes of a.
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		a4 := a.As4()
		return append(b, a4[:]...)
	}
	a16 := a.As16()
	return append(b, a16[:]...)
}
