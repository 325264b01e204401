package annotate_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirestat/wirestat/reconstruct/annotate"
	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/internal/testenv"
	"github.com/wirestat/wirestat/reconstruct/result"
)

// block is one pcapng block of a little-endian file.
type block struct {
	typ  uint32
	data []byte // the whole block
}

func blocks(t *testing.T, raw []byte) []block {
	t.Helper()
	var out []block
	for len(raw) > 0 {
		if len(raw) < 12 {
			t.Fatalf("%d trailing bytes", len(raw))
		}
		n := binary.LittleEndian.Uint32(raw[4:])
		if n < 12 || int(n) > len(raw) {
			t.Fatalf("bad block length %d", n)
		}
		out = append(out, block{binary.LittleEndian.Uint32(raw), raw[:n]})
		raw = raw[n:]
	}
	return out
}

func mkBlock(typ uint32, body []byte) []byte {
	body = append(body, make([]byte, (4-len(body)%4)%4)...)
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

func u32s(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// withBlocks inserts, after the fifth packet, a custom block (Wireshark
// gives it a frame number), a name resolution block and a decryption
// secrets block, and ends the file with an interface statistics block and
// a custom block marked not to be copied.
func withBlocks(t *testing.T, in []byte) []byte {
	t.Helper()
	var out []byte
	packets := 0
	for _, b := range blocks(t, in) {
		out = append(out, b.data...)
		if b.typ == 6 {
			packets++
			if packets == 5 {
				out = append(out, mkBlock(0x00000BAD, append(u32s(32473), "custom payload"...))...)
				nrb := append([]byte{1, 0, 16, 0, 10, 213, 0, 2}, "server.test\x00"...)
				out = append(out, mkBlock(0x00000004, append(nrb, 0, 0, 0, 0))...)
				out = append(out, mkBlock(0x0000000A, append(u32s(0x544c534b, 12), "CLIENT_RANDO"...))...)
			}
		}
	}
	out = append(out, mkBlock(0x00000005, u32s(0, 0, 0))...)
	return append(out, mkBlock(0x40000BAD, append(u32s(32473), "no copy"...))...)
}

// TestKeepsCommentsAndBlocks: a pcapng with editcap comments, custom,
// name resolution, decryption secrets and statistics blocks comes back
// with every block in place (byte for byte except the packets wirestat
// comments on), the original comments before wirestat's, and the same
// frame numbers in tshark.
func TestKeepsCommentsAndBlocks(t *testing.T) {
	editcap := testenv.Tool(t, "editcap")
	tshark := testenv.Tool(t, "tshark")
	dir := t.TempDir()
	commented := filepath.Join(dir, "commented.pcapng")
	demo := filepath.Join(testenv.RepoRoot(t), "pcaps", "demo.pcap")
	if out, err := exec.Command(editcap, "-a", "3:an analyst's note", "-a", "10:second note", demo, commented).CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v: %s", err, out)
	}
	raw, err := os.ReadFile(commented)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.pcapng")
	if err := os.WriteFile(in, withBlocks(t, raw), 0o644); err != nil {
		t.Fatal(err)
	}
	out, notes := annotated(t, in)
	orig, _ := os.ReadFile(in)
	back, _ := os.ReadFile(out)
	ob, bb := blocks(t, orig), blocks(t, back)
	if len(ob) != len(bb) {
		t.Fatalf("%d blocks, want %d", len(bb), len(ob))
	}
	frame := int64(0)
	for i := range ob {
		o, b := ob[i], bb[i]
		if o.typ != b.typ {
			t.Fatalf("block %d: type %#x, want %#x", i, b.typ, o.typ)
		}
		switch o.typ {
		case 6:
			frame++
			// Same fixed fields and data; the old options are a prefix of
			// the new ones (up to the end-of-options marker).
			caplen := int(binary.LittleEndian.Uint32(o.data[20:]))
			head := 28 + (caplen+3)&^3
			if !bytes.Equal(o.data[8:head], b.data[8:head]) {
				t.Errorf("frame %d: packet changed", frame)
			}
			oldOpts := o.data[head : len(o.data)-4]
			if len(oldOpts) >= 4 {
				oldOpts = oldOpts[:len(oldOpts)-4]
			}
			if !bytes.HasPrefix(b.data[head:], oldOpts) {
				t.Errorf("frame %d: original options not kept in front", frame)
			}
			if len(notes.For(frame)) == 0 && !bytes.Equal(o.data, b.data) {
				t.Errorf("frame %d: uncommented packet changed", frame)
			}
		case 0x00000BAD, 0x40000BAD:
			frame++
			fallthrough
		default:
			if !bytes.Equal(o.data, b.data) {
				t.Errorf("block %d (type %#x) changed", i, o.typ)
			}
		}
	}

	fields := func(name string) string {
		t.Helper()
		raw, err := exec.Command(tshark, "-n", "-r", name, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
			"-e", "frame.number", "-e", "tcp.stream", "-e", "frame.comment").Output()
		if err != nil {
			t.Fatalf("tshark %s: %v", name, err)
		}
		return string(raw)
	}
	inRows, outRows := strings.Split(fields(in), "\n"), strings.Split(fields(out), "\n")
	if len(inRows) != len(outRows) {
		t.Fatalf("tshark shows %d frames, want %d", len(outRows), len(inRows))
	}
	for i := range inRows {
		ic, oc := strings.Split(inRows[i], "\t"), strings.Split(outRows[i], "\t")
		if len(ic) < 3 {
			continue
		}
		if ic[0] != oc[0] || ic[1] != oc[1] {
			t.Errorf("tshark frame/stream %q, want %q", oc[:2], ic[:2])
		}
		if !strings.HasPrefix(oc[2], ic[2]) {
			t.Errorf("frame %s: comments %q do not start with the original %q", ic[0], oc[2], ic[2])
		}
	}
	if !strings.Contains(outRows[2], "an analyst's note|wirestat") {
		t.Errorf("frame 3: %q, want the analyst's note, then wirestat's", outRows[2])
	}
	verbose, err := exec.Command(tshark, "-n", "-r", out, "-V").Output()
	if err != nil {
		t.Fatalf("tshark -V: %v", err)
	}
	for _, want := range []string{"PCAPNG Custom Block 6:", "copying not allowed", "an analyst's note", "second note"} {
		if !bytes.Contains(verbose, []byte(want)) {
			t.Errorf("tshark -V does not show %q", want)
		}
	}
}

// FuzzWrite: any input is copied without a panic, and when the capture
// reader reads it cleanly, the copy holds the same packets.
func FuzzWrite(f *testing.F) {
	for _, name := range []string{"demo.pcap", "any-sll2.pcap", "close-wait-ipv6.pcap"} {
		if raw, err := os.ReadFile(filepath.Join("..", "..", "pcaps", name)); err == nil {
			f.Add(raw)
		}
	}
	f.Add(append(appendTestSHB(), mkBlock(0x00000BAD, u32s(1, 2))...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		notes := annotate.NewNotes()
		notes.Findings([]result.Finding{{Kind: "reset", Severity: "low", Subject: "x;y%", Summary: "s", Frames: []int64{1, 2, 5}}})
		var out bytes.Buffer
		if err := annotate.Write(&out, "fuzz", bytes.NewReader(data), notes); err != nil {
			return
		}
		orig, ok := readClean("in", data)
		if !ok {
			return
		}
		back, ok := readClean("out", out.Bytes())
		if !ok {
			t.Fatalf("the copy of a clean capture does not read back cleanly")
		}
		samePackets(t, orig, back)
	})
}

func appendTestSHB() []byte {
	return mkBlock(0x0A0D0D0A, append(u32s(0x1A2B3C4D, 1), u32s(^uint32(0), ^uint32(0))...))
}

// readClean reads every packet, or reports false on any problem.
func readClean(name string, data []byte) ([]capture.Packet, bool) {
	src := capture.NewReader(name, bytes.NewReader(data), capture.Options{})
	var out []capture.Packet
	for {
		p, err := src.Next()
		if err == io.EOF {
			return out, src.Frames() == int64(len(out))
		}
		if err != nil {
			return nil, false
		}
		p.Data = append([]byte(nil), p.Data...)
		out = append(out, p)
	}
}
