package findings

import "time"

// Config holds every threshold of the finding detectors. Time windows are
// capture (packet) time. A zero field takes the default documented on it,
// so Config{MSL: m} is a valid configuration; DefaultConfig returns all the
// defaults filled in.
type Config struct {
	// MSL is the maximum segment lifetime the tracker used: a TIME_WAIT
	// endpoint lasts 2*MSL unless a reset ends it. Default 60 s (Linux;
	// Windows hosts use 120 s). Pass the same value as flow.Config.MSL.
	MSL time.Duration

	// MaxStreams caps the Streams list of one finding (the lowest stream
	// numbers are kept; Count stays exact). Default 1000.
	MaxStreams int
	// MaxFrames caps the Frames list of one finding (the lowest frame
	// numbers are kept). Default 1000.
	MaxFrames int

	// ManyConnections is the number of connections at which a per-subject
	// finding (syn_unanswered, syn_rejected, synack_unanswered,
	// syn_retransmitted, reset) is at least medium, and high when they are
	// also MinorShare of the subject's connections (see doc.go,
	// Significance; reset and syn_retransmitted one level lower).
	// Default 100.
	ManyConnections int64

	// The significance rule (doc.go, Significance) weighs a per-subject
	// finding against its subject's own connections.
	//
	// NoiseShare: a finding covering less than this share of its
	// subject's connections is info (unless it covers ManyConnections, or
	// persists for PersistentSpan). Default 0.01.
	NoiseShare float64
	// MinorShare: below this share a finding is at most low, and a finding
	// of ManyConnections needs it to be high. Default 0.1.
	MinorShare float64
	// MajorShare and ManyPeers: at least this share of the subject's
	// connections, from at least ManyPeers distinct peers, is high (an
	// outage many clients see). Defaults 0.5 and 10.
	MajorShare float64
	ManyPeers  int
	// BusyConnections: a single connection at a subject with at least this
	// many connections is info. Default 20.
	BusyConnections int64
	// PersistentSpan: failures below NoiseShare that are spread over at
	// least this much capture time are low rather than info (a steady
	// trickle). Default 60 s.
	PersistentSpan time.Duration

	// HalfClosedMinAge is how long a CLOSE_WAIT must have lasted, from the
	// peer's FIN to the end of the capture (the last packet; in a live
	// capture the wall clock, see Now), to count as the signature of a
	// socket leak. Younger ones (a connection closing as the capture
	// ended) are reported apart, as info. Default 2 s.
	HalfClosedMinAge time.Duration
	// HalfClosedMany plays ManyConnections' part for half_closed: that
	// many half-closed connections of one CLOSE_WAIT side are at least
	// medium, high at MinorShare of the side's connections (socket leak).
	// Default 10.
	HalfClosedMany int64

	// TimeWaitThreshold is how many endpoints of one host:port must sit in
	// TIME_WAIT at the same moment (at the peak or at the end of the
	// capture) for a time_wait_accumulation finding. Default 100.
	TimeWaitThreshold int64
	// TimeWaitMedium raises time_wait_accumulation to medium. Default 1000.
	TimeWaitMedium int64
	// TimeWaitHigh raises time_wait_accumulation to high: close to
	// exhausting the 28232 ports of Linux's default ephemeral range towards
	// one destination. Default 16000.
	TimeWaitHigh int64

	// TRWTheta0 is P(first contact succeeds | benign source), θ0 of
	// Threshold Random Walk (Jung et al. 2004). Default 0.8.
	TRWTheta0 float64
	// TRWTheta1 is P(first contact succeeds | scanner), θ1. Default 0.2.
	TRWTheta1 float64
	// TRWDetection is the desired detection probability P_D; the scanner
	// threshold is η1 = P_D/P_F. Default 0.99.
	TRWDetection float64
	// TRWFalsePositive is the tolerated false-positive probability P_F; the
	// benign threshold is η0 = (1-P_D)/(1-P_F). Default 0.01.
	TRWFalsePositive float64
	// TRWMinFailureRatio additionally requires this fraction of all first
	// contacts of the walk that fired (not only those before the decision)
	// to have failed, so a source that met a few dead hosts before a long
	// run of successful work is not called a scanner. Default 0.5.
	TRWMinFailureRatio float64

	// ScanWindow is the sliding window of the threshold detector
	// (scan.zeek's 5 minutes). Default 5 min.
	ScanWindow time.Duration
	// AddressScanHosts is the number of distinct hosts one source failed to
	// reach on one port within ScanWindow for an address (horizontal) scan.
	// Default 25.
	AddressScanHosts int
	// PortScanPorts is the number of distinct ports of one host one source
	// failed to reach within ScanWindow for a port (vertical) scan.
	// Default 15.
	PortScanPorts int
	// ScanMinFailureRatio is the share of failed targets among all targets
	// in the window that the threshold detector requires (a crawler or a
	// health checker succeeds most of the time). Default 0.8.
	ScanMinFailureRatio float64

	// AnomalyMany is how many connections on which one host sent
	// anomalous segments (flow.AnomalyKind: illegal flags, resets outside
	// the window, SYN-ACKs not acknowledging the SYN, data before the
	// handshake) make an anomaly finding. Default 10.
	AnomalyMany int64

	// ResetInjectionMin is how many resets outside the window one host
	// must receive for a reset_injection finding. Default 5.
	ResetInjectionMin int64

	// BackscatterMin is how many SYN-ACKs one host must receive without
	// having sent a SYN for a backscatter finding. Default 10.
	BackscatterMin int64

	// LoginAttempts, LoginWindow and LoginShort: at least LoginAttempts
	// sessions from one client with one login service (FTP, SSH, Telnet,
	// RDP, VNC) within LoginWindow, each completed, carrying data both
	// ways and shorter than LoginShort, are password guessing. Defaults
	// 20, 10 min, 30 s.
	LoginAttempts int64
	LoginWindow   time.Duration
	LoginShort    time.Duration

	// FloodWindow is the sliding window of the SYN flood detector.
	// Default 10 s.
	FloodWindow time.Duration
	// FloodHalfOpen is how many half-open handshakes towards one server
	// host:port must start within FloodWindow for a syn_flood finding.
	// Default 100.
	FloodHalfOpen int
	// MaxFloodSources bounds the set of distinct sources remembered per
	// server (spoofed floods use millions); beyond it the count is a lower
	// bound and details.sources_capped is true. Default 65536.
	MaxFloodSources int

	// Horizon bounds the collector's memory to a window of capture time.
	// A scanning source, a TIME_WAIT side or a SYN flood target that has
	// not been handed a connection for this long is settled: a source is
	// judged (a scanner's finding is kept, a benign source's failed
	// attempts join their servers' findings) and forgotten, and a side or
	// server that never reached its threshold is forgotten; if it becomes
	// active again it starts afresh. The TIME_WAIT and flood peaks are
	// swept up to Horizon before the latest connection's last packet. The
	// tracker can hand a connection out up to its IdleTimeout (1 h) after
	// the connection's packets, so Horizon must exceed that timeout to
	// keep late connections in time order. Default 2 h, and never less
	// than IdleTimeout + IdleTimeout/8 + 10 min.
	Horizon time.Duration
	// HandshakeRTT is the least round trip a SYN-ACK is granted before the
	// end of the capture: a SYN-ACK whose first copy was sent less than
	// max(HandshakeRTT, the connection's SYN to SYN-ACK time) before the
	// end may have been answered after it, and is not called unanswered.
	// Default 200 ms (Linux's minimum retransmission timeout).
	HandshakeRTT time.Duration

	// Now, when set, is the wall clock of a live capture: the end of the
	// capture is then the later of the last packet and Now() when the
	// capture ends (Collector.ObserveUntil). Offline it is nil and the end
	// is the last packet.
	Now func() time.Time

	// IdleTimeout is the tracker's idle timeout (flow.Config.IdleTimeout):
	// how long after its last packet a connection can reach the collector.
	// It is not a threshold; it only raises Horizon.
	IdleTimeout time.Duration
}

// DefaultConfig returns the configuration with every default filled in.
func DefaultConfig() Config {
	var c Config
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	setDur(&c.MSL, 60*time.Second)
	setInt(&c.MaxStreams, 1000)
	setInt(&c.MaxFrames, 1000)
	setInt64(&c.ManyConnections, 100)
	setFloat(&c.NoiseShare, 0.01)
	setFloat(&c.MinorShare, 0.1)
	setFloat(&c.MajorShare, 0.5)
	setInt(&c.ManyPeers, 10)
	setInt64(&c.BusyConnections, 20)
	setDur(&c.PersistentSpan, time.Minute)
	setInt64(&c.HalfClosedMany, 10)
	setInt64(&c.TimeWaitThreshold, 100)
	setInt64(&c.TimeWaitMedium, 1000)
	setInt64(&c.TimeWaitHigh, 16000)
	setFloat(&c.TRWTheta0, 0.8)
	setFloat(&c.TRWTheta1, 0.2)
	setFloat(&c.TRWDetection, 0.99)
	setFloat(&c.TRWFalsePositive, 0.01)
	setFloat(&c.TRWMinFailureRatio, 0.5)
	setDur(&c.ScanWindow, 5*time.Minute)
	setInt(&c.AddressScanHosts, 25)
	setInt(&c.PortScanPorts, 15)
	setFloat(&c.ScanMinFailureRatio, 0.8)
	setInt64(&c.AnomalyMany, 10)
	setInt64(&c.BackscatterMin, 10)
	setInt64(&c.ResetInjectionMin, 5)
	setInt64(&c.LoginAttempts, 20)
	setDur(&c.LoginWindow, 10*time.Minute)
	setDur(&c.LoginShort, 30*time.Second)
	setDur(&c.FloodWindow, 10*time.Second)
	setInt(&c.FloodHalfOpen, 100)
	setInt(&c.MaxFloodSources, 65536)
	setDur(&c.Horizon, 2*time.Hour)
	setDur(&c.HalfClosedMinAge, 2*time.Second)
	setDur(&c.HandshakeRTT, 200*time.Millisecond)
	if least := c.IdleTimeout + c.IdleTimeout/8 + 10*time.Minute; c.Horizon < least {
		c.Horizon = least
	}
}

func setDur(p *time.Duration, d time.Duration) {
	if *p <= 0 {
		*p = d
	}
}

func setInt(p *int, d int) {
	if *p <= 0 {
		*p = d
	}
}

func setInt64(p *int64, d int64) {
	if *p <= 0 {
		*p = d
	}
}

func setFloat(p *float64, d float64) {
	if !(*p > 0) { // also replaces NaN
		*p = d
	}
}
