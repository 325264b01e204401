package filter

import (
	"encoding/binary"
	"testing"
)

// Shorthands for hand-written programs.
func stmt(op uint16, k uint32) Instruction { return Instruction{Op: op, K: k} }
func jump(op uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Op: op, Jt: jt, Jf: jf, K: k}
}

var (
	returnA  = stmt(clsRET|retA, 0)
	accept   = stmt(clsRET|retK, 1)
	rejected = stmt(clsRET|retK, 0)
)

func TestRun(t *testing.T) {
	pkt := []byte{0x45, 0x00, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x06, 0xff}
	tests := []struct {
		name    string
		prog    []Instruction
		wireLen int
		want    uint32
	}{
		{"ret k", []Instruction{stmt(clsRET|retK, 7)}, 10, 7},
		{"ld b abs", []Instruction{stmt(clsLD|sizeB|modeABS, 8), returnA}, 10, 6},
		{"ld h abs", []Instruction{stmt(clsLD|sizeH|modeABS, 2), returnA}, 10, 0x1234},
		{"ld w abs", []Instruction{stmt(clsLD|sizeW|modeABS, 4), returnA}, 10, 0xdeadbeef},
		{"ld w abs last bytes", []Instruction{stmt(clsLD|sizeW|modeABS, 6), returnA}, 10, 0xbeef06ff},
		{"ld w abs out of bounds", []Instruction{stmt(clsLD|sizeW|modeABS, 7), accept}, 10, 0},
		{"ld h abs out of bounds", []Instruction{stmt(clsLD|sizeH|modeABS, 9), accept}, 10, 0},
		{"ld b abs out of bounds", []Instruction{stmt(clsLD|sizeB|modeABS, 10), accept}, 10, 0},
		{"ld abs huge offset", []Instruction{stmt(clsLD|sizeB|modeABS, 0xffffffff), accept}, 10, 0},
		{"ld ind", []Instruction{stmt(clsLDX|sizeW|modeIMM, 4), stmt(clsLD|sizeH|modeIND, 2), returnA}, 10, 0xbeef},
		{"ld ind wraps", []Instruction{stmt(clsLDX|sizeW|modeIMM, 0xffffffff), stmt(clsLD|sizeB|modeIND, 2), accept}, 10, 0},
		{"ld len is wire length", []Instruction{stmt(clsLD|sizeW|modeLEN, 0), returnA}, 1500, 1500},
		{"ldx len", []Instruction{stmt(clsLDX|sizeW|modeLEN, 0), stmt(clsMISC|miscTXA, 0), returnA}, 99, 99},
		{"ldx msh", []Instruction{stmt(clsLDX|sizeB|modeMSH, 0), stmt(clsMISC|miscTXA, 0), returnA}, 10, 20},
		{"ldx msh out of bounds", []Instruction{stmt(clsLDX|sizeB|modeMSH, 10), accept}, 10, 0},
		{"scratch", []Instruction{
			stmt(clsLD|sizeW|modeIMM, 5), stmt(clsST, 3),
			stmt(clsLDX|sizeW|modeIMM, 9), stmt(clsSTX, 15),
			stmt(clsLD|sizeW|modeMEM, 15), stmt(clsLDX|sizeW|modeMEM, 3),
			stmt(clsALU|aluADD|srcX, 0), returnA}, 10, 14},
		{"scratch out of range", []Instruction{stmt(clsST, 16), accept}, 10, 0},
		{"scratch load out of range", []Instruction{stmt(clsLD|sizeW|modeMEM, 16), accept}, 10, 0},
		{"alu", []Instruction{
			stmt(clsLD|sizeW|modeIMM, 10), stmt(clsALU|aluMUL|srcK, 6), stmt(clsALU|aluSUB|srcK, 4),
			stmt(clsALU|aluDIV|srcK, 7), stmt(clsALU|aluLSH|srcK, 4), stmt(clsALU|aluOR|srcK, 3),
			stmt(clsALU|aluAND|srcK, 0xf3), stmt(clsALU|aluXOR|srcK, 0x01), stmt(clsALU|aluRSH|srcK, 1),
			stmt(clsALU|aluMOD|srcK, 7), returnA}, 10, ((((56/7)<<4|3)&0xf3 ^ 1) >> 1) % 7},
		{"neg", []Instruction{stmt(clsLD|sizeW|modeIMM, 1), stmt(clsALU|aluNEG, 0), returnA}, 10, 0xffffffff},
		{"shift by 32", []Instruction{stmt(clsLD|sizeW|modeIMM, 1), stmt(clsALU|aluLSH|srcK, 32), returnA}, 10, 0},
		{"div by x zero", []Instruction{stmt(clsLD|sizeW|modeIMM, 1), stmt(clsALU|aluDIV|srcX, 0), accept}, 10, 0},
		{"mod by x zero", []Instruction{stmt(clsLD|sizeW|modeIMM, 1), stmt(clsALU|aluMOD|srcX, 0), accept}, 10, 0},
		{"div by k zero", []Instruction{stmt(clsLD|sizeW|modeIMM, 1), stmt(clsALU|aluDIV|srcK, 0), accept}, 10, 0},
		{"jeq taken", []Instruction{stmt(clsLD|sizeB|modeABS, 8), jump(clsJMP|jmpJEQ|srcK, 6, 0, 1), accept, rejected}, 10, 1},
		{"jeq not taken", []Instruction{stmt(clsLD|sizeB|modeABS, 8), jump(clsJMP|jmpJEQ|srcK, 17, 0, 1), accept, rejected}, 10, 0},
		{"jgt jge", []Instruction{
			stmt(clsLD|sizeW|modeIMM, 5), jump(clsJMP|jmpJGT|srcK, 5, 2, 0),
			jump(clsJMP|jmpJGE|srcK, 5, 0, 1), accept, rejected}, 10, 1},
		{"jset x", []Instruction{
			stmt(clsLD|sizeW|modeIMM, 6), stmt(clsLDX|sizeW|modeIMM, 2),
			jump(clsJMP|jmpJSET|srcX, 0, 0, 1), accept, rejected}, 10, 1},
		{"ja", []Instruction{stmt(clsJMP|jmpJA, 1), rejected, accept}, 10, 1},
		{"ja past end", []Instruction{stmt(clsJMP|jmpJA, 1), accept}, 10, 0},
		{"ja huge", []Instruction{stmt(clsJMP|jmpJA, 0xffffffff), accept}, 10, 0},
		{"conditional past end", []Instruction{jump(clsJMP|jmpJEQ|srcK, 0, 5, 5), accept}, 10, 0},
		{"falls off the end", []Instruction{stmt(clsLD|sizeW|modeIMM, 1)}, 10, 0},
		{"tax txa", []Instruction{stmt(clsLD|sizeW|modeIMM, 3), stmt(clsMISC|miscTAX, 0),
			stmt(clsLD|sizeW|modeIMM, 0), stmt(clsMISC|miscTXA, 0), returnA}, 10, 3},
		{"unknown opcode", []Instruction{stmt(0xff, 0), accept}, 10, 0},
		{"linux extension load", []Instruction{stmt(clsLD|sizeW|modeABS, 0xfffff000), accept}, 10, 0},
		{"empty program", nil, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.prog, pkt, tt.wireLen); got != tt.want {
				t.Errorf("run = %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		prog []Instruction
		ok   bool
	}{
		{"accept", []Instruction{accept}, true},
		{"empty", nil, false},
		{"too long", make([]Instruction, maxInstructions+1), false},
		{"no return", []Instruction{stmt(clsLD|sizeW|modeIMM, 1)}, false},
		{"div by zero constant", []Instruction{stmt(clsALU|aluDIV|srcK, 0), accept}, false},
		{"mod by zero constant", []Instruction{stmt(clsALU|aluMOD|srcK, 0), accept}, false},
		{"div by x", []Instruction{stmt(clsALU|aluDIV|srcX, 0), accept}, true},
		{"scratch index", []Instruction{stmt(clsSTX, 16), accept}, false},
		{"jump out of range", []Instruction{jump(clsJMP|jmpJEQ|srcK, 0, 0, 1), accept}, false},
		{"jump in range", []Instruction{jump(clsJMP|jmpJEQ|srcK, 0, 0, 1), accept, rejected}, true},
		{"ja out of range", []Instruction{stmt(clsJMP|jmpJA, 1), accept}, false},
		{"unknown opcode", []Instruction{stmt(0x07|0x40, 0), accept}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := validate(tt.prog); (err == nil) != tt.ok {
				t.Errorf("validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestFromProgram(t *testing.T) {
	if _, err := FromProgram("bad", 1, []Instruction{stmt(clsJMP|jmpJA, 5), accept}); err == nil {
		t.Error("FromProgram accepted a jump out of range")
	}
	f, err := FromProgram("ipv4 ethertype", 1, []Instruction{
		stmt(clsLD|sizeH|modeABS, 12), jump(clsJMP|jmpJEQ|srcK, 0x800, 0, 1), accept, rejected})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 14)
	binary.BigEndian.PutUint16(frame[12:], 0x800)
	if !f.Match(frame, 14) || f.Match(frame[:13], 14) {
		t.Error("hand-written filter matches wrongly")
	}
	if allocs := testing.AllocsPerRun(100, func() { f.Match(frame, 14) }); allocs != 0 {
		t.Errorf("Match allocates %v times per call", allocs)
	}
}

// FuzzVM runs arbitrary programs over arbitrary packets. Programs are read
// from the input 8 bytes per instruction after a 1-byte packet length; run
// must never panic and never execute more instructions than the program
// has (it has no backward jumps, so it cannot loop).
func FuzzVM(f *testing.F) {
	f.Add([]byte{4, 0xde, 0xad, 0xbe, 0xef, 0x28, 0, 0, 0, 2, 0, 0, 0, 0x16, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0x15, 0, 1, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 1, 0, 0, 0})
	f.Add([]byte{2, 1, 2, 0x05, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x34, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{3, 1, 2, 3, 0xb1, 0, 0, 0, 0, 0, 0, 0, 0x50, 0, 0, 0, 0xff, 0xff, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		n := min(int(in[0]), len(in)-1)
		pkt, code := in[1:1+n], in[1+n:]
		prog := make([]Instruction, 0, len(code)/8)
		for ; len(code) >= 8; code = code[8:] {
			prog = append(prog, Instruction{
				Op: binary.LittleEndian.Uint16(code),
				Jt: code[2], Jf: code[3],
				K: binary.LittleEndian.Uint32(code[4:]),
			})
		}
		// Also exercise the one place that could wrap: wire lengths.
		v := run(prog, pkt, len(pkt)+int(in[0]))
		if len(prog) == 0 && v != 0 {
			t.Fatalf("empty program returned %d", v)
		}
		if validate(prog) == nil {
			fl, err := FromProgram("fuzz", 1, prog)
			if err != nil {
				t.Fatalf("FromProgram rejects a valid program: %v", err)
			}
			_ = fl.Match(pkt, len(pkt))
		}
	})
}
