// Package findings turns finished connections into findings: grouped
// observations an operator reads first, one per server host:port or per
// source rather than one per connection. Kinds, severities and details
// keys are part of the report contract (schema wirestat.report/v1).
//
// The reconstruct pipeline calls Collector.Add with the record
// (finished.Conn) of every connection the flow tracker hands out and puts
// Collector.Findings into Result.Findings at the end. The record carries
// what is derived once per connection (the handshake's finished.Outcome,
// the first reset, each endpoint's TIME_WAIT); classification of a
// connection is a pure function of it. The collector keeps only compact
// aggregates per group (counts, capped evidence lists, 8-16 bytes per
// recent half-open handshake or TIME_WAIT endpoint for the time-window
// sweeps). All times are capture time.
//
// # Detectors
//
// Every kind is a detector (detector.go) in a file of its own, holding its
// aggregates: add folds in a connection, settle forgets what the horizon
// has passed, report emits the findings. The Collector only keeps the
// clock, dispatches each connection to the detectors in turn and sorts
// what they report. The files:
//
//   - scan.go: scan by SYNs (TRW and thresholds), with the per-source
//     state; attempts.go: syn_unanswered, syn_rejected, synack_unanswered,
//     whose per-source aggregates live in that state until the source is
//     judged; flood.go: syn_flood; retrans.go: syn_retransmitted;
//     halfclosed.go: half_closed (lasting, and the young, blind and
//     assumed info variants); timewait.go: time_wait_accumulation, which
//     also counts each side's connections for the impact of the others;
//     reset.go: reset.
//   - stealth.go (scans whose probes open no connection), backscatter.go,
//     anomaly.go, injection.go (reset_injection), login.go
//     (password_guessing).
//
// Detectors depend on each other in two ways, both explicit. A connection
// one detector claims (stealth: a probe; backscatter: an unsolicited
// SYN-ACK) is passed to the later ones as claimed, and those of failed,
// aborted or leaked connections leave it out; the claiming ones therefore
// come first. At report time a reportContext carries what earlier
// reporters found: the scanners (scan, stealth), whose attempts, probe
// resets and anomalies are not reported again, and the flooded servers
// (flood), whose unanswered SYNs are the flood's. newDetectors lists both
// orders; the order of equal findings in the sorted output follows the
// report order.
//
// # Memory
//
// The collector's state follows the busiest Config.Horizon (2 h) of
// capture time, not the length of the capture; what grows with the length
// is only what is reported (one aggregate per future finding). Its clock is
// the latest last packet of the connections added, and every Horizon/8 it
// settles what is older than one Horizon:
//
//   - A source (scan detectors) with no connection added for Horizon is
//     judged on what it did so far. A scanner's finding is kept; a benign
//     source's failed attempts are merged into their servers' aggregates
//     (with the set of distinct sources, for details.sources); then the
//     source, its target set and walks are forgotten. A source that comes
//     back starts a new walk and window, so a scanner active on several
//     days separated by quiet nights is reported once per stretch of
//     activity, and a benign verdict is not carried across a quiet
//     stretch.
//   - The TIME_WAIT peak of each side and the busiest FloodWindow of each
//     server are swept up to the cutoff; the intervals and first-SYN times
//     no later instant can involve are dropped. A side or server that has
//     been idle for Horizon without reaching its threshold is forgotten
//     (its counts restart if it becomes active again).
//   - syn_retransmitted keeps a histogram of the added latencies (rounded
//     to the millisecond), so its median stays exact.
//
// Connections reach the collector when the tracker hands them out: after
// the linger (30 s) for closed ones, after the idle timeout (1 h) for
// unanswered or abandoned ones. Horizon must exceed that lag; a connection
// handed out later than Horizon still counts everywhere but no longer moves
// a peak before the cutoff. Captures shorter than Horizon are judged
// exactly as if everything were kept.
//
// # Common fields
//
// Every finding has a Subject (host:port of a server side; a bare host for
// a scanning source or for a client side, whose ephemeral ports make no
// useful group), a one-sentence Summary, an exact Count, the Streams
// involved (the lowest MaxStreams stream numbers), the evidence Frames
// (the lowest MaxFrames), First and Last (times of the first and last
// packet of the connections involved) and a Wireshark display Filter
// selecting the evidence packets: `tcp.stream in {…} && <flags>` (or
// `tcp.stream eq N` for one stream). A scan or SYN flood whose stream list
// was capped uses the address form instead, e.g. `ip.src==10.0.0.9 &&
// tcp.flags.syn==1 && tcp.flags.ack==0` (ipv6.src for IPv6). When a list
// was capped, details.truncated is true. Findings are sorted by first
// evidence frame, then subject, then kind.
//
// "Client" is the side that sent the first SYN. A handshake is judged only
// when the capture holds the client's SYN: midstream pickups and
// connections whose roles were guessed never count as attempts.
//
// # Significance
//
// The severity of a per-subject finding (syn_unanswered, syn_rejected,
// synack_unanswered, syn_retransmitted, half_closed, reset) follows its
// impact measured against its subject's own traffic, so that one refused
// attempt among thousands of good connections does not read like an
// outage. The figures:
//
//   - n: the connections the finding covers (Count).
//   - total: the subject's connections: n plus the connections of the
//     server host:port that were established on both ends (handshake
//     kinds), or the side's established connections, n included
//     (syn_retransmitted, half_closed, reset). Established connections
//     are counted per side as for time_wait_accumulation; a side idle
//     for Horizon is forgotten, so on long captures total covers the
//     side's latest stretch of activity.
//   - share: n / total (details.share, rounded to 4 decimals;
//     details.subject_connections is total).
//   - peers: distinct peer hosts among the n (details.sources for the
//     handshake kinds; remembered up to 64).
//   - span: Last - First.
//   - many: ManyConnections (100), or HalfClosedMany (10) for
//     half_closed.
//
// The level, first rule that applies:
//
//  1. high: n >= many and share >= MinorShare (0.1);
//  2. medium: n >= many (a small share of a very busy subject);
//  3. high: peers >= ManyPeers (10) and share >= MajorShare (0.5): an
//     outage many clients see;
//  4. info: share < NoiseShare (0.01), or low if n >= 2 and span >=
//     PersistentSpan (60 s): a steady trickle rather than a blip;
//  5. info: n == 1 and total >= BusyConnections (20): a single connection
//     at a busy subject;
//  6. low: share < MinorShare, or n == 1;
//  7. medium otherwise.
//
// syn_unanswered, syn_rejected, synack_unanswered and half_closed take the
// level as it is. reset and syn_retransmitted, often benign, take one level
// lower (never below info). Examples: 1 refused attempt among 4,000 good
// connections is info (rule 4); a closed port tried once is low (rule 6);
// 3 of 3 attempts unanswered is medium; 20 of 30 connections left in
// CLOSE_WAIT is high (rule 1 with HalfClosedMany). scan and syn_flood are
// attacks and stay high; time_wait_accumulation keeps its count
// thresholds (a resource limit, not a share). Severities, least serious
// first: info, low, medium, high.
//
// # Kinds
//
// syn_unanswered (significance; see above). Subject: the
// server host:port. Trigger: the client sent SYN and the server sent
// nothing at all (Zeek S0). Evidence: the client's SYNs (tcp.flags.syn==1
// && tcp.flags.ack==0). Details: attempts (connections), sources (distinct
// client hosts), syn_packets (SYNs including retransmissions), max_retries
// (most retransmissions in one attempt), retransmission_intervals (seconds
// between the SYNs of that attempt, e.g. [1, 2, 4] for Linux's backoff).
// When the capture holds no packet at all towards any of the clients
// (source hosts none of whose connections got a packet back) nor any
// packet of the server host:port in a completed handshake (a one-sided tap
// or asymmetric routing would look the same), the finding is info, says
// so, and details.one_direction is true.
//
// syn_rejected (significance). Subject: server
// host:port. Trigger: the server answered the SYN with RST and never with
// SYN-ACK (Zeek REJ: nothing listens). Evidence: the SYNs and the reset.
// Details: attempts, sources.
//
// synack_unanswered (significance). Subject: server
// host:port. Trigger: the server sent SYN-ACK, never reached ESTABLISHED,
// and the client neither completed nor reset the handshake (the server is
// left half-open in SYN_RECEIVED). A SYN-ACK first sent less than a round
// trip before the end of the capture (max of HandshakeRTT, 200 ms, and the
// connection's SYN to SYN-ACK time) is not judged: the client's answer may
// be on its way. Evidence: the SYN-ACKs. Details: connections, sources,
// synack_retransmissions.
//
// syn_retransmitted (significance, one level lower). Subject: server
// host:port. Trigger: the handshake completed (both sides ESTABLISHED) but
// the client sent its SYN or the server its SYN-ACK more than once.
// Evidence: all SYN and SYN-ACK packets (tcp.flags.syn==1). Details:
// connections, syn_retransmissions, synack_retransmissions,
// extra_latency_max and extra_latency_median (seconds between the first
// and last SYN plus between the first and last SYN-ACK, per connection),
// connect_latency_max (first SYN to the client's ESTABLISHED).
//
// half_closed (significance, many = HalfClosedMany). Subject: the
// CLOSE_WAIT side: server host:port, or the client host (details.peer
// names the server). Trigger: one side sent FIN, the other is in
// CLOSE_WAIT and never sent its own FIN by the end of the capture: the
// application there has not called close(), the signature of a socket
// leak. The CLOSE_WAIT must have lasted HalfClosedMinAge (2 s) from the
// FIN to the end of the capture (its last packet; in a live capture the
// wall clock, Config.Now): younger ones are reported apart, as info with
// details.recent_fin, "too recent to tell a socket leak from a close in
// progress". A CLOSE_WAIT side none of whose packets the capture holds
// (one direction only) is likewise info with details.one_direction.
// Evidence: the FIN (tcp.flags.fin==1).
// Details: close_wait_side and fin_side (client|server), side, peer,
// connections, max_seconds_since_fin (oldest FIN to the capture's last
// packet), max_seconds_fin_to_last_packet (FIN to the last packet of the
// same connection), data_after_fin and payload_bytes_after_fin
// (connections, bytes the CLOSE_WAIT side still sent after the FIN),
// fin_side_states (FIN_WAIT_2, or FIN_WAIT_1 when the ACK was not seen),
// at_end_of_capture (connections still open when the capture ended; the
// summary then says "at end of capture").
//
// time_wait_accumulation (low; medium at TimeWaitMedium, high at
// TimeWaitHigh). Subject: server host:port, or the client host towards one
// server (details.peer). Trigger: at least TimeWaitThreshold endpoints of
// the side in TIME_WAIT at the same moment, at the peak or at the end of
// the capture. Each TIME_WAIT lasts from the transition into it to 2*MSL
// later or to the transition out of it (expiry or a reset); the peak is
// found by sweeping these intervals. Only established connections count.
// Evidence: the FINs of those connections. Details: side, peer,
// time_wait_total, time_wait_peak, peak_time, time_wait_at_end,
// established_at_end (endpoints of the side still ESTABLISHED when handed
// out), connections (all established connections of the side),
// closed_actively (connections the side closed first), active_closer,
// time_wait_seconds (2*MSL).
//
// reset (significance, one level lower). Subject: the resetting side:
// server host:port, or the client host (details.peer). Trigger: both
// sides had been synchronized (or the connection was picked up midstream)
// and one of them sent an acceptable RST from a synchronized state.
// Evidence: the resets (tcp.flags.reset==1). Details: side, peer, count,
// by_state (state of the resetting endpoint before its RST: ESTABLISHED
// is an abortive close such as SO_LINGER 0; CLOSE_WAIT a close with unread
// data; FIN_WAIT_*, CLOSING or LAST_ACK data arriving after its own FIN).
//
// scan (high). Subject: the scanning source host. A first contact fails
// when the SYN got no answer or a reset (S0 or REJ); any SYN-ACK is a
// success (a SYN scan that finds an open port succeeds, as in the paper).
// Two detectors:
//
//   - Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, IEEE S&P
//     2004). Per source, the outcomes of first contact with each distinct
//     destination host, in time order, multiply a likelihood ratio Λ by
//     θ1/θ0 on success and (1-θ1)/(1-θ0) on failure; Λ ≥ η1 = P_D/P_F means
//     scanner, Λ ≤ η0 = (1-P_D)/(1-P_F) benign, and the decision is final.
//     Defaults θ0 0.8, θ1 0.2, P_D 0.99, P_F 0.01: four failures in a row
//     (Λ = 256 ≥ 99) detect a scanner. Because the paper counts distinct
//     hosts, a vertical scan of one host yields one outcome; wirestat
//     therefore also runs a second walk per (source, destination host) over
//     the first contacts with each distinct destination port. Either walk
//     fires only if at least TRWMinFailureRatio of all its outcomes failed.
//   - Fixed thresholds as in Zeek's scan.zeek: within ScanWindow (5 min),
//     at least AddressScanHosts (25) distinct hosts on one port, or
//     PortScanPorts (15) distinct ports of one host, that the source never
//     reached, with failures making up at least ScanMinFailureRatio (0.8) of
//     the targets in the window.
//
// Crawlers, health checkers and proxies succeed most of the time and are
// not flagged; midstream connections never count. A source is judged per
// stretch of activity: after Horizon without connections it is settled
// (see Memory) and may be reported again later. A scanner's failed
// probes are not repeated as syn_unanswered, syn_rejected or
// synack_unanswered findings. Evidence: the SYNs of the failed attempts.
// Details: detector (trw, threshold or both), pattern (horizontal: many
// hosts; vertical: many ports of a host; block: both), targets (distinct
// hosts contacted), ports (distinct ports contacted), failed_targets
// (host:port never reached), failed_hosts, attempts (connection attempts),
// successes, likelihood_ratio (Λ at the decision of the walk that fired,
// else of the host walk), trw_walk ("hosts" or "ports of H"), trw_contacts
// (first contacts up to the decision), window_seconds,
// address_scan_port and address_scan_hosts, port_scan_host and
// port_scan_ports (the largest window count that fired).
//
// syn_flood (high). Subject: server host:port. Trigger: at least
// FloodHalfOpen (100) half-open handshakes towards the server starting
// within FloodWindow (10 s). A handshake is half-open when the client's
// SYN got no answer, got a SYN-ACK the client never acknowledged, or got a
// SYN-ACK the client reset (a spoofed source's real owner refusing it).
// The server's half-opens are not repeated as syn_unanswered or
// synack_unanswered. Evidence: the SYNs. Details: half_open (total),
// sources (distinct, at most MaxFloodSources; sources_capped when more),
// window_seconds, peak (most in one window), peak_rate (peak per second
// of the window), peak_start, burst_seconds (first to last SYN of that
// peak, at least 1 ms) and burst_rate (peak per second of the burst, the
// rate the summary gives), unanswered, synack_unanswered and
// reset_by_client (how the half-opens ended). The summary's words follow
// them: SYNs never answered are a flood the server did not answer
// (filtered, or a full backlog), SYN-ACKs reset by their clients a flood
// from spoofed sources, SYN-ACKs never completed one filling the backlog.
// SYNs answered by a reset are a closed port (syn_rejected), never a
// flood.
//
// A third detector covers probes that open no connection: a connection
// whose first sender sent no SYN and no payload in at most four segments
// and whose peer sent nothing or only resets is one probe, typed by its
// first segment's flags: ack (ACK alone: nmap -sA, the window scan -sW,
// which differs only in how nmap reads the resets, and the ACK ping -PA),
// fin (-sF), null (-sN), xmas (FIN, PSH, URG: -sX), maimon (FIN, ACK:
// -sM). A source whose probes reached AddressScanHosts hosts on one port
// or PortScanPorts ports of one host, some of them answered with a reset
// (probes nothing answered may be a one-direction capture's keep-alives),
// is a scan (detector threshold,
// details.probe the most used type, probes per type, reset and
// unanswered counts; evidence: each probe's first segment, the filter
// frame.number in {…}); its targets' resets and CLOSE_WAITs are the
// probes' answers and never reset or half_closed findings.
//
// backscatter (medium). Subject: a host that received at least
// BackscatterMin (10) SYN-ACKs it never asked for: the connection opened
// with the SYN-ACK and the host sent no SYN, no data and nothing but
// resets. Someone floods those servers with SYNs forged with its address.
// Evidence: the SYN-ACKs. Details: synacks, senders (distinct hosts, up to
// 64), ports (distinct server ports), reset (SYN-ACKs the victim answered
// with a reset, as a kernel does).
//
// reset_injection (medium; high at ManyConnections resets). Subject: a
// host that received at least ResetInjectionMin (5) resets whose sequence
// number its window did not hold (so they tore nothing down): a blind
// attacker forging its peers' addresses guessing at sequence numbers.
// Evidence: the resets (the first flow.MaxFlagFrames per connection; the
// filter selects all). Details: resets, connections, peers (addresses the
// resets claimed, up to 64).
//
// password_guessing (medium; high at ManyConnections in one window).
// Subject: a client host; details.peer the login service (FTP 21, SSH 22,
// Telnet 23, RDP 3389, VNC 5900). Trigger: at least LoginAttempts (20)
// sessions with it starting within LoginWindow (10 min), each with a
// completed handshake, data both ways and shorter than LoginShort (30 s).
// Health checks that connect without data, and long interactive
// sessions, do not count. Evidence: the client's SYNs.
// Details: peer, service, sessions, peak (most in one window), peak_start,
// burst_seconds (first to last session of the peak), window_seconds.
//
// anomaly (low; medium at ManyConnections). Subject: the host that sent
// segments a correct TCP stack does not send, named per connection as
// flow.AnomalyKind (TCP_christmas, SYN_with_FIN, TCP_null_flags,
// TCP_xmas_flags, FIN_without_ACK, illegal_flags, RST_out_of_window,
// bad_SYN_ack, data_before_established; each connection's JSON lists them
// with their first frame). Trigger: at least AnomalyMany (10) connections.
// A detected scanner's probes are the scan's, not repeated here.
// Evidence: the first anomalous segment of each kind on each connection
// (the filter is frame.number in {…}). Details: connections, peers
// (distinct, up to 64), by_name (connections per anomaly).
//
// # Evidence frames
//
// flow.Endpoint keeps the frames of the first eight SYNs (or SYN-ACKs) and
// of the first four FINs and RSTs each endpoint sent, retransmissions
// included, so Frames lists exactly the packets the filter selects unless
// an endpoint sent more than that.
package findings
