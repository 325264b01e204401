package tally

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/wirestat/wirestat/reconstruct/flow"
	"github.com/wirestat/wirestat/reconstruct/tcpstate"
)

// DefaultServices is Options.Services' default.
const DefaultServices = 10

// Options bound a Tally.
type Options struct {
	// Services is how many services are kept by name for each kind of
	// waiting endpoint: those with the most CLOSE_WAIT, the most
	// TIME_WAIT, the most SYN_RECEIVED and the most unanswered SYNs
	// (DefaultServices when 0); the others are summed into Tally.Other.
	Services int
}

// Waiting counts the endpoints of one service that wait on something.
type Waiting struct {
	CloseWait   int64 // endpoints in CLOSE_WAIT: the peer closed, the application has not
	TimeWait    int64 // endpoints in TIME_WAIT
	SynReceived int64 // servers in SYN_RECEIVED: SYN-ACK sent, handshake not completed (half-open)
	Unanswered  int64 // clients in SYN_SENT whose server has sent nothing yet
	// OldestCloseWait is when the longest-waiting CLOSE_WAIT endpoint
	// entered that state (zero when none).
	OldestCloseWait time.Time
}

// Total is the number of waiting endpoints.
func (w *Waiting) Total() int64 { return w.CloseWait + w.TimeWait + w.SynReceived + w.Unanswered }

func (w *Waiting) add(o *Waiting) {
	w.CloseWait += o.CloseWait
	w.TimeWait += o.TimeWait
	w.SynReceived += o.SynReceived
	w.Unanswered += o.Unanswered
	w.noteCloseWait(o.OldestCloseWait)
}

func (w *Waiting) noteCloseWait(since time.Time) {
	if !since.IsZero() && (w.OldestCloseWait.IsZero() || since.Before(w.OldestCloseWait)) {
		w.OldestCloseWait = since
	}
}

// Service is one server address and port and its waiting endpoints.
type Service struct {
	Addr netip.AddrPort
	Waiting
}

// Tally is the state of the open connections at one moment.
type Tally struct {
	// Connections is the number of open connections counted.
	Connections int64
	// States counts endpoints by role (flow.Client, flow.Server) and
	// state; StateNone counts the endpoints not heard from (UNKNOWN).
	States [2][tcpstate.NumStates]int64
	// Services are the services with the most waiting endpoints of
	// each kind (see Builder.Tally), most waiting first.
	Services []Service
	// Other sums the waiting endpoints of the services beyond them.
	Other Waiting
	// OtherServices is how many services Other sums.
	OtherServices int
}

// Builder builds one Tally; the zero value is ready to use.
type Builder struct {
	opt      Options
	t        Tally
	services map[netip.AddrPort]*Waiting
}

// New returns a Builder with opt.
func New(opt Options) *Builder {
	if opt.Services <= 0 {
		opt.Services = DefaultServices
	}
	return &Builder{opt: opt}
}

// Add counts one open connection.
func (b *Builder) Add(c *flow.Conn) {
	b.t.Connections++
	cl, sv := &c.EP[flow.Client], &c.EP[flow.Server]
	b.t.States[flow.Client][stateIndex(cl.State)]++
	b.t.States[flow.Server][stateIndex(sv.State)]++
	var w Waiting
	for _, e := range [...]*flow.Endpoint{cl, sv} {
		switch e.State {
		case tcpstate.CloseWait:
			w.CloseWait++
			w.noteCloseWait(e.Since())
		case tcpstate.TimeWait:
			w.TimeWait++
		}
	}
	if sv.State == tcpstate.SynReceived {
		w.SynReceived++
	}
	if cl.State == tcpstate.SynSent && sv.Packets == 0 {
		w.Unanswered++
	}
	if w.Total() == 0 {
		return
	}
	if b.services == nil {
		b.services = map[netip.AddrPort]*Waiting{}
	}
	s := b.services[sv.Addr]
	if s == nil {
		s = &Waiting{}
		b.services[sv.Addr] = s
	}
	s.add(&w)
}

// stateIndex keeps a hostile state value inside the table.
func stateIndex(s tcpstate.State) tcpstate.State {
	if int(s) >= tcpstate.NumStates {
		return tcpstate.StateNone
	}
	return s
}

// Tally ranks the services and returns the result; the Builder is then
// spent. The services kept are those among the Options.Services with the
// most CLOSE_WAIT, or the most TIME_WAIT, or the most SYN_RECEIVED, or
// the most unanswered SYNs (so at most four times Options.Services),
// listed with the most waiting endpoints first (ties by address).
func (b *Builder) Tally() *Tally {
	all := make([]Service, 0, len(b.services))
	for a, w := range b.services {
		all = append(all, Service{Addr: a, Waiting: *w})
	}
	byAddr := func(x, y Service) int { return x.Addr.Compare(y.Addr) }
	keep := make(map[netip.AddrPort]bool)
	for _, count := range [...]func(w *Waiting) int64{
		func(w *Waiting) int64 { return w.CloseWait },
		func(w *Waiting) int64 { return w.TimeWait },
		func(w *Waiting) int64 { return w.SynReceived },
		func(w *Waiting) int64 { return w.Unanswered },
	} {
		slices.SortFunc(all, func(x, y Service) int {
			if c := cmp.Compare(count(&y.Waiting), count(&x.Waiting)); c != 0 {
				return c
			}
			return byAddr(x, y)
		})
		for i := 0; i < len(all) && i < b.opt.Services && count(&all[i].Waiting) > 0; i++ {
			keep[all[i].Addr] = true
		}
	}
	t := &b.t
	t.Services = make([]Service, 0, len(keep))
	for i := range all {
		if keep[all[i].Addr] {
			t.Services = append(t.Services, all[i])
		} else {
			t.Other.add(&all[i].Waiting)
			t.OtherServices++
		}
	}
	slices.SortFunc(t.Services, func(x, y Service) int {
		if c := cmp.Compare(y.Total(), x.Total()); c != 0 {
			return c
		}
		return byAddr(x, y)
	})
	return t
}

// Count returns the number of endpoints of role r in state s.
func (t *Tally) Count(r flow.Role, s tcpstate.State) int64 {
	if r > flow.Server || int(s) >= tcpstate.NumStates {
		return 0
	}
	return t.States[r][s]
}
