package synth

import (
	"encoding/binary"
	"io"
	"time"
)

const (
	snapLen      = 262144
	linkEthernet = 1
)

var le = binary.LittleEndian

// header writes the pcap file header, or the pcapng section header and one
// Ethernet interface (microsecond timestamps, the pcapng default).
func (g *gen) header(w io.Writer) error {
	var b []byte
	if g.cfg.Format == "pcapng" {
		b = le.AppendUint32(b, 0x0A0D0D0A)
		b = le.AppendUint32(b, 28)
		b = le.AppendUint32(b, 0x1A2B3C4D)
		b = le.AppendUint16(b, 1)
		b = le.AppendUint16(b, 0)
		b = le.AppendUint64(b, ^uint64(0)) // section length unknown
		b = le.AppendUint32(b, 28)
		b = le.AppendUint32(b, 1) // interface description block
		b = le.AppendUint32(b, 20)
		b = le.AppendUint16(b, linkEthernet)
		b = le.AppendUint16(b, 0)
		b = le.AppendUint32(b, snapLen)
		b = le.AppendUint32(b, 20)
	} else {
		b = le.AppendUint32(b, 0xa1b2c3d4) // microsecond pcap
		b = le.AppendUint16(b, 2)
		b = le.AppendUint16(b, 4)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, snapLen)
		b = le.AppendUint32(b, linkEthernet)
	}
	n, err := w.Write(b)
	g.stats.Bytes += int64(n)
	return err
}

// write encodes one packet of c at time ts (ns since Start) and writes
// its record.
func (g *gen) write(w io.Writer, c *conn, p *pkt, ts int64) error {
	ng := g.cfg.Format == "pcapng"
	rec := 16
	if ng {
		rec = 28
	}
	b := g.buf[:rec]
	src, dst := &c.ep[p.dir], &c.ep[1-p.dir]
	b = append(b, dst.mac[:]...)
	b = append(b, src.mac[:]...)
	if c.vlan != 0 {
		b = append(b, 0x81, 0x00, byte(c.vlan>>8), byte(c.vlan))
	}
	tcpLen := 20
	if p.flags&fSYN != 0 {
		tcpLen = 32
	}
	n := int(p.n)
	if c.v6 {
		b = append(b, 0x86, 0xdd, 0x60, 0, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(tcpLen+n))
		b = append(b, 6, 64)
		b = append(b, src.ip[:]...)
		b = append(b, dst.ip[:]...)
	} else {
		b = append(b, 0x08, 0x00)
		ip := len(b)
		c.ipid[p.dir]++
		id := c.ipid[p.dir] + uint16(c.id)*(1+uint16(p.dir))
		b = append(b, 0x45, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(20+tcpLen+n))
		b = binary.BigEndian.AppendUint16(b, id)
		b = append(b, 0x40, 0, 64, 6, 0, 0)
		b = append(b, src.ip[12:]...)
		b = append(b, dst.ip[12:]...)
		var sum uint32
		for i := ip; i < ip+20; i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(b[ip+10:], ^uint16(sum))
	}
	b = binary.BigEndian.AppendUint16(b, src.port)
	b = binary.BigEndian.AppendUint16(b, dst.port)
	b = binary.BigEndian.AppendUint32(b, p.seq)
	b = binary.BigEndian.AppendUint32(b, p.ack)
	b = append(b, byte(tcpLen/4)<<4, p.flags)
	if p.flags&fSYN != 0 {
		b = append(b, 0xfa, 0xf0, 0, 0, 0, 0) // window 64240
		// MSS 1460, SACK permitted, NOP, window scale 7, NOP, NOP.
		b = append(b, 2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1)
	} else {
		b = append(b, 0x01, 0xf6, 0, 0, 0, 0) // window 502 (<<7)
	}
	off := int(p.seq & 0xffff)
	b = append(b, g.payload[off:off+n]...)

	frame := len(b) - rec
	abs := g.cfg.Start.UnixNano() + ts
	if ng {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		total := len(b) + 4
		b = le.AppendUint32(b, uint32(total))
		usec := uint64(abs / 1000)
		le.PutUint32(b[0:], 6) // enhanced packet block
		le.PutUint32(b[4:], uint32(total))
		le.PutUint32(b[8:], 0)
		le.PutUint32(b[12:], uint32(usec>>32))
		le.PutUint32(b[16:], uint32(usec))
		le.PutUint32(b[20:], uint32(frame))
		le.PutUint32(b[24:], uint32(frame))
	} else {
		le.PutUint32(b[0:], uint32(abs/1e9))
		le.PutUint32(b[4:], uint32(abs%1e9/1000))
		le.PutUint32(b[8:], uint32(frame))
		le.PutUint32(b[12:], uint32(frame))
	}
	g.buf = b[:0]
	m, err := w.Write(b)
	g.stats.Bytes += int64(m)
	g.stats.Packets++
	t := g.cfg.Start.Add(time.Duration(ts))
	if g.stats.Packets == 1 {
		g.stats.First = t
	}
	g.stats.Last = t
	return err
}
