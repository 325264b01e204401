package annotate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 0x00000001
	blockEPB = 0x00000006

	optEnd      = 0
	optComment  = 1
	optTSResol  = 9
	byteOrderLE = 0x1A2B3C4D
)

// maxComment bounds one comment (an option length is 16 bits).
const maxComment = 0xFFFF - 3

// Writer writes pcapng: one section, one interface per link type met, one
// Enhanced Packet Block per frame with nanosecond timestamps and optional
// comments.
type Writer struct {
	w      *bufio.Writer
	ifaces map[uint16]uint32 // link type -> interface id
	buf    []byte
	err    error
}

// NewWriter writes the section header to w and returns a Writer.
func NewWriter(w io.Writer) (*Writer, error) {
	nw := &Writer{w: bufio.NewWriterSize(w, 1<<20), ifaces: map[uint16]uint32{}}
	b := nw.buf[:0]
	b = le32(b, blockSHB)
	b = le32(b, 28)
	b = le32(b, byteOrderLE)
	b = le16(b, 1) // version 1.0
	b = le16(b, 0)
	b = le64(b, ^uint64(0)) // section length unknown
	b = le32(b, 28)
	nw.buf = b
	_, err := nw.w.Write(b)
	return nw, err
}

func (w *Writer) iface(linkType uint16, snaplen uint32) (uint32, error) {
	if id, ok := w.ifaces[linkType]; ok {
		return id, nil
	}
	id := uint32(len(w.ifaces))
	w.ifaces[linkType] = id
	// IDB with if_tsresol = 9 (nanoseconds).
	b := w.buf[:0]
	b = le32(b, blockIDB)
	b = le32(b, 32)
	b = le16(b, linkType)
	b = le16(b, 0)
	b = le32(b, snaplen)
	b = le16(b, optTSResol)
	b = le16(b, 1)
	b = append(b, 9, 0, 0, 0)
	b = le16(b, optEnd)
	b = le16(b, 0)
	b = le32(b, 32)
	w.buf = b
	_, err := w.w.Write(b)
	return id, err
}

// WritePacket writes one frame with its comments (none is fine).
func (w *Writer) WritePacket(ts time.Time, linkType uint16, data []byte, wireLen int, comments []string) error {
	if w.err != nil {
		return w.err
	}
	id, err := w.iface(linkType, 0)
	if err != nil {
		w.err = err
		return err
	}
	if wireLen < len(data) {
		wireLen = len(data)
	}
	optLen := 0
	for _, c := range comments {
		n := min(len(c), maxComment)
		optLen += 4 + pad4(n)
	}
	if optLen > 0 {
		optLen += 4 // opt_endofopt
	}
	total := 28 + pad4(len(data)) + optLen + 4
	ns := uint64(ts.UnixNano())
	b := w.buf[:0]
	b = le32(b, blockEPB)
	b = le32(b, uint32(total))
	b = le32(b, id)
	b = le32(b, uint32(ns>>32))
	b = le32(b, uint32(ns))
	b = le32(b, uint32(len(data)))
	b = le32(b, uint32(wireLen))
	b = append(b, data...)
	b = append(b, make([]byte, pad4(len(data))-len(data))...)
	for _, c := range comments {
		n := min(len(c), maxComment)
		b = le16(b, optComment)
		b = le16(b, uint16(n))
		b = append(b, c[:n]...)
		b = append(b, make([]byte, pad4(n)-n)...)
	}
	if optLen > 0 {
		b = le16(b, optEnd)
		b = le16(b, 0)
	}
	b = le32(b, uint32(total))
	w.buf = b
	if len(b) != total {
		w.err = errors.New("annotate: internal block length mismatch")
		return w.err
	}
	_, w.err = w.w.Write(b)
	return w.err
}

// Flush writes buffered blocks to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

func pad4(n int) int { return (n + 3) &^ 3 }

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
