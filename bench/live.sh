#!/usr/bin/env bash
# bench/live.sh: live capture under load, wirestat beside tcpdump in the
# same run. Needs root, ip, tcpdump, hping3, iperf3, jq and /usr/bin/time;
# all traffic stays on the loopback of a network namespace made for the run
# and removed at the end.
#
#   bench/live.sh            # about 3 minutes on 2 cores
#
# Each trial starts one capturer alone (tcpdump -w /dev/null, wirestat, or
# wirestat built with -tags libpcap), sends traffic for SECONDS, and reads
# the capturer's own counters: packets the kernel received for it (after
# its filter) and packets lost (tcpdump's "dropped by kernel"; wirestat's
# capture.stats.dropped, kernel and queue drops together). Loads:
#   syn  hping3 -S at a closed port (every SYN answered by a RST), at rising
#        send intervals ending with --flood
#   bulk one iperf3 TCP stream at rising -b rates ending unlimited
# Then CPU per packet: wirestat live on a syn load while tcpdump saves the
# same packets, and wirestat reading that file.
#
# Environment: SECONDS_PER_TRIAL (default 3), BUFFER_KIB (-B of both tools,
# default 4096), WORKERS (wirestat --workers, default 1), SYN_RATES and
# BULK_RATES (|-separated hping3 rate options and iperf3 -b values).
# Results go to bench/LIVE.md (LIVE_RESULTS=FILE elsewhere) and stdout.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
[[ $(id -u) == 0 ]] || { echo "bench/live.sh: needs root (network namespaces, packet sockets)" >&2; exit 1; }
for tool in ip tcpdump hping3 iperf3 jq /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench/live.sh: $tool is missing" >&2; exit 1; }
done
SECS=${SECONDS_PER_TRIAL:-3}
BUF=${BUFFER_KIB:-4096}
WORKERS=${WORKERS:-1}
RESULTS=${LIVE_RESULTS:-$ROOT/bench/LIVE.md}
TMP=$(mktemp -d)
NS=wsbench-$$-$RANDOM
cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

echo "== building wirestat (pure Go and -tags libpcap)"
CGO_ENABLED=0 go build -o "$TMP/wirestat" ./cmd/wirestat
go build -tags libpcap -o "$TMP/wirestat-libpcap" ./cmd/wirestat

# load KIND ARG: traffic for SECS seconds.
load() {
	case $1 in
	syn) in_ns timeout -s INT "$SECS" hping3 -q -S -p 9 $2 127.0.0.1 >/dev/null 2>&1 || true ;;
	bulk)
		ip netns exec "$NS" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
		local srv=$!
		sleep 0.3
		in_ns timeout $((SECS + 5)) iperf3 -c 127.0.0.1 -p 5201 -t "$SECS" -b "$2" >/dev/null 2>&1 || true
		wait "$srv" 2>/dev/null || true
		;;
	esac
}
filter_of() { [[ $1 == syn ]] && echo "tcp port 9" || echo "tcp port 5201"; }

# trial CAPTURER KIND ARG: prints "received lost".
trial() {
	local cap=$1 kind=$2 arg=$3 flt
	flt=$(filter_of "$kind")
	case $cap in
	tcpdump)
		ip netns exec "$NS" tcpdump -i lo -B "$BUF" -w /dev/null $flt 2>"$TMP/td.err" &
		local pid=$!
		sleep 1
		load "$kind" "$arg"
		sleep 0.5
		kill -TERM "$pid"
		wait "$pid" || true
		local rcv drop
		rcv=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$TMP/td.err")
		drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$TMP/td.err")
		echo "${rcv:-?} ${drop:-?}"
		;;
	*)
		local bin=$TMP/wirestat
		[[ $cap == libpcap ]] && bin=$TMP/wirestat-libpcap
		ip netns exec "$NS" "$bin" -i lo -B "$BUF" --workers "$WORKERS" -q -F json -o "$TMP/ws.json" --duration $((SECS + 2))s $flt &
		local pid=$!
		sleep 1
		load "$kind" "$arg"
		wait "$pid" || true
		jq -r '"\(.capture.stats.received) \(.capture.stats.dropped)"' "$TMP/ws.json"
		;;
	esac
}

declare -A ARGS=(
	[syn]=${SYN_RATES:-"-i u200|-i u50|-i u20|-i u5|--flood"}
	[bulk]=${BULK_RATES:-"500M|2G|8G|0"}
)
rows=()
for kind in syn bulk; do
	IFS='|' read -r -a rates <<<"${ARGS[$kind]}"
	for arg in "${rates[@]}"; do
		line="| $kind | \`$arg\` |"
		for cap in tcpdump wirestat libpcap; do
			out=$(trial "$cap" "$kind" "$arg")
			read -r rcv lost <<<"$out"
			if [[ $cap == tcpdump && $rcv =~ ^[0-9]+$ && $lost =~ ^[0-9]+$ ]]; then
				# libpcap counts both copies of a loopback packet (the
				# outgoing one it discards too): halve. (wirestat's
				# libpcap build halves its own counts on lo.)
				rcv=$((rcv / 2)) lost=$((lost / 2))
			fi
			pps=?
			[[ $rcv =~ ^[0-9]+$ ]] && pps=$((rcv / SECS))
			pct=$(awk -v r="$rcv" -v l="$lost" 'BEGIN { if (r > 0) printf "%.1f", 100 * l / r; else print "?" }')
			line+=" $rcv ($pps/s) | $lost ($pct%) |"
			echo "$kind $arg $cap: received $rcv, lost $lost"
		done
		rows+=("$line")
	done
done

echo "== CPU per packet: live vs the same packets from a file"
flt=$(filter_of syn)
ip netns exec "$NS" tcpdump -i lo -B "$BUF" -w "$TMP/same.pcap" $flt 2>/dev/null &
tdpid=$!
ip netns exec "$NS" /usr/bin/time -f "%U %S" -o "$TMP/live.time" "$TMP/wirestat" -i lo -B "$BUF" -q -F json -o "$TMP/live.json" --duration $((SECS + 2))s $flt &
wspid=$!
sleep 1
load syn "-i u10"
wait "$wspid" || true
kill -TERM "$tdpid"; wait "$tdpid" || true
/usr/bin/time -f "%U %S" -o "$TMP/file.time" "$TMP/wirestat" -r "$TMP/same.pcap" -q -F json -o "$TMP/file.json" || true
cpu() { awk '{ printf "%.3f", $1 + $2 }' "$1"; }
live_pk=$(jq .capture.packets "$TMP/live.json")
live_lost=$(jq .capture.stats.dropped "$TMP/live.json")
file_pk=$(jq .capture.packets "$TMP/file.json")
live_cpu=$(cpu "$TMP/live.time")
file_cpu=$(cpu "$TMP/file.time")
per() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.2f", c * 1e6 / n; else print "?" }'; }
live_us=$(per "$live_cpu" "$live_pk")
file_us=$(per "$file_cpu" "$file_pk")
ratio=$(awk -v a="$live_us" -v b="$file_us" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')

{
	echo "# Live capture under load"
	echo
	echo "bench/live.sh, $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r), -B $BUF KiB, --workers $WORKERS,"
	echo "$SECS s of traffic per trial on a namespace's loopback, one capturer at a time."
	echo "Received: packets the kernel passed to the capturer's filter and counted (per second over the"
	echo "trial); lost: of those, never seen by the capturer. libpcap's counts hold every loopback packet"
	echo "twice, outgoing and arriving copy: tcpdump's are halved here, wirestat's libpcap build halves its own."
	echo
	echo "| load | rate | tcpdump received | tcpdump lost | wirestat received | wirestat lost | wirestat libpcap received | wirestat libpcap lost |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "CPU per packet (user + system): live $live_us µs over $live_pk packets ($live_lost lost), the same"
	echo "capture saved by tcpdump and read from the file $file_us µs over $file_pk packets: ${ratio}x."
} | tee "$RESULTS"
