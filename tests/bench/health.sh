#!/bin/sh
# health.sh: what a probe of /readyz and /livez costs the master.  gwd
# runs 64 test workers (READY=1, no heartbeats: the master has nothing
# else to do); wrk sends keep-alive probes for DURATION seconds per path
# on loopback, and the master's CPU ticks (utime + stime) over the run
# divided by the probes answered give the cost of one.
#
#   top_builddir=$PWD sh tests/bench/health.sh [DURATION]
set -eu
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUR=${1:-5}
GWD=$top_builddir/gwd
TW=$top_builddir/tests/helpers/testworker
command -v wrk >/dev/null || { echo "wrk not installed"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench-health.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state"
export RUNTIME_DIRECTORY=$T/run STATE_DIRECTORY=$T/state
port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(port)
MPORT=$(port)
HZ=$(getconf CLK_TCK)
"$GWD" --name bench -w 64 -b "127.0.0.1:$PORT" --stats-db none \
    --metrics-bind "127.0.0.1:$MPORT" --readiness notify -- "$TW" \
    >"$T/gwd.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$T"' EXIT
ticks() {
	sed 's/.*) //' "/proc/$PID/stat" | awk '{ print $12 + $13 }'
}
i=0
until [ "$(curl -s "http://127.0.0.1:$MPORT/readyz")" = ok ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "gwd not ready"; exit 1; }
	sleep 0.1
done
echo "## /readyz and /livez: master CPU per probe (64 workers, $(nproc) CPUs)"
echo
for path in /readyz /livez; do
	t0=$(ticks)
	wrk -t1 -c4 -d"${DUR}s" "http://127.0.0.1:$MPORT$path" >"$T/wrk" 2>&1
	t1=$(ticks)
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk")
	bad=$(grep -E 'Non-2xx|Socket errors' "$T/wrk" || true)
	awk -v p="$path" -v n="$n" -v t=$((t1 - t0)) -v hz="$HZ" -v b="$bad" \
	    'BEGIN { printf "- %s: %d probes in '"$DUR"' s, %.1f us of master CPU each%s\n",
	    p, n, t * 1e6 / hz / n, b == "" ? "" : " (" b ")" }'
done
