#!/bin/sh
# startup.sh: the core benchmark.  Measures, in one run on this machine:
#   1. time from start until N workers are running and ready, N = 16, 64,
#      256: gwd (until it sends its own READY=1, which it does once the
#      first generation is ready) next to a bare fork+exec loop of the same
#      program (tests/bench/forkexec), same clock, same readiness signal;
#   2. the master's resident memory with 16 workers: gwd, nginx, gunicorn;
#   3. the master's CPU and wake-ups over 60 s idle with 16 workers.
# Prints a Markdown report on stdout (copied into RESULTS.md).
#
# Usage: tests/bench/startup.sh   (from the build tree, or with
#        top_builddir set).  IDLE_S=60 RUNS=7 override the defaults.
# It kills only what it started, by pid.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GWD=$top_builddir/gwd
TW=$top_builddir/tests/helpers/testworker
FE=$top_builddir/tests/bench/forkexec
RUNS=${RUNS:-7}
IDLE_S=${IDLE_S:-60}
PARTS=${PARTS:-startup memory idle}
want() {
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}
BENCH=startup.sh
. "$(dirname "$0")/bench_common.inc"
bench_need "$GWD" "$TW" "$FE"

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# utime + stime of a process, all threads, in clock ticks.
ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# Voluntary + involuntary context switches of every thread: each is the
# process going to sleep or being preempted, so a wake-up count.
ctxsw() {
	cat /proc/"$1"/task/*/status |
	    awk '/ctxt_switches/ { n += $2 } END { print n }'
}

min_of() {
	sed -n 's/.*min=\([0-9.]*\).*/\1/p'
}

# "median (min–max)" of the numbers in a file, one a line.
stats_of() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f (%.1f–%.1f)", m, v[1], v[NR] }'
}

echo "## core: startup, memory, idle"
echo
echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -srm), $(nproc) CPUs,"
echo "$(awk '/MemTotal/ { printf "%.0f MiB", $2 / 1024 }' /proc/meminfo) RAM;"
echo "$("$GWD" --version 2>/dev/null | head -n 1), $(nginx -v 2>&1 | sed 's/.*: //'),"
echo "gunicorn $(gunicorn --version 2>/dev/null | tr -dc '0-9.'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
echo

if want startup; then
# 1. Start-up.
echo "### Time until N workers are running and ready"
echo
echo "Runs alternate (bare, gwd, bare, gwd, ...) so that load from anything"
echo "else on the machine falls on both alike; medians of $RUNS runs, ms."
echo
echo "| N | bare fork+exec loop: median (min–max) | gwd: median (min–max) | gwd / bare (medians) |"
echo "|---|---|---|---|"
for n in 16 64 256; do
	: >"$T/bare" && : >"$T/gwd"
	i=0
	while [ $i -lt "$RUNS" ]; do
		"$FE" -n "$n" -r 1 -- "$TW" | min_of >>"$T/bare"
		port=$(free_port)
		"$FE" -m -r 1 -- "$GWD" --name "bench$$" \
		    -b "127.0.0.1:$port" -w "$n" --readiness notify \
		    --log-file "$T/startup-$n.log" -- "$TW" | min_of >>"$T/gwd"
		i=$((i + 1))
	done
	b=$(stats_of "$T/bare")
	m=$(stats_of "$T/gwd")
	r=$(awk -v a="${m%% *}" -v b="${b%% *}" 'BEGIN { printf "%.2f", a / b }')
	echo "| $n | $b | $m | $r× |"
done
echo

fi

# 2. Master memory with 16 workers.  The gwd started here stays for part 3.
port=$(free_port)
"$GWD" --name "bench$$" -b "127.0.0.1:$port" -w 16 --log-file "$T/mem.log" \
    -- "$TW" &
gpid=$!
PIDS="$PIDS $gpid"
wait_children "$gpid" 16
sleep 2
if want memory; then
	echo "### Master resident memory with 16 workers"
	echo
	gwd_mem=$(mem_row "$gpid")

	# The same without the stats database (no SQLite writer thread).
	port=$(free_port)
	"$GWD" --name "bench$$-nodb" -b "127.0.0.1:$port" -w 16 \
	    --stats-db none --log-file "$T/mem-nodb.log" -- "$TW" &
	xpid=$!
	PIDS="$PIDS $xpid"
	wait_children "$xpid" 16
	sleep 2
	nodb_mem=$(mem_row "$xpid")
	stop "$xpid"

	nginx_mem="n/a | | "
	if command -v nginx >/dev/null; then
		port=$(free_port)
		mkdir -p "$T/nginx/logs"
		cat >"$T/nginx/nginx.conf" <<EOF
worker_processes 16;
daemon off;
master_process on;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	server { listen 127.0.0.1:$port; return 200 "ok\n"; }
}
EOF
		nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
		npid=$!
		PIDS="$PIDS $npid"
		wait_children "$npid" 16
		sleep 2
		nginx_mem=$(mem_row "$npid")
		stop "$npid"
	fi

	gunicorn_mem="n/a | | "
	if command -v gunicorn >/dev/null; then
		port=$(free_port)
		cat >"$T/app.py" <<'EOF'
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
EOF
		gunicorn --chdir "$T" -w 16 -b "127.0.0.1:$port" \
		    --log-level warning app:app 2>"$T/gunicorn.log" &
		upid=$!
		PIDS="$PIDS $upid"
		wait_children "$upid" 16
		sleep 2
		gunicorn_mem=$(mem_row "$upid")
		stop "$upid"
	fi
	echo "| master | VmRSS | RssAnon | Pss |"
	echo "|---|---|---|---|"
	echo "| gwd -w 16 (testworker) | $gwd_mem |"
	echo "| gwd -w 16 --stats-db none | $nodb_mem |"
	echo "| nginx, master_process on, worker_processes 16 | $nginx_mem |"
	echo "| gunicorn -w 16, sync workers, trivial WSGI app | $gunicorn_mem |"
	echo
fi

if ! want idle; then
	stop "$gpid"
	exit 0
fi
# 3. Idle: the same gwd with 16 workers (no heartbeats), IDLE_S seconds.
echo "### Master CPU and wake-ups over ${IDLE_S} s idle with 16 workers"
echo
idle_row() {
	label=$1 pid=$2
	t0=$(ticks "$pid")
	c0=$(ctxsw "$pid")
	perf_out=n/a
	if command -v perf >/dev/null &&
	    perf stat -x, -e 'syscalls:sys_enter_epoll_wait' -p "$pid" \
	    -- true >/dev/null 2>&1; then
		perf stat -x, -e 'syscalls:sys_enter_epoll_wait' \
		    -e 'syscalls:sys_enter_epoll_pwait' -p "$pid" \
		    -o "$T/perf.out" -- sleep "$IDLE_S" 2>/dev/null
		perf_out=$(awk -F, '/epoll/ { n += $1 } END { print n }' "$T/perf.out")
	else
		sleep "$IDLE_S"
	fi
	t1=$(ticks "$pid")
	c1=$(ctxsw "$pid")
	echo "| $label | $((t1 - t0)) ticks ($(awk -v t=$((t1 - t0)) -v s="$IDLE_S" 'BEGIN { printf "%.3f%%", t / (s * 100) * 100 }')) | $((c1 - c0)) | $perf_out |"
}
echo "| case | master CPU (utime+stime, 100 Hz ticks) | context switches | epoll_wait calls (perf) |"
echo "|---|---|---|---|"
idle_row "16 workers, no heartbeats" "$gpid"
stop "$gpid"

port=$(free_port)
"$GWD" --name "bench$$" -b "127.0.0.1:$port" -w 16 --log-file "$T/idle2.log" \
    -- "$TW" --heartbeat 1s &
gpid=$!
PIDS="$PIDS $gpid"
wait_children "$gpid" 16
sleep 2
idle_row "16 workers, WATCHDOG=1 every 1 s each" "$gpid"
stop "$gpid"
echo
echo "Stats interval: gwd's default (--stats-interval 10s)."
