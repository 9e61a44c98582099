#!/bin/sh
# metrics.sh: what Prometheus scrapes cost the master.  gwd runs 64
# `sleep` workers (they never heartbeat, so the master has nothing else to
# do) with the default stats settings (a sample every 10 s); the master's
# CPU ticks (utime + stime of /proc/PID/stat) are read over DURATION
# seconds twice: idle, then with one scrape of /metrics a second.
# Prints a section for tests/bench/RESULTS.md.
#
#   top_builddir=$PWD sh tests/bench/metrics.sh [DURATION]
set -eu
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUR=${1:-30}
GWD=$top_builddir/gwd
T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench-metrics.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state"
export RUNTIME_DIRECTORY=$T/run STATE_DIRECTORY=$T/state
port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(port)
MPORT=$(port)
HZ=$(getconf CLK_TCK)
"$GWD" --name bench -w 64 -b "127.0.0.1:$PORT" \
    --metrics-bind "127.0.0.1:$MPORT" --readiness spawn -- sleep 1000 \
    >"$T/gwd.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$T"' EXIT
ticks() {
	sed 's/.*) //' "/proc/$PID/stat" | awk '{ print $12 + $13 }'
}
i=0
until curl -sf "http://127.0.0.1:$MPORT/metrics" 2>/dev/null |
    grep -q '^gwd_workers{state="ready"} 64$'; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "bench: gwd not ready" >&2; exit 1; }
	sleep 0.1
done
sleep 2

t0=$(ticks)
sleep "$DUR"
idle=$(( $(ticks) - t0 ))

t0=$(ticks)
n=0
bytes=0
while [ $n -lt "$DUR" ]; do
	b=$(curl -sf -o /dev/null -w '%{size_download}' \
	    "http://127.0.0.1:$MPORT/metrics")
	bytes=$b
	n=$((n + 1))
	sleep 1
done
scraped=$(( $(ticks) - t0 ))

echo "### $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "    \$ top_builddir=\$PWD sh tests/bench/metrics.sh $DUR"
echo
echo "| ${DUR} s, 64 workers | master CPU ticks (1/$HZ s) | CPU % of one core |"
echo "|---|---|---|"
awk -v i="$idle" -v s="$scraped" -v d="$DUR" -v hz="$HZ" -v n="$n" 'BEGIN {
	printf "| idle | %d | %.2f %% |\n", i, 100 * i / hz / d
	printf "| %d scrapes, 1 a second | %d | %.2f %% |\n", n, s,
	    100 * s / hz / d
}'
echo
echo "One scrape: $bytes bytes."
