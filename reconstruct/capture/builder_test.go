package capture

import (
	"encoding/binary"
)

// byteOrder is a byte order that can also append.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// pcapBuilder writes a classic pcap file by hand.
type pcapBuilder struct {
	order byteOrder
	nano  bool
	b     []byte
}

func newPcap(order byteOrder, nano bool, network uint32, snaplen uint32) *pcapBuilder {
	p := &pcapBuilder{order: order, nano: nano}
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	p.b = order.AppendUint32(p.b, magic)
	p.b = order.AppendUint16(p.b, 2)
	p.b = order.AppendUint16(p.b, 4)
	p.b = order.AppendUint32(p.b, 0) // thiszone
	p.b = order.AppendUint32(p.b, 0) // sigfigs
	p.b = order.AppendUint32(p.b, snaplen)
	p.b = order.AppendUint32(p.b, network)
	return p
}

// record appends a record; origlen 0 means len(data).
func (p *pcapBuilder) record(sec, frac uint32, data []byte, origlen uint32) *pcapBuilder {
	if origlen == 0 {
		origlen = uint32(len(data))
	}
	p.b = p.order.AppendUint32(p.b, sec)
	p.b = p.order.AppendUint32(p.b, frac)
	p.b = p.order.AppendUint32(p.b, uint32(len(data)))
	p.b = p.order.AppendUint32(p.b, origlen)
	p.b = append(p.b, data...)
	return p
}

// ngBuilder writes a pcapng file by hand.
type ngBuilder struct {
	order byteOrder
	b     []byte
}

func newNg(order byteOrder) *ngBuilder {
	n := &ngBuilder{order: order}
	return n.section()
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// block appends a block with the given body (padded to 4 bytes).
func (n *ngBuilder) block(btype uint32, body []byte) *ngBuilder {
	body = pad4(append([]byte(nil), body...))
	total := uint32(12 + len(body))
	n.b = n.order.AppendUint32(n.b, btype)
	n.b = n.order.AppendUint32(n.b, total)
	n.b = append(n.b, body...)
	n.b = n.order.AppendUint32(n.b, total)
	return n
}

// section appends a section header block.
func (n *ngBuilder) section() *ngBuilder {
	var body []byte
	body = n.order.AppendUint32(body, 0x1a2b3c4d)
	body = n.order.AppendUint16(body, 1)
	body = n.order.AppendUint16(body, 0)
	body = n.order.AppendUint64(body, ^uint64(0))
	return n.block(blockSHB, body)
}

// option encodes one option.
func (n *ngBuilder) option(code uint16, val []byte) []byte {
	var b []byte
	b = n.order.AppendUint16(b, code)
	b = n.order.AppendUint16(b, uint16(len(val)))
	b = append(b, val...)
	return pad4(b)
}

// iface appends an interface description block. tsresol < 0 omits the
// option; tsoffset 0 omits it.
func (n *ngBuilder) iface(link uint16, snaplen uint32, tsresol int, tsoffset int64) *ngBuilder {
	var body []byte
	body = n.order.AppendUint16(body, link)
	body = n.order.AppendUint16(body, 0)
	body = n.order.AppendUint32(body, snaplen)
	body = append(body, n.option(2, []byte("eth0"))...)
	if tsresol >= 0 {
		body = append(body, n.option(9, []byte{byte(tsresol)})...)
	}
	if tsoffset != 0 {
		body = append(body, n.option(14, n.order.AppendUint64(nil, uint64(tsoffset)))...)
	}
	body = append(body, n.option(0, nil)...)
	return n.block(blockIDB, body)
}

// epb appends an enhanced packet block; origlen 0 means len(data).
func (n *ngBuilder) epb(id uint32, ts uint64, data []byte, origlen uint32) *ngBuilder {
	if origlen == 0 {
		origlen = uint32(len(data))
	}
	var body []byte
	body = n.order.AppendUint32(body, id)
	body = n.order.AppendUint32(body, uint32(ts>>32))
	body = n.order.AppendUint32(body, uint32(ts))
	body = n.order.AppendUint32(body, uint32(len(data)))
	body = n.order.AppendUint32(body, origlen)
	body = pad4(append(body, data...))
	body = append(body, n.option(1, []byte("a comment"))...)
	body = append(body, n.option(0, nil)...)
	return n.block(blockEPB, body)
}

// pb appends an obsolete packet block.
func (n *ngBuilder) pb(id uint16, ts uint64, data []byte) *ngBuilder {
	var body []byte
	body = n.order.AppendUint16(body, id)
	body = n.order.AppendUint16(body, 0)
	body = n.order.AppendUint32(body, uint32(ts>>32))
	body = n.order.AppendUint32(body, uint32(ts))
	body = n.order.AppendUint32(body, uint32(len(data)))
	body = n.order.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	return n.block(blockPB, body)
}

// spb appends a simple packet block.
func (n *ngBuilder) spb(data []byte, origlen uint32) *ngBuilder {
	var body []byte
	body = n.order.AppendUint32(body, origlen)
	body = append(body, data...)
	return n.block(blockSPB, body)
}

// payload returns a recognisable packet body of n bytes.
func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}
