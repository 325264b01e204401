// Command synflood writes a capture of a SYN flood: N SYNs to one server
// port from distinct source ports of a few dozen addresses, 5 µs apart, none
// answered, so every one is a half-open connection. bench/run.sh uses it to
// measure wirestat with millions of concurrent half-open connections.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
)

func main() {
	n := flag.Int("n", 2_000_000, "SYNs to write")
	out := flag.String("o", "", "output pcap file")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "synflood: -o FILE is required")
		os.Exit(1)
	}
	if err := write(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "synflood:", err)
		os.Exit(1)
	}
}

func write(name string, n int) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4) // microsecond pcap
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	w.Write(hdr)
	pkt := make([]byte, 54)
	copy(pkt[0:12], []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2})
	pkt[12], pkt[13] = 0x08, 0x00
	ip := pkt[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], 40)
	ip[8], ip[9] = 64, 6
	copy(ip[16:20], []byte{10, 0, 0, 1})
	tcp := pkt[34:]
	binary.BigEndian.PutUint16(tcp[2:], 80)
	tcp[12], tcp[13] = 5<<4, 0x02 // SYN
	binary.BigEndian.PutUint16(tcp[14:], 1024)
	rec := make([]byte, 16)
	for i := range n {
		us := uint64(i) * 5
		binary.LittleEndian.PutUint32(rec[0:], uint32(1_700_000_000+us/1_000_000))
		binary.LittleEndian.PutUint32(rec[4:], uint32(us%1_000_000))
		binary.LittleEndian.PutUint32(rec[8:], 54)
		binary.LittleEndian.PutUint32(rec[12:], 54)
		binary.BigEndian.PutUint32(ip[12:16], 0x0b000000+uint32(i/60000))
		binary.BigEndian.PutUint16(tcp[0:], uint16(1024+i%60000))
		binary.BigEndian.PutUint32(tcp[4:], uint32(i)*7919)
		w.Write(rec)
		w.Write(pkt)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
