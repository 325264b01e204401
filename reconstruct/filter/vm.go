package filter

import "encoding/binary"

// Instruction is one classic BPF instruction, laid out as struct sock_filter
// and as the lines printed by "tcpdump -dd".
type Instruction struct {
	Op uint16 // opcode: class, size/operation, mode/source
	Jt uint8  // forward offset when a conditional jump is taken
	Jf uint8  // forward offset when it is not
	K  uint32 // constant operand
}

// Classic BPF opcode fields (linux/bpf_common.h, pcap/bpf.h).
const (
	clsLD   = 0x00
	clsLDX  = 0x01
	clsST   = 0x02
	clsSTX  = 0x03
	clsALU  = 0x04
	clsJMP  = 0x05
	clsRET  = 0x06
	clsMISC = 0x07

	sizeW = 0x00
	sizeH = 0x08
	sizeB = 0x10

	modeIMM = 0x00
	modeABS = 0x20
	modeIND = 0x40
	modeMEM = 0x60
	modeLEN = 0x80
	modeMSH = 0xa0

	aluADD = 0x00
	aluSUB = 0x10
	aluMUL = 0x20
	aluDIV = 0x30
	aluOR  = 0x40
	aluAND = 0x50
	aluLSH = 0x60
	aluRSH = 0x70
	aluNEG = 0x80
	aluMOD = 0x90
	aluXOR = 0xa0

	jmpJA   = 0x00
	jmpJEQ  = 0x10
	jmpJGT  = 0x20
	jmpJGE  = 0x30
	jmpJSET = 0x40

	srcK = 0x00
	srcX = 0x08

	retK = 0x00
	retA = 0x10

	miscTAX = 0x00
	miscTXA = 0x80

	// memWords is the size of the scratch memory (BPF_MEMWORDS).
	memWords = 16
	// maxInstructions is the longest program accepted (BPF_MAXINSNS).
	maxInstructions = 4096
)

// run executes prog over pkt, the captured bytes of a frame whose length
// on the wire is wireLen, and returns the program's verdict: 0 rejects the
// packet, anything else accepts it.
//
// run is safe on any program, validated or not: a load outside pkt or the
// scratch memory, a division by zero, an unknown opcode, a jump past the end
// or running off the end all return 0. Every jump moves forward, so run
// executes at most len(prog) instructions.
func run(prog []Instruction, pkt []byte, wireLen int) uint32 {
	var (
		a, x uint32
		mem  [memWords]uint32
	)
	n := uint64(len(pkt))
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		k := ins.K
		switch ins.Op {
		// Loads into A.
		case clsLD | sizeW | modeABS, clsLD | sizeH | modeABS, clsLD | sizeB | modeABS,
			clsLD | sizeW | modeIND, clsLD | sizeH | modeIND, clsLD | sizeB | modeIND:
			off := uint64(k)
			if ins.Op&0xe0 == modeIND {
				off += uint64(x)
			}
			switch ins.Op & 0x18 {
			case sizeW:
				if off+4 > n {
					return 0
				}
				a = binary.BigEndian.Uint32(pkt[off:])
			case sizeH:
				if off+2 > n {
					return 0
				}
				a = uint32(binary.BigEndian.Uint16(pkt[off:]))
			default:
				if off+1 > n {
					return 0
				}
				a = uint32(pkt[off])
			}
		case clsLD | sizeW | modeLEN:
			a = uint32(wireLen)
		case clsLD | sizeW | modeIMM:
			a = k
		case clsLD | sizeW | modeMEM:
			if k >= memWords {
				return 0
			}
			a = mem[k]

		// Loads into X.
		case clsLDX | sizeW | modeIMM:
			x = k
		case clsLDX | sizeW | modeMEM:
			if k >= memWords {
				return 0
			}
			x = mem[k]
		case clsLDX | sizeW | modeLEN:
			x = uint32(wireLen)
		case clsLDX | sizeB | modeMSH:
			if uint64(k) >= n {
				return 0
			}
			x = uint32(pkt[k]&0x0f) << 2

		// Stores.
		case clsST:
			if k >= memWords {
				return 0
			}
			mem[k] = a
		case clsSTX:
			if k >= memWords {
				return 0
			}
			mem[k] = x

		// Arithmetic.
		case clsALU | aluNEG:
			a = -a
		case clsALU | aluADD | srcK, clsALU | aluSUB | srcK, clsALU | aluMUL | srcK,
			clsALU | aluDIV | srcK, clsALU | aluOR | srcK, clsALU | aluAND | srcK,
			clsALU | aluLSH | srcK, clsALU | aluRSH | srcK, clsALU | aluMOD | srcK,
			clsALU | aluXOR | srcK,
			clsALU | aluADD | srcX, clsALU | aluSUB | srcX, clsALU | aluMUL | srcX,
			clsALU | aluDIV | srcX, clsALU | aluOR | srcX, clsALU | aluAND | srcX,
			clsALU | aluLSH | srcX, clsALU | aluRSH | srcX, clsALU | aluMOD | srcX,
			clsALU | aluXOR | srcX:
			v := k
			if ins.Op&srcX != 0 {
				v = x
			}
			switch ins.Op & 0xf0 {
			case aluADD:
				a += v
			case aluSUB:
				a -= v
			case aluMUL:
				a *= v
			case aluDIV:
				if v == 0 {
					return 0
				}
				a /= v
			case aluMOD:
				if v == 0 {
					return 0
				}
				a %= v
			case aluOR:
				a |= v
			case aluAND:
				a &= v
			case aluXOR:
				a ^= v
			case aluLSH:
				a <<= v // shifts of 32 or more give 0
			case aluRSH:
				a >>= v
			}

		// Jumps: offsets are unsigned, so control only moves forward.
		case clsJMP | jmpJA:
			if uint64(k) >= uint64(len(prog)-pc-1) {
				return 0
			}
			pc += int(k)
		case clsJMP | jmpJEQ | srcK, clsJMP | jmpJGT | srcK, clsJMP | jmpJGE | srcK, clsJMP | jmpJSET | srcK,
			clsJMP | jmpJEQ | srcX, clsJMP | jmpJGT | srcX, clsJMP | jmpJGE | srcX, clsJMP | jmpJSET | srcX:
			v := k
			if ins.Op&srcX != 0 {
				v = x
			}
			var taken bool
			switch ins.Op & 0xf0 {
			case jmpJEQ:
				taken = a == v
			case jmpJGT:
				taken = a > v
			case jmpJGE:
				taken = a >= v
			default:
				taken = a&v != 0
			}
			if taken {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}

		// Returns.
		case clsRET | retK:
			return k
		case clsRET | retA:
			return a

		// Register transfers.
		case clsMISC | miscTAX:
			x = a
		case clsMISC | miscTXA:
			a = x

		default:
			return 0
		}
	}
	return 0 // ran off the end (or jumped past it)
}

// validate checks a program the way the kernel's bpf_check_classic and
// libpcap's bpf_validate do, so that a compiler's output is rejected up
// front instead of silently rejecting every packet.
func validate(prog []Instruction) error {
	if len(prog) == 0 {
		return errEmptyProgram
	}
	if len(prog) > maxInstructions {
		return errProgramTooLong
	}
	for pc, ins := range prog {
		rest := len(prog) - pc - 1
		switch ins.Op {
		case clsLD | sizeW | modeABS, clsLD | sizeH | modeABS, clsLD | sizeB | modeABS,
			clsLD | sizeW | modeIND, clsLD | sizeH | modeIND, clsLD | sizeB | modeIND,
			clsLD | sizeW | modeLEN, clsLD | sizeW | modeIMM,
			clsLDX | sizeW | modeIMM, clsLDX | sizeW | modeLEN, clsLDX | sizeB | modeMSH,
			clsALU | aluNEG,
			clsALU | aluADD | srcX, clsALU | aluSUB | srcX, clsALU | aluMUL | srcX,
			clsALU | aluDIV | srcX, clsALU | aluOR | srcX, clsALU | aluAND | srcX,
			clsALU | aluLSH | srcX, clsALU | aluRSH | srcX, clsALU | aluMOD | srcX,
			clsALU | aluXOR | srcX,
			clsALU | aluADD | srcK, clsALU | aluSUB | srcK, clsALU | aluMUL | srcK,
			clsALU | aluOR | srcK, clsALU | aluAND | srcK,
			clsALU | aluLSH | srcK, clsALU | aluRSH | srcK, clsALU | aluXOR | srcK,
			clsRET | retK, clsRET | retA, clsMISC | miscTAX, clsMISC | miscTXA:
		case clsALU | aluDIV | srcK, clsALU | aluMOD | srcK:
			if ins.K == 0 {
				return &programError{pc, "division by constant zero"}
			}
		case clsLD | sizeW | modeMEM, clsLDX | sizeW | modeMEM, clsST, clsSTX:
			if ins.K >= memWords {
				return &programError{pc, "scratch memory index out of range"}
			}
		case clsJMP | jmpJA:
			if uint64(ins.K) >= uint64(rest) {
				return &programError{pc, "jump out of range"}
			}
		case clsJMP | jmpJEQ | srcK, clsJMP | jmpJGT | srcK, clsJMP | jmpJGE | srcK, clsJMP | jmpJSET | srcK,
			clsJMP | jmpJEQ | srcX, clsJMP | jmpJGT | srcX, clsJMP | jmpJGE | srcX, clsJMP | jmpJSET | srcX:
			if int(ins.Jt) >= rest || int(ins.Jf) >= rest {
				return &programError{pc, "jump out of range"}
			}
		default:
			return &programError{pc, "unknown opcode"}
		}
	}
	if prog[len(prog)-1].Op&0x07 != clsRET {
		return errNoReturn
	}
	return nil
}
