#!/bin/sh
# scale.sh: gwd with thousands of workers (issue 12).  Measures, in one
# run on this machine:
#   1. time until N workers are ready, N = 256, 1024, 4096: gwd (until its
#      own READY=1, sent once the first generation is ready) against the
#      bare fork+exec loop of tests/bench/forkexec, same program, same
#      clock, same readiness signal; ROUNDS interleaved rounds, medians;
#   2. the master's memory (VmRSS, RssAnon, Pss) with 16 and 4096 workers,
#      stats database on, next to nginx's master (16 and 1000 workers:
#      nginx spawns at most 1024 processes);
#   3. `gwctl --json workers` latency with 4096 workers (10 calls);
#   4. a rolling reload of 4096 workers (--reload-batch 1): its wall time
#      against the sum of the new workers' own boot times (spawn to
#      READY=1, from gwd's log).
# With PERF=1, parts 3 and 4 run under `perf record -i -g -p MASTER` (the
# master's own threads, not the workers it forks) and the top symbols are
# printed.  Prints a Markdown report on stdout.
#
# Usage: tests/bench/scale.sh   (from the build tree, or with top_builddir
#        set).  ROUNDS=3 SIZES="256 1024 4096" PARTS="startup memory
#        workers reload" override the defaults; GWD_BEFORE=PATH adds a
#        column for another gwd binary (before a change).
# Private runtime and state directories; kills only what it started, by
# pid (workers die with their master).  Bounded: every wait has a limit.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
FE=$top_builddir/tests/bench/forkexec
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-256 1024 4096}
BIG=${BIG:-4096}
PARTS=${PARTS:-startup memory workers reload}
GWD_BEFORE=${GWD_BEFORE:-}
want() {
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}
BENCH=scale.sh
STOP_SECS=30	# thousands of workers stop
WAIT_SECS=120
. "$(dirname "$0")/bench_common.inc"
bench_need "$GWD" "$GWCTL" "$TW" "$FE"
command -v jq >/dev/null || { echo "scale.sh: needs jq" >&2; exit 1; }

# BIG workers hold two pipes each in the master: raise the fd limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((BIG * 3 + 64)) ]; then
	echo "scale.sh: ulimit -n is $(ulimit -n), need $((BIG * 3 + 64))" >&2
	exit 1
fi
# Processes: -u in bash, -p in dash.
NPROC=$(ulimit -u 2>/dev/null || ulimit -p 2>/dev/null || echo unlimited)
if [ "$NPROC" != unlimited ] && [ "$NPROC" -lt $((BIG * 2 + 256)) ]; then
	echo "scale.sh: the process limit is $NPROC, need $((BIG * 2 + 256))" >&2
	exit 1
fi


median_of() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f", m }'
}

range_of() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f–%.1f", v[1], v[NR] }'
}

now_ms() {
	date +%s%3N
}

# start_gwd NAME N [ARGS]: gwd in the background, until N workers are
# ready (300 s at most); sets G.
start_gwd() {
	name=$1
	n=$2
	shift 2
	"$GWD" --name "$name" -b "127.0.0.1:$(free_port)" -w "$n" \
	    --readiness notify --boot-timeout 120s --log-file "$T/$name.log" \
	    "$@" -- "$TW" 2>>"$T/$name.err" &
	G=$!
	PIDS="$PIDS $G"
	i=0
	while :; do
		r=$("$GWCTL" -n "$name" --json status 2>/dev/null |
		    jq -r '.workers.ready // 0' 2>/dev/null || echo 0)
		[ "${r:-0}" -ge "$n" ] && break
		i=$((i + 1))
		[ $i -lt 3000 ] || { echo "scale.sh: only $r of $n ready" >&2; exit 1; }
		sleep 0.1
	done
}

# perf_top FILE: the top symbols of a perf recording, self time.
perf_top() {
	perf report -i "$1" --no-children --sort sym --stdio -g none 2>/dev/null |
	    grep '%' | head -12 | sed 's/^/    /'
}

echo "## scale: $SIZES workers (tests/bench/scale.sh)"
echo
echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -srm), $(nproc) CPUs;"
echo "$("$GWD" --version 2>/dev/null | head -n 1), $(nginx -v 2>&1 | sed 's/.*: //');"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); ulimit -n $(ulimit -n), processes $NPROC."
echo

if want startup; then
echo "### Time until N workers are ready"
echo
echo "Rounds interleave (bare, gwd${GWD_BEFORE:+, gwd before}) so load from"
echo "anything else falls on all alike; medians of $ROUNDS rounds, ms."
echo
if [ -n "$GWD_BEFORE" ]; then
	echo "| N | bare loop | gwd | gwd / bare | gwd before | before / bare |"
	echo "|---|---|---|---|---|---|"
else
	echo "| N | bare loop (min–max) | gwd (min–max) | gwd / bare |"
	echo "|---|---|---|---|"
fi
for n in $SIZES; do
	: >"$T/bare" && : >"$T/gwd" && : >"$T/before"
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		"$FE" -n "$n" -r 1 -- "$TW" |
		    sed -n 's/.*min=\([0-9.]*\).*/\1/p' >>"$T/bare"
		"$FE" -m -r 1 -- "$GWD" --name "s$$" -b 127.0.0.1:0 -w "$n" \
		    --readiness notify --stats-db none \
		    --log-file "$T/startup.log" -- "$TW" |
		    sed -n 's/.*min=\([0-9.]*\).*/\1/p' >>"$T/gwd"
		if [ -n "$GWD_BEFORE" ]; then
			"$FE" -m -r 1 -- "$GWD_BEFORE" --name "s$$" \
			    -b 127.0.0.1:0 -w "$n" --readiness notify \
			    --stats-db none --log-file "$T/startup.log" \
			    -- "$TW" |
			    sed -n 's/.*min=\([0-9.]*\).*/\1/p' >>"$T/before"
		fi
		i=$((i + 1))
	done
	b=$(median_of "$T/bare")
	g=$(median_of "$T/gwd")
	r=$(awk -v g="$g" -v b="$b" 'BEGIN { printf "%.2f×", g / b }')
	if [ -n "$GWD_BEFORE" ]; then
		o=$(median_of "$T/before")
		ro=$(awk -v g="$o" -v b="$b" 'BEGIN { printf "%.2f×", g / b }')
		echo "| $n | $b | $g | $r | $o | $ro |"
	else
		echo "| $n | $b ($(range_of "$T/bare")) | $g ($(range_of "$T/gwd")) | $r |"
	fi
done
echo
fi

if want memory; then
echo "### The master's memory"
echo
echo "2 s after the last worker is ready; gwd with its stats database."
echo
echo "| master | VmRSS | RssAnon | Pss |"
echo "|---|---|---|---|"
for n in 16 "$BIG"; do
	start_gwd "m$n" "$n"
	sleep 2
	echo "| gwd, $n workers | $(mem_row "$G") |"
	stop "$G"
done
if command -v nginx >/dev/null; then
	for n in 16 1000; do
		mkdir -p "$T/nginx/logs"
		cat >"$T/nginx/nginx.conf" <<EOF
worker_processes $n;
daemon off;
master_process on;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 16; }
http {
	access_log off;
	server { listen 127.0.0.1:$(free_port); return 200 "ok\n"; }
}
EOF
		nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>/dev/null &
		npid=$!
		PIDS="$PIDS $npid"
		wait_children "$npid" "$n"
		sleep 2
		echo "| nginx, $n workers | $(mem_row "$npid") |"
		stop "$npid"
	done
fi
echo
fi

if want workers || want reload; then
	start_gwd big "$BIG"
fi

if want workers; then
	: >"$T/lat"
	[ "${PERF:-0}" = 1 ] && { perf record -i -g -o "$T/workers.perf" -p "$G" \
	    >/dev/null 2>&1 & PERFPID=$!; sleep 0.5; }
	i=0
	while [ $i -lt 10 ]; do
		t0=$(now_ms)
		"$GWCTL" -n big --json workers >"$T/workers.json"
		t1=$(now_ms)
		echo $((t1 - t0)) >>"$T/lat"
		i=$((i + 1))
	done
	echo "### \`gwctl --json workers\` with $BIG workers"
	echo
	echo "10 calls, wall time of the gwctl process: median $(median_of "$T/lat") ms"
	echo "(min–max $(range_of "$T/lat") ms); answer $(wc -c <"$T/workers.json") bytes."
	if [ "${PERF:-0}" = 1 ]; then
		kill -INT "$PERFPID" 2>/dev/null; wait "$PERFPID" 2>/dev/null || true
		echo
		echo "Top symbols in the master (perf record -i -g -p MASTER, self):"
		echo
		perf_top "$T/workers.perf"
	fi
	echo
fi

if want reload; then
	[ "${PERF:-0}" = 1 ] && { perf record -i -g -o "$T/reload.perf" -p "$G" \
	    >/dev/null 2>&1 & PERFPID=$!; sleep 0.5; }
	t0=$(now_ms)
	"$GWCTL" -n big --timeout 900s reload --wait >"$T/reload.out" 2>&1 ||
	    { echo "scale.sh: reload failed: $(cat "$T/reload.out")" >&2; exit 1; }
	t1=$(now_ms)
	[ "${PERF:-0}" = 1 ] && { kill -INT "$PERFPID" 2>/dev/null; wait "$PERFPID" 2>/dev/null || true; }
	# The new generation's workers, each spawn to READY=1 (one a batch).
	boot=$(sed -n 's/.*worker [0-9]* (pid [0-9]*, gen 2) ready in \([0-9]*\) ms.*/\1/p' \
	    "$T/big.log" | awk '{ s += $1; n++ } END { printf "%d %d", s, n }')
	sum=${boot% *}
	nb=${boot#* }
	echo "### Rolling reload of $BIG workers, --reload-batch 1"
	echo
	awk -v w="$((t1 - t0))" -v s="$sum" -v n="$nb" -v big="$BIG" 'BEGIN {
		printf "`gwctl reload --wait`: %.1f s, %.2f ms a worker; the %d new\n", w / 1000, w / big, n
		printf "workers'"'"' own boot times (spawn to READY=1) add up to %.1f s\n", s / 1000
		printf "(%.2f ms each): the reload took **%.2f×** their sum.\n", s / (n ? n : 1), s ? w / s : 0
	}'
	if [ "${PERF:-0}" = 1 ]; then
		echo
		echo "Top symbols in the master during the reload (self):"
		echo
		perf_top "$T/reload.perf"
	fi
	echo
fi
if want workers || want reload; then
	stop "$G"
fi
