#!/bin/sh
# sampling_loop.sh: how long the event loop pauses while the workers are
# sampled.  Starts gwd with N test workers (default 4096) on a private
# runtime and state directory, a sample every second (--max-worker-memory
# needs one), waits until every worker is ready, then for SECS seconds
# (default 10) sends `health` every 10 ms on one control connection and
# prints the answers' latency (median, 99th percentile, max, in ms) and
# the CPU time the master's main thread (the event loop) spent meanwhile.
#
# Usage: tests/bench/sampling_loop.sh [N] [SECS]   (from the build tree,
#        or with top_builddir set).  It kills only what it started, by pid.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
N=${1:-4096}
SECS=${2:-10}
BENCH=sampling_loop.sh
STOP_SECS=30
. "$(dirname "$0")/bench_common.inc"
bench_need "$GWD" "$GWCTL" "$TW"
GWD_PID=

S=$T/run/bench.sock
"$GWD" --name bench --control-socket "$S" --workers "$N" \
    --bind 127.0.0.1:0 --stats-db none --log-level warning \
    --max-worker-memory 1G --stats-interval 1s -- "$TW" >"$T/log" 2>&1 &
GWD_PID=$!
PIDS="$PIDS $GWD_PID"

wait_ready "$S" "$N"
sleep 2	# past the first samples

loop_cpu_ms() {
	sed 's/.*) //' "/proc/$GWD_PID/task/$GWD_PID/stat" |
	    awk -v hz="$(getconf CLK_TCK)" '{ print int(($12 + $13) * 1000 / hz) }'
}
c0=$(loop_cpu_ms)
python3 - "$S" "$SECS" "$N" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rb")
lat, end = [], time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    t0 = time.monotonic()
    s.sendall(b'{"cmd":"health"}\n')
    assert b'"ok":true' in f.readline()
    lat.append((time.monotonic() - t0) * 1000)
    time.sleep(0.01)
lat.sort()
print("health every 10 ms for %s s, %s workers, samples every 1 s: "
      "%d answers, median %.1f ms, p99 %.1f ms, max %.1f ms" % (
      sys.argv[2], sys.argv[3], len(lat), lat[len(lat) // 2],
      lat[int(len(lat) * 0.99)], lat[-1]))
PY
c1=$(loop_cpu_ms)
echo "event loop (main thread) CPU: $((c1 - c0)) ms in $SECS s;" \
    "load $(cut -d' ' -f1 /proc/loadavg)"
