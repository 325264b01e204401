package annotate

import (
	"encoding/binary"
	"io"
)

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
const (
	blockSHB     = 0x0A0D0D0A
	blockIDB     = 0x00000001
	blockPB      = 0x00000002 // obsolete Packet Block
	blockSPB     = 0x00000003
	blockEPB     = 0x00000006
	blockJournal = 0x00000009
	blockCB      = 0x00000BAD
	blockCBNo    = 0x40000BAD // custom block "not to be copied": copied all the same, see Write

	optEnd     = 0
	optComment = 1
	optTSResol = 9

	byteOrderMagic = 0x1A2B3C4D
)

// maxComment bounds one comment (an option length is 16 bits).
const maxComment = 0xFFFF - 3

// counted reports whether Wireshark gives a block of this type a frame
// number: packets, and the custom, sysdig event and systemd journal
// blocks it shows as frames too (as reconstruct/capture counts them).
func counted(t uint32) bool {
	switch t {
	case blockEPB, blockPB, blockSPB, blockCB, blockCBNo, blockJournal,
		0x204, 0x208, 0x216, 0x217, 0x221, 0x222:
		return true
	}
	return false
}

// byteOrder is a section's byte order, for reading and for appending.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func pad4(n int) int { return (n + 3) &^ 3 }

// appendSHB appends a little-endian section header block with no options.
func appendSHB(b []byte) []byte {
	bo := binary.LittleEndian
	b = bo.AppendUint32(b, blockSHB)
	b = bo.AppendUint32(b, 28)
	b = bo.AppendUint32(b, byteOrderMagic)
	b = bo.AppendUint16(b, 1) // version 1.0
	b = bo.AppendUint16(b, 0)
	b = bo.AppendUint64(b, ^uint64(0)) // section length unknown
	return bo.AppendUint32(b, 28)
}

// appendIDB appends a little-endian interface description block with
// if_tsresol (10^-resol seconds).
func appendIDB(b []byte, linkType uint16, snaplen uint32, resol byte) []byte {
	bo := binary.LittleEndian
	b = bo.AppendUint32(b, blockIDB)
	b = bo.AppendUint32(b, 32)
	b = bo.AppendUint16(b, linkType)
	b = bo.AppendUint16(b, 0)
	b = bo.AppendUint32(b, snaplen)
	b = bo.AppendUint16(b, optTSResol)
	b = bo.AppendUint16(b, 1)
	b = append(b, resol, 0, 0, 0)
	b = bo.AppendUint16(b, optEnd)
	b = bo.AppendUint16(b, 0)
	return bo.AppendUint32(b, 32)
}

// appendPacket appends a packet block of type btype (EPB or the obsolete
// PB): its 20 fixed bytes, the captured data, the options it had (opts,
// without their end-of-options marker), then one opt_comment per comment.
func appendPacket(b []byte, bo byteOrder, btype uint32, fixed, data, opts []byte, comments []string) []byte {
	optLen := len(opts)
	for _, c := range comments {
		optLen += 4 + pad4(min(len(c), maxComment))
	}
	if optLen > 0 {
		optLen += 4
	}
	total := 8 + len(fixed) + pad4(len(data)) + optLen + 4
	b = bo.AppendUint32(b, btype)
	b = bo.AppendUint32(b, uint32(total))
	b = append(b, fixed...)
	b = append(b, data...)
	b = append(b, make([]byte, pad4(len(data))-len(data))...)
	b = append(b, opts...)
	for _, c := range comments {
		n := min(len(c), maxComment)
		b = bo.AppendUint16(b, optComment)
		b = bo.AppendUint16(b, uint16(n))
		b = append(b, c[:n]...)
		b = append(b, make([]byte, pad4(n)-n)...)
	}
	if optLen > 0 {
		b = bo.AppendUint16(b, optEnd)
		b = bo.AppendUint16(b, 0)
	}
	return bo.AppendUint32(b, uint32(total))
}

// options returns the options area up to (not including) its
// end-of-options marker, or ok false when an option overruns it.
func options(bo byteOrder, area []byte) (opts []byte, ok bool) {
	i := 0
	for i+4 <= len(area) {
		code, n := bo.Uint16(area[i:]), int(bo.Uint16(area[i+2:]))
		if code == optEnd {
			return area[:i], true
		}
		next := i + 4 + pad4(n)
		if next > len(area) {
			return nil, false
		}
		i = next
	}
	return area[:i], i == len(area)
}

// readFull reads len(b) bytes; a clean end before the first byte is io.EOF.
func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	return err
}
