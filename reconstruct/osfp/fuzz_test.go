package osfp

import (
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/capture"
	"github.com/wirestat/wirestat/reconstruct/decode"
)

// FuzzClassify decodes arbitrary Ethernet frames and checks that
// FromSegment and Classify never panic and give a consistent guess.
func FuzzClassify(f *testing.F) {
	for _, p := range []pkt{linuxSYN, linuxSYNACK,
		{ttl: 64, df: true, id: 9, win: 65535, mss: 1460, ws: 4, layout: "mss,nop,ws,nop,nop,ts,sok,eol+1", tsval: 1, seq: 3},
		{ttl: 41, id: 5, win: 1024, mss: 1460, layout: "mss", seq: 3},
		{v6: true, ttl: 64, flow: 3, win: 64800, mss: 1440, ws: 7, layout: "mss,sok,ts,nop,ws", tsval: 1, seq: 3},
	} {
		f.Add(p.frame(f))
	}
	for i := range synTable {
		if p, ok := rowPacket(&synTable[i], false, 1); ok {
			f.Add(p.frame(f))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var seg decode.Segment
		if decode.NewDecoder().Decode(capture.Packet{Data: data, LinkType: capture.LinkEthernet, Frame: 1, Timestamp: time.Unix(1, 0)}, &seg) != decode.OK {
			return
		}
		sig, ok := FromSegment(&seg)
		if !ok {
			return
		}
		g := Classify(sig)
		if g.Family >= numFamilies || g.Evidence == "" || g.InitialTTL < sig.TTL && g.InitialTTL != 0 && !g.Fuzzy {
			t.Fatalf("guess %+v for %+v", g, sig)
		}
		if (g.Detail == "") != (g.Source == "") || g.Family != Unknown && g.Detail == "" {
			t.Fatalf("guess %+v", g)
		}
		if _, ok := TimeWait(g.Family); ok == (g.Family == Unknown) {
			t.Fatalf("TimeWait(%v) ok %v", g.Family, ok)
		}
	})
}
