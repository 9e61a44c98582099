#!/bin/sh
# health.sh: what a probe of /readyz and /livez costs gwd's master, next to
# what the same probe costs nginx (the anchor, in the same run).
#
#   top_builddir=$PWD sh tests/bench/health.sh [DURATION] [ROUNDS]
#                                              (defaults: 5 s, 3 rounds)
#
# gwd runs 64 test workers (READY=1, no heartbeats: the master has nothing
# else to do) with --metrics-bind; nginx-light runs 2 workers with
# `location /readyz { return 200 "ok\n"; }`.  wrk sends keep-alive probes
# (-t1 -c4) for DURATION seconds per case on loopback:
#   gwd /readyz, gwd /livez   the master's CPU ticks (utime + stime)
#   nginx /readyz             the CPU ticks of nginx's master and workers
# over the run, divided by the probes answered, give the CPU of one probe.
# Each round runs the three cases, the order rotating by one each round;
# medians at the end, and the ratio gwd/nginx of CPU per probe.
#
# Private runtime and state directories (http_servers.inc); every process
# is started here and stopped by pid; loopback only; bounded in time.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
DUR=${1:-5}
ROUNDS=${2:-3}
GWD=$top_builddir/gwd
TW=$top_builddir/tests/helpers/testworker
for t in wrk nginx curl python3 pgrep; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not installed"; exit 77; }
done
. "$top/tests/bench/http_servers.inc"	# T, PIDS, cleanup, start_nginx, ...
HZ=$(getconf CLK_TCK)

PORT=$(freeport)
MPORT=$(freeport)
"$GWD" --name bench -w 64 -b "127.0.0.1:$PORT" --stats-db none \
    --control-socket "$T/gwd.sock" \
    --metrics-bind "127.0.0.1:$MPORT" --readiness notify -- "$TW" \
    >"$T/gwd.log" 2>&1 &
G=$!
PIDS="$PIDS $G"
NGX_LOCATIONS='location /readyz { return 200 "ok\n"; }' start_nginx

i=0
until [ "$(curl -s "http://127.0.0.1:$MPORT/readyz")" = ok ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "gwd not ready"; exit 1; }
	sleep 0.1
done
up "$P_NGX"
[ "$(curl -s "http://127.0.0.1:$P_NGX/readyz")" = ok ] || { echo "nginx: no /readyz"; exit 1; }

# ticks PID...: utime + stime of these processes (all their threads).
ticks() {
	for p in "$@"; do sed 's/.*) //' "/proc/$p/stat"; done |
	    awk '{ t += $12 + $13 } END { print t + 0 }'
}
ngx_pids() { echo "$N" $(pgrep -P "$N"); }

# probe NAME URL PIDS...: one wrk run; appends "us_per_probe probes_per_s"
# to $T/res.NAME.
probe() {
	name=$1 url=$2
	shift 2
	t0=$(ticks "$@")
	wrk -t1 -c4 -d"${DUR}s" "$url" >"$T/wrk" 2>&1
	t1=$(ticks "$@")
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk")
	bad=$(grep -E 'Non-2xx|Socket errors' "$T/wrk" | tr -s ' \n' ' ')
	awk -v n="$n" -v t=$((t1 - t0)) -v hz="$HZ" -v d="$DUR" \
	    'BEGIN { printf "%.2f %.0f\n", t * 1e6 / hz / n, n / d }' >>"$T/res.$name"
	printf '  %-14s %8d probes, %4d ticks, %s us CPU each%s\n' "$name" "$n" \
	    $((t1 - t0)) "$(tail -n 1 "$T/res.$name" | cut -d ' ' -f 1)" \
	    "${bad:+  ($bad)}"
}
case_run() {
	case $1 in
	0) probe gwd_readyz "http://127.0.0.1:$MPORT/readyz" "$G" ;;
	1) probe gwd_livez "http://127.0.0.1:$MPORT/livez" "$G" ;;
	2) probe nginx_readyz "http://127.0.0.1:$P_NGX/readyz" $(ngx_pids) ;;
	esac
}

echo "## /readyz and /livez: CPU per probe, gwd's master (64 workers) vs nginx (2 workers)"
echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d ' ' -f 1-3 /proc/loadavg), wrk -t1 -c4 -d${DUR}s, $ROUNDS rounds"
echo
r=0
while [ $r -lt "$ROUNDS" ]; do
	echo "round $((r + 1))"
	case_run $((r % 3))
	case_run $(((r + 1) % 3))
	case_run $(((r + 2) % 3))
	r=$((r + 1))
done
echo
echo "| case | CPU per probe (median) | probes/s (median) |"
echo "|---|---|---|"
for c in gwd_readyz gwd_livez nginx_readyz; do
	echo "| $c | $(median "$T/res.$c" 1) us | $(median "$T/res.$c" 2) |"
done
echo
awk -v g="$(median "$T/res.gwd_readyz" 1)" -v l="$(median "$T/res.gwd_livez" 1)" \
    -v n="$(median "$T/res.nginx_readyz" 1)" 'BEGIN {
	printf "CPU per probe: gwd /readyz / nginx /readyz = %.2fx, gwd /livez / nginx = %.2fx\n",
	    g / n, l / n
}'
