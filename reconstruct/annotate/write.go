package annotate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
)

// maxBlock bounds a block copied whole; longer ones are corrupt.
const maxBlock = 1 << 26

// errStop ends the copy of one input at a corrupt or truncated record:
// the analysis already warned about it, and the frames before it are
// written.
var errStop = errors.New("stop")

// WriteFiles writes the capture files, in order, to w as one pcapng file
// with the notes added as packet comments after the comments each packet
// already has. Everything else is copied as it is: every option of every
// packet, and every other block (interfaces, name resolution, interface
// statistics, decryption secrets, custom blocks — including those marked
// not to be copied, which Wireshark numbers as frames), so frame numbers
// are the original ones. Each pcapng input keeps its sections and byte
// order; a pcap input becomes a section with one interface of its link
// type, snap length and timestamp resolution (micro- or nanoseconds).
// Gzip-compressed inputs are read decompressed. An input that turns
// corrupt is copied up to the problem (the analysis has reported it).
func WriteFiles(w io.Writer, names []string, notes *Notes) error {
	c := &copier{w: bufio.NewWriterSize(w, 1<<20), notes: notes}
	for _, name := range names {
		if err := c.file(name); err != nil {
			return err
		}
	}
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// Write is WriteFiles over one reader holding a pcap or pcapng capture
// (gzip allowed), for standard input and tests; name is used in errors.
func Write(w io.Writer, name string, r io.Reader, notes *Notes) error {
	c := &copier{w: bufio.NewWriterSize(w, 1<<20), notes: notes}
	if err := c.input(name, r); err != nil {
		return err
	}
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

type copier struct {
	w     *bufio.Writer
	notes *Notes
	frame int64  // frames numbered so far, over all inputs
	buf   []byte // the block being read
	out   []byte // the block being written
	err   error  // first write error
}

func (c *copier) file(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.input(name, f)
}

func (c *copier) input(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: bad gzip header: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<20)
	}
	magic, _ := br.Peek(4)
	if len(magic) < 4 {
		return fmt.Errorf("%s: not a capture", name)
	}
	var err error
	if binary.LittleEndian.Uint32(magic) == blockSHB {
		err = c.pcapng(br)
	} else {
		err = c.pcap(name, br)
	}
	if errors.Is(err, errStop) || err == io.EOF {
		err = nil
	}
	if err == nil {
		err = c.err
	}
	return err
}

func (c *copier) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

// pcapng copies the blocks of a pcapng input.
func (c *copier) pcapng(r *bufio.Reader) error {
	var bo byteOrder = binary.LittleEndian
	var hdr [12]byte
	for {
		if err := readFull(r, hdr[:8]); err != nil {
			if err == io.EOF {
				return nil
			}
			return errStop
		}
		btype := bo.Uint32(hdr[:])
		if btype == blockSHB {
			if err := readFull(r, hdr[8:12]); err != nil {
				return errStop
			}
			switch binary.BigEndian.Uint32(hdr[8:]) {
			case byteOrderMagic:
				bo = binary.BigEndian
			case 0x4D3C2B1A:
				bo = binary.LittleEndian
			default:
				return errStop
			}
		}
		total := bo.Uint32(hdr[4:])
		if total < 12 || total%4 != 0 || total > maxBlock {
			return errStop
		}
		c.buf = append(c.buf[:0], hdr[:8]...)
		if btype == blockSHB {
			c.buf = append(c.buf, hdr[8:12]...)
		}
		have := len(c.buf)
		c.buf = append(c.buf, make([]byte, int(total)-have)...)
		if err := readFull(r, c.buf[have:]); err != nil {
			return errStop
		}
		if !counted(btype) {
			c.write(c.buf)
			continue
		}
		c.frame++
		comments := c.notes.For(c.frame)
		if len(comments) == 0 {
			c.write(c.buf)
			continue
		}
		c.write(c.commented(bo, btype, c.buf, comments))
	}
}

// commented returns the packet block blk with comments added, or blk
// unchanged when it is not a packet or does not parse.
func (c *copier) commented(bo byteOrder, btype uint32, blk []byte, comments []string) []byte {
	body := blk[8 : len(blk)-4]
	switch btype {
	case blockEPB, blockPB:
		if len(body) < 20 {
			return blk
		}
		caplen := int(bo.Uint32(body[12:]))
		if caplen < 0 || pad4(caplen) > len(body)-20 {
			return blk
		}
		opts, ok := options(bo, body[20+pad4(caplen):])
		if !ok {
			return blk
		}
		c.out = appendPacket(c.out[:0], bo, btype, body[:20], body[20:20+caplen], opts, comments)
		return c.out
	case blockSPB:
		// A simple packet block has no options: it becomes an enhanced
		// one of interface 0 with no timestamp, as Wireshark shows it.
		if len(body) < 4 {
			return blk
		}
		origlen := bo.Uint32(body)
		data := body[4:]
		if int64(origlen) < int64(len(data)) {
			data = data[:origlen]
		}
		fixed := make([]byte, 20)
		bo.PutUint32(fixed[12:], uint32(len(data)))
		bo.PutUint32(fixed[16:], origlen)
		c.out = appendPacket(c.out[:0], bo, blockEPB, fixed, data, nil, comments)
		return c.out
	}
	return blk // a custom or journal block: nothing to attach a comment to
}

// pcap converts a classic pcap input to a pcapng section.
func (c *copier) pcap(name string, r *bufio.Reader) error {
	var h [24]byte
	if err := readFull(r, h[:]); err != nil {
		return fmt.Errorf("%s: too short for a pcap header", name)
	}
	var bo byteOrder
	resol := byte(6)
	switch binary.BigEndian.Uint32(h[:]) {
	case 0xa1b2c3d4:
		bo = binary.BigEndian
	case 0xd4c3b2a1:
		bo = binary.LittleEndian
	case 0xa1b23c4d:
		bo, resol = binary.BigEndian, 9
	case 0x4d3cb2a1:
		bo, resol = binary.LittleEndian, 9
	default:
		return fmt.Errorf("%s: not a pcap or pcapng file", name)
	}
	snaplen := bo.Uint32(h[16:])
	link := uint16(bo.Uint32(h[20:]))
	c.out = appendIDB(appendSHB(c.out[:0]), link, snaplen, resol)
	c.write(c.out)
	units := uint64(1_000_000)
	if resol == 9 {
		units = 1_000_000_000
	}
	le := binary.LittleEndian
	var rec [16]byte
	fixed := make([]byte, 20)
	for {
		if err := readFull(r, rec[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return errStop
		}
		caplen := bo.Uint32(rec[8:])
		if caplen > maxBlock {
			return errStop
		}
		c.buf = append(c.buf[:0], make([]byte, caplen)...)
		if err := readFull(r, c.buf); err != nil {
			return errStop
		}
		c.frame++
		ts := uint64(bo.Uint32(rec[0:]))*units + uint64(bo.Uint32(rec[4:]))
		le.PutUint32(fixed[0:], 0)
		le.PutUint32(fixed[4:], uint32(ts>>32))
		le.PutUint32(fixed[8:], uint32(ts))
		le.PutUint32(fixed[12:], caplen)
		le.PutUint32(fixed[16:], max(bo.Uint32(rec[12:]), caplen))
		c.out = appendPacket(c.out[:0], le, blockEPB, fixed, c.buf, nil, c.notes.For(c.frame))
		c.write(c.out)
	}
}
