package reconstruct

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"

	"github.com/wirestat/wirestat/reconstruct/decode"
	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/internal/textarena"
	"github.com/wirestat/wirestat/reconstruct/osfp"
	"github.com/wirestat/wirestat/reconstruct/result"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// closedBy values, shared by every row rather than allocated per row.
var (
	closedByClient = "client"
	closedByServer = "server"
	closedByBoth   = "both"
)

// tunnelRows converts the tunnel stack of a connection's first packet.
func tunnelRows(t *decode.Tunnels) []result.Tunnel {
	if t.N == 0 {
		return nil
	}
	rows := make([]result.Tunnel, t.N)
	for i, l := range t.List() {
		rows[i] = result.Tunnel{Type: l.Type.String(), Outer: outerEndpoint(l.Src) + " > " + outerEndpoint(l.Dst)}
		if l.HasID {
			id := l.ID
			rows[i].ID = &id
		}
	}
	return rows
}

// outerEndpoint writes host:port, or the bare address when the port is 0
// (a tunnel directly over IP).
func outerEndpoint(a netip.AddrPort) string {
	if a.Port() == 0 {
		return a.Addr().Unmap().String()
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()).String()
}

// Connection converts a finished connection's record to its report row.
func Connection(c *finished.Conn) result.Connection {
	return connection(c, nil)
}

// rowMaker makes the report rows of one goroutine. It keeps the texts it
// made before (addresses, histories) and cuts the small parts of rows
// (the endpoints' Since, the transitions) from blocks shared by many rows,
// so that most rows need few allocations of their own. A row's parts are
// never reused: rows kept by a consumer stay intact.
type rowMaker struct {
	names addrNames
	hist  histories
	since [][2]time.Time
	trans []result.Transition
	text  textarena.Arena
}

// texts returns the arena of the rows' and records' strings (nil for a nil
// m).
func (m *rowMaker) texts() *textarena.Arena {
	if m == nil {
		return nil
	}
	return &m.text
}

// rowBlock is how many rows' parts a block holds.
const rowBlock = 256

// sinces returns room for both endpoints' Since.
func (m *rowMaker) sinces() *[2]time.Time {
	if m == nil {
		return new([2]time.Time)
	}
	if len(m.since) == 0 {
		m.since = make([][2]time.Time, rowBlock)
	}
	s := &m.since[0]
	m.since = m.since[1:]
	return s
}

// transitions returns room for n transitions, with no spare capacity.
func (m *rowMaker) transitions(n int) []result.Transition {
	if m == nil {
		return make([]result.Transition, n)
	}
	if len(m.trans) < n {
		m.trans = make([]result.Transition, max(n, 2*rowBlock))
	}
	t := m.trans[:n:n]
	m.trans = m.trans[n:]
	return t
}

func (m *rowMaker) addrs() *addrNames {
	if m == nil {
		return nil
	}
	return &m.names
}

func (m *rowMaker) history(b []byte) string {
	if m == nil {
		return string(b)
	}
	return m.hist.text(b)
}

// histories caches history texts, which repeat across a capture's
// connections ("ShADadFf"): direct-mapped like addrNames.
type histories struct {
	slot [histSlots]string
}

const histSlots = 1 << 10

func (h *histories) text(b []byte) string {
	x := uint32(2166136261)
	for _, c := range b {
		x = (x ^ uint32(c)) * 16777619
	}
	e := &h.slot[x>>(32-10)]
	if *e != string(b) {
		*e = string(b)
	}
	return *e
}

// addrNames caches the text of addresses seen often (a server's, a busy
// client's), so that most report rows need no new string for them: a
// direct-mapped cache, where an address takes the slot of its hash and
// replaces what was there, so that a stream of addresses never seen twice
// costs no table growth.
type addrNames struct {
	slot [addrSlots]struct {
		a netip.Addr
		s string
	}
}

const addrSlots = 1 << 12

func (n *addrNames) name(a netip.Addr) string {
	a = a.Unmap()
	if n == nil {
		return a.String()
	}
	b := a.As16()
	h := binary.LittleEndian.Uint64(b[8:])*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(b[:8])
	e := &n.slot[(h*0x9e3779b97f4a7c15)>>(64-12)]
	if e.a == a && e.s != "" {
		return e.s
	}
	e.a, e.s = a, a.String()
	return e.s
}

// appendFilter appends the display filter of stream n.
func appendFilter(b []byte, n int64) []byte {
	return strconv.AppendInt(append(b, "tcp.stream eq "...), n, 10)
}

// connection is Connection with the texts and parts from m (nil: each row
// its own).
func connection(c *finished.Conn, m *rowMaker) result.Connection {
	since, names := m.sinces(), m.addrs()
	var filter [32]byte
	rc := result.Connection{
		Stream:        c.Stream,
		Client:        endpoint(&c.EP[flow.Client], &since[0], names),
		Server:        endpoint(&c.EP[flow.Server], &since[1], names),
		RolesInferred: c.RolesInferred,
		FirstFrame:    c.FirstFrame,
		LastFrame:     c.LastFrame,
		Start:         c.Start.UTC(),
		End:           c.End.UTC(),
		Duration:      c.End.Sub(c.Start).Seconds(),
		ZeekConnState: c.Zeek.ConnState(),
		History:       m.history(c.Zeek.HistoryBytes()),
		MissedBytes:   c.MissedBytes,
		Part:          c.Part,
		CommunityID:   c.CommunityID,
		Transitions:   m.transitions(len(c.Transitions)),
		Filter:        m.texts().String(appendFilter(filter[:0], c.Stream)),
	}
	if c.Tunnels != nil {
		rc.Tunnel = tunnelRows(c.Tunnels)
	}
	if c.HasAnomalies() {
		for _, a := range c.AppendAnomalies(nil) {
			rc.Anomalies = append(rc.Anomalies, result.Anomaly{Name: a.Kind.String(), Frame: a.Frame, Count: a.Count})
		}
	}
	switch c.ClosedBy {
	case flow.ClosedByClient:
		rc.ClosedBy = &closedByClient
	case flow.ClosedByServer:
		rc.ClosedBy = &closedByServer
	case flow.ClosedByBoth:
		rc.ClosedBy = &closedByBoth
	}
	for i, t := range c.Transitions {
		rc.Transitions[i] = result.Transition{
			Frame: t.Frame, Time: t.Time(), Endpoint: t.Endpoint.String(),
			From: t.From.String(), To: t.To.String(), Cause: t.Cause().String(), Evidence: t.Evidence.String(),
		}
	}
	orig, resp := c.Zeek.Sizes()
	rc.Zeek = result.ZeekView{
		OrigIsClient: c.ZeekOrigIsClient(),
		OrigBytes:    orig,
		RespBytes:    resp,
		Duration:     rc.Duration,
	}
	return rc
}

func endpoint(e *flow.Endpoint, since *time.Time, names *addrNames) result.Endpoint {
	*since = e.Since()
	return result.Endpoint{
		Addr:         names.name(e.Addr.Addr()),
		Port:         e.Addr.Port(),
		State:        e.State.String(),
		Evidence:     e.Evidence.String(),
		Since:        since,
		Packets:      e.Packets,
		PayloadBytes: e.PayloadBytes,
		IPBytes:      e.IPBytes,
		SentFIN:      e.SentFIN,
		SentRST:      e.SentRST,
		OS:           osOf(e),
	}
}

// summary counts endpoint states per role.
type summary struct {
	client, server [tcpstate.NumStates]int64
}

func (s *summary) add(c *flow.Conn) {
	s.client[c.EP[flow.Client].State]++
	s.server[c.EP[flow.Server].State]++
}

func (s *summary) result() result.Summary {
	out := result.Summary{ClientStates: map[string]int64{}, ServerStates: map[string]int64{}}
	for i := range s.client {
		if s.client[i] > 0 {
			out.ClientStates[tcpstate.State(i).String()] = s.client[i]
		}
		if s.server[i] > 0 {
			out.ServerStates[tcpstate.State(i).String()] = s.server[i]
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// osOf is the report's view of e's OS fingerprint.
func osOf(e *flow.Endpoint) *result.OS {
	g, ok := e.OS()
	if !ok {
		return nil
	}
	tw, _ := osfp.TimeWait(g.Family)
	return &result.OS{Family: g.Family.String(), Detail: g.Detail, Evidence: g.Evidence, Source: g.Source, TimeWaitSeconds: tw.Seconds()}
}
