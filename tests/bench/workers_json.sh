#!/bin/sh
# workers_json.sh: how long `gwctl --json workers` takes with N workers
# (default 4096).  Starts gwd with N test workers on a private runtime and
# state directory, waits until every one is ready, then times CALLS calls
# (default 20) one after the other and prints the median, the minimum and
# the maximum in ms.  The same for `gwctl --json status`, for comparison.
#
# Usage: tests/bench/workers_json.sh [N] [CALLS]   (from the build tree,
#        or with top_builddir set).  It kills only what it started, by pid.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
N=${1:-4096}
CALLS=${2:-20}
BENCH=workers_json.sh
STOP_SECS=30
. "$(dirname "$0")/bench_common.inc"
bench_need "$GWD" "$GWCTL" "$TW"
GWD_PID=

S=$T/run/bench.sock
"$GWD" --name bench --control-socket "$S" --workers "$N" \
    --bind 127.0.0.1:0 --stats-db none --log-level warning -- "$TW" \
    >"$T/log" 2>&1 &
GWD_PID=$!
PIDS="$PIDS $GWD_PID"

wait_ready "$S" "$N"

# time_calls CMD: CALLS calls, one line of ms each.
time_calls() {
	j=0
	while [ $j -lt "$CALLS" ]; do
		a=$(date +%s%N)
		"$GWCTL" -s "$S" --json "$1" >/dev/null
		b=$(date +%s%N)
		echo $(((b - a) / 1000))
		j=$((j + 1))
	done
}

for cmd in workers status; do
	time_calls "$cmd" | sort -n | awk -v cmd="$cmd" -v n="$N" '
	    { v[NR] = $1 }
	    END { printf "gwctl --json %s, %d workers: median %.1f ms " \
		"(min %.1f, max %.1f, %d calls)\n", cmd, n,
		v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000, NR }'
done
