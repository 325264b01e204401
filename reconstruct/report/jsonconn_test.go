package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wirestat/wirestat/reconstruct/result"
)

// encodeStd is what encoding/json writes for c, as the json (indent) and
// jsonl writers configure it, without the trailing newline.
func encodeStd(c *result.Connection, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("    ", "  ")
	}
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func randomConnection(rng *rand.Rand) result.Connection {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	var last time.Time
	tm := func() time.Time {
		switch rng.IntN(40) {
		case 5, 6, 7, 8, 9, 10: // the second of the time before
			return last.Truncate(time.Second).Add(time.Duration(rng.Int64N(1e9)))
		case 11: // before 1970, in the same second as the time before
			last = time.Unix(-rng.Int64N(2e9), rng.Int64N(1e9)).UTC()
			return last
		case 0:
			return time.Time{}
		case 1:
			return time.Unix(int64(rng.Uint64()>>1), 0).UTC() // far beyond year 9999
		case 2, 3, 4:
			return time.Unix(rng.Int64N(4e9), 0).UTC() // whole seconds
		}
		last = time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC()
		return last
	}
	str := func() string {
		if rng.IntN(30) == 0 {
			return pick(`a"b`, `back\slash`, "tab\there", "ünïcode", "\u2028", "\x00", "\xff")
		}
		return pick("", "10.0.0.1", "fe80::1%eth0", "ShADadFf^h", "tcp.stream eq 7", "<&>", "sent FIN before receiving peer's FIN")
	}
	ep := func() result.Endpoint {
		e := result.Endpoint{Addr: str(), Port: uint16(rng.Uint32()), State: pick("CLOSED", "TIME_WAIT", "UNKNOWN"),
			Packets: rng.Int64(), PayloadBytes: rng.Int64N(100), IPBytes: -rng.Int64N(5),
			SentFIN: rng.IntN(2) == 0, SentRST: rng.IntN(2) == 0, Evidence: pick("observed", "inferred", "none")}
		if rng.IntN(2) == 0 {
			e.OS = &result.OS{Family: pick("linux", "windows"), Detail: str(), Evidence: str(), Source: str(), TimeWaitSeconds: float64(rng.IntN(300))}
		}
		if rng.IntN(3) > 0 {
			t := tm()
			e.Since = &t
		}
		return e
	}
	c := result.Connection{
		Stream: rng.Int64(), Client: ep(), Server: ep(), RolesInferred: rng.IntN(2) == 0,
		FirstFrame: rng.Int64N(1e6), LastFrame: rng.Int64N(1e9), Start: tm(), End: tm(),
		Duration: []float64{0, 1e-7, 0.000267, 1.5, 123456.789, 1e21, -2.5e-9, 3e-6, math.MaxFloat64,
			math.SmallestNonzeroFloat64, 1e-6, 999999999999999999999.0, 5e-324, rng.Float64(), rng.Float64() * 1e-5,
			math.Inf(1), math.NaN()}[rng.IntN(17)],
		ZeekConnState: pick("SF", "S0", "REJ"), History: str(), MissedBytes: rng.Int64N(1e5), Filter: str(),
	}
	if rng.IntN(2) == 0 {
		c.Type = "connection"
	}
	for range rng.IntN(3) {
		c.Anomalies = append(c.Anomalies, result.Anomaly{Name: pick("TCP_christmas", "bad_SYN_ack", "RST_out_of_window"), Frame: rng.Int64N(1e6), Count: rng.Int64N(100)})
	}
	if rng.IntN(3) > 0 {
		s := pick("client", "server", "both")
		c.ClosedBy = &s
	}
	switch n := rng.IntN(5); n {
	case 0: // nil: null
	case 1:
		c.Transitions = []result.Transition{}
	default:
		for range n {
			c.Transitions = append(c.Transitions, result.Transition{Frame: rng.Int64N(1e6), Time: tm(),
				Endpoint: pick("client", "server"), From: "UNKNOWN", To: "SYN_SENT", Cause: str()})
		}
	}
	return c
}

// TestAppendConnection: the hand-written encoder writes byte for byte what
// encoding/json writes, indented and compact; what it declines, encoding/json
// either rejects or writes with escapes.
func TestAppendConnection(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	declined := 0
	var sec secondText // kept across rows, as the writers keep it
	for i := range 20000 {
		c := randomConnection(rng)
		for _, indent := range []bool{true, false} {
			got, ok := appendConnection([]byte("keep"), &c, indent, "    ", &sec)
			if !ok {
				declined++
				if string(got) != "keep" {
					t.Fatalf("case %d: declined but appended %q", i, got)
				}
				continue
			}
			want, err := encodeStd(&c, indent)
			if err != nil {
				t.Fatalf("case %d: accepted what encoding/json rejects: %v", i, err)
			}
			if !bytes.Equal(got[4:], want) {
				t.Fatalf("case %d (indent %v):\n got %s\nwant %s", i, indent, got[4:], want)
			}
		}
	}
	t.Logf("%d of 40000 encodings declined (left to encoding/json)", declined)
	if declined == 0 || declined > 20000 {
		t.Errorf("%d of 40000 encodings declined", declined)
	}
}
