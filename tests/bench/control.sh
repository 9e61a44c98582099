#!/bin/sh
# control.sh: the control socket benchmark.  In one run on this machine:
#   1. the round trip of 10,000 pings on one connection, measured inside a
#      C client (tests/bench/ctl_pingbench), next to a bare Unix-socket echo
#      server measured by the same program in the same run;
#   2. whole-process `gwctl --json workers` and `gwctl workers` against a
#      gwd with 1000 workers, with hyperfine.
# Prints a Markdown report on stdout (copied into RESULTS.md).
#
# Usage: tests/bench/control.sh  (from the build tree, or with top_builddir
# set).  WORKERS=1000 N=10000 override the defaults.  It kills only what
# it started, by pid.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
PB=$top_builddir/tests/bench/ctl_pingbench
WORKERS=${WORKERS:-1000}
N=${N:-10000}
for p in "$GWD" "$GWCTL" "$PB"; do
	[ -x "$p" ] || { echo "control.sh: $p not built (make check)" >&2; exit 1; }
done
command -v hyperfine >/dev/null || { echo "control.sh: needs hyperfine" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state"
RUNTIME_DIRECTORY=$T/run
STATE_DIRECTORY=$T/state
export RUNTIME_DIRECTORY STATE_DIRECTORY
PID=

cleanup() {
	set +e
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID"
		wait "$PID"
	fi
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# start_gwd N: gwd with N `sleep` workers (ready at exec), until all run.
start_gwd() {
	"$GWD" -n bench -b 127.0.0.1:0 -w "$1" --readiness spawn \
	    --stats-db none -- sleep 100000 >"$T/gwd.log" 2>&1 &
	PID=$!
	i=0
	until "$GWCTL" -n bench --json status 2>/dev/null |
	    grep -q "\"ready\":$1,"; do
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "gwd did not reach $1 workers" >&2;
		    tail "$T/gwd.log" >&2; exit 1; }
		sleep 0.05
	done
}

stop_gwd() {
	"$GWCTL" -n bench --timeout 60s stop >/dev/null
	wait "$PID" || true
	PID=
}

echo "## control socket"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), $(uname -sr)."
echo
echo "### Round trip: $N pings on one connection"
echo
echo '```'
echo "\$ tests/bench/ctl_pingbench RUNDIR/bench.sock $N   # gwd with 1 worker"
start_gwd 1
"$PB" "$T/run/bench.sock" "$N"
stop_gwd
echo '```'
echo
echo "### gwctl workers with $WORKERS workers"
echo
start_gwd "$WORKERS"
echo '```'
echo "\$ hyperfine -N --warmup 10 'gwctl --json workers' 'gwctl workers' 'gwctl ping'"
hyperfine -N --warmup 10 --runs 100 --style basic \
    "$GWCTL -n bench --json workers" "$GWCTL -n bench workers" \
    "$GWCTL -n bench ping" 2>&1 | sed "s#$top_builddir/##g"
echo '```'
echo
printf 'answer size: %s bytes for %s workers\n\n' \
    "$("$GWCTL" -n bench --json workers | wc -c)" "$WORKERS"
# The same answer from a canned server that replies at once: what gwctl
# itself costs (connect, parse, render), without gwd building the answer.
"$GWCTL" -n bench call '{"id":1,"cmd":"workers"}' >"$T/answer"
stop_gwd
python3 - "$T/canned.sock" "$T/answer" "$T/canned.ready" <<'PY' &
import socket, sys
answer = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\n"):
        b = c.recv(65536)
        if not b:
            break
        buf += b
    c.sendall(answer)
    c.close()
PY
PID=$!
while [ ! -e "$T/canned.ready" ]; do sleep 0.05; done
echo "gwctl alone, the same $WORKERS-worker answer from a canned server:"
echo
echo '```'
echo "\$ hyperfine -N --warmup 10 'gwctl -s canned.sock --json workers' 'gwctl -s canned.sock workers'"
hyperfine -N --warmup 10 --runs 200 --style basic \
    "$GWCTL -s $T/canned.sock --json workers" \
    "$GWCTL -s $T/canned.sock workers" 2>&1 | sed "s#$T/##g; s#$top_builddir/##g"
echo '```'
# Wall time on a loaded machine says little; CPU time is steadier.
if command -v perf >/dev/null 2>&1; then
	echo
	echo "CPU time of gwctl itself (perf stat -r 50 -e task-clock), same canned answer:"
	echo
	echo '```'
	for a in "--json workers" "workers"; do
		# shellcheck disable=SC2086
		ms=$(perf stat -r 50 -x, -e task-clock "$GWCTL" -s "$T/canned.sock" \
		    $a 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')
		printf 'gwctl %-15s %6.2f ms CPU\n' "$a" "$ms"
	done
	echo '```'
fi
kill "$PID"
wait "$PID" 2>/dev/null || true
PID=
