package findings

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/finished"
	"github.com/wirestat/wirestat/reconstruct/flow"
)

// loginPorts are the login services whose bursts of short sessions are
// password guessing: FTP, SSH, Telnet, RDP, VNC.
var loginPorts = map[uint16]string{21: "FTP", 22: "SSH", 23: "Telnet", 3389: "RDP", 5900: "VNC"}

// loginKey is one client host towards one login service.
type loginKey struct {
	src    netip.Addr
	server netip.AddrPort
}

// loginAgg aggregates a client's short sessions with one login service.
type loginAgg struct {
	group
	times []int64 // session starts within LoginWindow of the latest, unix nanoseconds
	best  int     // most sessions in one LoginWindow
	start int64   // first session of that window
	end   int64   // last session of that window
	seen  time.Time
}

// loginSession reports whether c is a short complete session with a login
// service: handshake completed, both sides sent data, shorter than
// LoginShort.
func (col *Collector) loginSession(c *finished.Conn) bool {
	if c.Handshake != finished.Completed {
		return false
	}
	if _, ok := loginPorts[c.EP[flow.Server].Addr.Port()]; !ok {
		return false
	}
	return c.EP[flow.Client].PayloadBytes > 0 && c.EP[flow.Server].PayloadBytes > 0 &&
		c.End.Sub(c.Start) <= col.cfg.LoginShort
}

// loginDetector finds bursts of short sessions with login services.
type loginDetector struct {
	col    *Collector
	logins map[loginKey]*loginAgg
}

func (ld *loginDetector) add(c *finished.Conn, _ bool) bool {
	col := ld.col
	if !col.loginSession(c) {
		return false
	}
	k := loginKey{c.EP[flow.Client].Addr.Addr(), c.EP[flow.Server].Addr}
	a := ld.logins[k]
	if a == nil {
		a = &loginAgg{}
		ld.logins[k] = a
	}
	a.seen = col.captureEnd
	fr := synFrames(col.scratch[:0], c, flow.Client)
	col.scratch = fr
	a.addConn(&col.cfg, c, fr)
	at := c.Start.UnixNano()
	// Sessions reach the collector as they finish, nearly in start order:
	// keep the starts sorted and those within a window of the latest.
	i, _ := slices.BinarySearch(a.times, at)
	a.times = slices.Insert(a.times, i, at)
	window := col.cfg.LoginWindow.Nanoseconds()
	last := a.times[len(a.times)-1]
	lo := 0
	for lo < len(a.times) && a.times[lo] <= last-window {
		lo++
	}
	a.times = append(a.times[:0], a.times[lo:]...)
	if n := len(a.times); n > a.best {
		a.best, a.start, a.end = n, a.times[0], a.times[n-1]
	}
	return false
}

// settle forgets the pairs idle since cutoff that never reached the
// threshold.
func (ld *loginDetector) settle(cutoff time.Time) {
	for k, a := range ld.logins {
		if a.seen.Before(cutoff) && int64(a.best) < ld.col.cfg.LoginAttempts {
			delete(ld.logins, k)
		}
	}
}

// report emits the clients with at least LoginAttempts short sessions
// with one login service within LoginWindow.
func (ld *loginDetector) report(rc *reportContext) {
	col := ld.col
	keys := make([]loginKey, 0, len(ld.logins))
	for k, a := range ld.logins {
		if int64(a.best) >= col.cfg.LoginAttempts {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b loginKey) int {
		if c := a.src.Compare(b.src); c != 0 {
			return c
		}
		return a.server.Compare(b.server)
	})
	for _, k := range keys {
		a := ld.logins[k]
		subj := hostString(k.src)
		svc := loginPorts[k.server.Port()]
		span := max(time.Duration(a.end-a.start), time.Millisecond)
		d := map[string]any{
			"peer":           hostPortString(k.server),
			"service":        svc,
			"sessions":       a.count,
			"peak":           a.best,
			"peak_start":     time.Unix(0, a.start).UTC(),
			"burst_seconds":  secs(span),
			"window_seconds": durationOf(col.cfg.LoginWindow),
		}
		sum := fmt.Sprintf("%s opened %s with %s %s, each shorter than %s, %d of them within %s: password guessing (or a script logging in again and again)",
			subj, plural(a.count, "short session"), svc, hostPortString(k.server), fmtSecs(secs(col.cfg.LoginShort)), a.best, fmtSecs(secs(span)))
		sev := Medium
		if int64(a.best) >= col.cfg.ManyConnections {
			sev = High
		}
		rc.emit(&a.group, a.group.finding(&col.cfg, PasswordGuessing, sev, subj, sum, "tcp.flags.syn==1 && tcp.flags.ack==0", d))
	}
}
