package follow

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wirestat/wirestat/reconstruct/flow"
)

// Mode is how Text prints the payload, as tshark -z follow,tcp,MODE,N.
type Mode uint8

// Modes.
const (
	ASCII Mode = iota // printable bytes as they are, the rest as '.'
	Hex               // a hex dump, 16 bytes a line, with offsets per direction
	Raw               // one hex string per chunk
)

// ParseMode reads "ascii", "hex" or "raw".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "ascii", "":
		return ASCII, nil
	case "hex":
		return Hex, nil
	case "raw":
		return Raw, nil
	}
	return 0, fmt.Errorf("unknown follow mode %q (want ascii, hex or raw)", s)
}

func (m Mode) String() string {
	switch m {
	case Hex:
		return "hex"
	case Raw:
		return "raw"
	}
	return "ascii"
}

const rule = "===================================================================\n"

// item is a chunk or a gap in output order.
type item struct {
	chunk *Chunk
	gap   *Gap
}

// items merges chunks and gaps: a gap comes just before the chunk of its
// direction at its offset.
func (s *Stream) items() []item {
	out := make([]item, 0, len(s.Chunks)+len(s.Gaps))
	i, j := 0, 0
	for i < len(s.Chunks) || j < len(s.Gaps) {
		if j < len(s.Gaps) && (i == len(s.Chunks) || s.Gaps[j].Dir == s.Chunks[i].Dir && s.Gaps[j].Offset+s.Gaps[j].Missed <= s.Chunks[i].Offset) {
			out = append(out, item{gap: &s.Gaps[j]})
			j++
			continue
		}
		out = append(out, item{chunk: &s.Chunks[i]})
		i++
	}
	return out
}

// Text writes the stream in tshark's follow layout: node 0 is the sender of
// the stream's first segment (the client, unless the capture starts with
// the server's packets), node 1's lines are indented by a tab. A hole is shown as tshark
// shows it, as if the sender had sent the text
// "[N bytes missing in capture file]" and a NUL byte there (see Marker).
func Text(w io.Writer, s *Stream, mode Mode) error {
	bw := bufio.NewWriter(w)
	node0, node1, second := s.Client, s.Server, flow.Server
	if s.First.IsValid() && s.First == s.Server {
		node0, node1, second = s.Server, s.Client, flow.Client
	}
	fmt.Fprintf(bw, "\n%sFollow: tcp,%s\nFilter: tcp.stream eq %d\nNode 0: %s\nNode 1: %s\n", rule, mode, s.Stream, node0, node1)
	var hexOff [2]int64
	for _, it := range s.items() {
		dir, data := it.dir(), it.data()
		switch mode {
		case ASCII:
			indent(bw, dir == second)
			fmt.Fprintf(bw, "%d\n", len(data))
			for _, b := range data {
				if b != '\n' && (b < 0x20 || b >= 0x7f) {
					b = '.'
				}
				bw.WriteByte(b)
			}
			bw.WriteByte('\n')
		case Hex:
			hexDump(bw, dir == second, hexOff[dir], data)
			hexOff[dir] += int64(len(data))
		case Raw:
			indent(bw, dir == second)
			bw.WriteString(hex.EncodeToString(data))
			bw.WriteByte('\n')
		}
	}
	bw.WriteString(rule)
	return bw.Flush()
}

// Marker is what tshark's follow shows in place of a hole of n bytes.
func Marker(n int64) []byte {
	return append(fmt.Appendf(nil, "[%d bytes missing in capture file]", n), 0)
}

// Sent returns what Text shows of one direction, concatenated: its bytes
// in sequence order with each hole's Marker.
func (s *Stream) Sent(d flow.Role) []byte {
	var b []byte
	for _, it := range s.items() {
		if it.dir() == d {
			b = append(b, it.data()...)
		}
	}
	return b
}

func (it item) dir() flow.Role {
	if it.gap != nil {
		return it.gap.Dir
	}
	return it.chunk.Dir
}

func (it item) data() []byte {
	if it.gap != nil {
		return Marker(it.gap.Missed)
	}
	return it.chunk.Data
}

// indent starts a line of node 1's data with a tab.
func indent(w *bufio.Writer, node1 bool) {
	if node1 {
		w.WriteByte('\t')
	}
}

// hexDump writes data 16 bytes a line as tshark does: offset, hex bytes
// and printable text, each in two groups of 8.
func hexDump(w *bufio.Writer, node1 bool, off int64, data []byte) {
	for i := 0; i < len(data); i += 16 {
		line := data[i:min(i+16, len(data))]
		indent(w, node1)
		fmt.Fprintf(w, "%08X  ", off+int64(i))
		for k := 0; k < 16; k++ {
			switch {
			case k < len(line):
				fmt.Fprintf(w, "%02x ", line[k])
			default:
				w.WriteString("   ")
			}
			if k == 7 {
				w.WriteByte(' ')
			}
		}
		w.WriteByte(' ')
		for k, b := range line {
			if k == 8 {
				w.WriteByte(' ')
			}
			if b < 0x20 || b >= 0x7f {
				b = '.'
			}
			w.WriteByte(b)
		}
		w.WriteByte('\n')
	}
}

// jsonChunk and jsonGap are the JSON shapes of Chunk and Gap.
type jsonChunk struct {
	Dir    string `json:"dir"`
	Frame  int64  `json:"frame"`
	Offset int64  `json:"offset"`
	Data   string `json:"data"` // base64
}

type jsonGap struct {
	Dir    string `json:"dir"`
	Frame  int64  `json:"frame"`
	Offset int64  `json:"offset"`
	Missed int64  `json:"missed_bytes"`
}

type jsonStream struct {
	Stream      int64       `json:"stream"`
	Client      string      `json:"client"`
	Server      string      `json:"server"`
	ClientBytes int64       `json:"client_bytes"`
	ServerBytes int64       `json:"server_bytes"`
	Chunks      []jsonChunk `json:"chunks"`
	Gaps        []jsonGap   `json:"gaps"`
}

// JSON writes the stream as one document: {"stream": N, "client":
// "addr:port", "server": ..., "client_bytes", "server_bytes", "chunks":
// [{"dir": "client"|"server", "frame", "offset", "data": BASE64}],
// "gaps": [{"dir", "frame", "offset", "missed_bytes"}]}.
func JSON(w io.Writer, s *Stream) error {
	js := jsonStream{
		Stream: s.Stream, Client: s.Client.String(), Server: s.Server.String(),
		ClientBytes: s.Bytes[flow.Client], ServerBytes: s.Bytes[flow.Server],
		Chunks: make([]jsonChunk, len(s.Chunks)), Gaps: make([]jsonGap, len(s.Gaps)),
	}
	for i, c := range s.Chunks {
		js.Chunks[i] = jsonChunk{Dir: c.Dir.String(), Frame: c.Frame, Offset: c.Offset, Data: base64.StdEncoding.EncodeToString(c.Data)}
	}
	for i, g := range s.Gaps {
		js.Gaps[i] = jsonGap{Dir: g.Dir.String(), Frame: g.Frame, Offset: g.Offset, Missed: g.Missed}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(js)
}
