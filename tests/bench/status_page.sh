#!/bin/sh
# status_page.sh: what a Prometheus scrape every second and an open status
# page (its live refresh: /api/status and /api/workers every second, its
# history every 15 s) cost the master with 64 workers, and whether they
# delay a heartbeat-timeout kill.  Issue 11's benchmark; numbers go to
# tests/bench/RESULTS.md.
#
#   top_builddir=$PWD sh tests/bench/status_page.sh [DURATION]   (60 s)
#
# A. CPU: one gwd, 64 test workers heartbeating every second (--timeout
#    5s, default stats: a sample every 10 s).  The master's utime + stime
#    (/proc/PID/stat) over DURATION idle, then over DURATION with the
#    scrape and the page's polling.
# B. Heartbeat-timeout kill: two gwd side by side, quiet and loaded (the
#    same scrape and polling), 64 workers each, --timeout 2s.  Slot 1's
#    worker (Python) sends WATCHDOG=1 once, notes the time right after
#    the send, and hangs (the 63 others are `sleep`): it is killed
#    (SIGABRT) at that time + 2 s and replaced, and so is every
#    replacement.  The latency, as in stats_replace.sh, is seen from
#    outside: from the heartbeat deadline to the spawn of the replacement
#    (a new child of the master in /proc, polled every 0.2 ms).  Both run
#    at once, so a busy machine weighs on each alike.
set -eu
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
DUR=${1:-60}
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
HZ=$(getconf CLK_TCK)
for f in "$GWD" "$GWCTL" "$TW"; do
	[ -x "$f" ] || { echo "bench: $f not built (make check builds it)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench-page.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state"
export RUNTIME_DIRECTORY=$T/run STATE_DIRECTORY=$T/state
ulimit -c 0	# a SIGABRT must not write cores
PIDS=
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 1
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# The worker.  Case A: a test worker heartbeating every second.  Case B:
# slot 1 heartbeats once and hangs; the others are `sleep`, which never
# arms a heartbeat timeout (on this machine a stall of a few seconds can
# make a heartbeating worker miss its deadline, and its replacement would
# muddle the measure).
cat >"$T/worker.sh" <<EOF
#!/bin/sh
if [ "\$HANG_SLOT1" = 1 ]; then
	[ "\$GWD_WORKER_ID" = 1 ] && exec /usr/bin/python3 "$T/hang.py"
	exec sleep 1000
fi
exec "$TW" --heartbeat 1s
EOF
chmod +x "$T/worker.sh"
# One heartbeat, its time taken right after the send, then nothing.
cat >"$T/hang.py" <<'EOF'
import os, socket, time
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"WATCHDOG=1", addr)
t = time.time()
with open(os.environ["HB_FILE"], "a") as f:
    f.write(f"{os.getpid()} {t:.6f}\n")
time.sleep(1000)
EOF

# start NAME TIMEOUT HANG: gwd with 64 workers (slot 1 hangs if HANG is
# 1); pid in $T/NAME.pid, metrics port in $T/NAME.mport.
start() {
	mp=$(port)
	"$GWD" --name "$1" -w 64 -b "127.0.0.1:$(port)" \
	    -e "HB_FILE=$T/$1.hb" -e "HANG_SLOT1=$3" \
	    --metrics-bind "127.0.0.1:$mp" --readiness spawn --timeout "$2" \
	    --log-file "$T/$1.log" --log-level warning \
	    --stats-db "$T/state/$1.db" -- "$T/worker.sh" &
	echo $! >"$T/$1.pid"
	echo "$mp" >"$T/$1.mport"
	PIDS="$PIDS $!"
	i=0
	until curl -sf "http://127.0.0.1:$mp/metrics" 2>/dev/null |
	    grep -q '^gwd_workers{state="ready"} 64$'; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "bench: gwd $1 not ready" >&2; exit 1; }
		sleep 0.1
	done
}

# load MPORT SECONDS: a scrape and the page's refresh once a second, the
# history every 15 s, as a browser does it (one keep-alive connection);
# prints the number of HTTP requests made.
load() {
	b=http://127.0.0.1:$1
	n=0
	it=0
	end=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		curl -sf -o /dev/null "$b/metrics" || true
		if [ $((it % 15)) = 0 ]; then
			curl -sf -o /dev/null -o /dev/null -o /dev/null \
			    "$b/api/status" "$b/api/workers" \
			    "$b/api/history?range=1h" || true
			n=$((n + 1))
		else
			curl -sf -o /dev/null -o /dev/null \
			    "$b/api/status" "$b/api/workers" || true
		fi
		n=$((n + 3))
		it=$((it + 1))
		sleep 1
	done
	echo "$n"
}

echo "### $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg), $(nproc) CPUs"
echo
echo "    \$ top_builddir=\$PWD sh tests/bench/status_page.sh $DUR"
echo

# --- A: CPU ------------------------------------------------------------------
start cpu 5s 0
PID=$(cat "$T/cpu.pid")
sleep 2
t0=$(ticks "$PID")
sleep "$DUR"
idle=$(( $(ticks "$PID") - t0 ))
t0=$(ticks "$PID")
reqs=$(load "$(cat "$T/cpu.mport")" "$DUR")
loaded=$(( $(ticks "$PID") - t0 ))
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true

echo "A. 64 workers heartbeating every second:"
echo
echo "| ${DUR} s, 64 workers | HTTP requests | master CPU ticks (1/$HZ s) | CPU % of one core |"
echo "|---|---|---|---|"
awk -v i="$idle" -v l="$loaded" -v d="$DUR" -v hz="$HZ" -v n="$reqs" 'BEGIN {
	printf "| idle | 0 | %d | %.2f %% |\n", i, 100 * i / hz / d
	printf "| scrape + page, 1/s | %d | %d | %.2f %% |\n", n, l,
	    100 * l / hz / d
	printf "| difference | | %d | **%.2f %%** |\n", l - i,
	    100 * (l - i) / hz / d
}'
echo

# --- B: heartbeat-timeout kills, quiet and loaded side by side -----------------
start quiet 2s 1
start loaded 2s 1
load "$(cat "$T/loaded.mport")" $((DUR + 4)) >"$T/loaded.reqs" &
LOADER=$!
q0=$(ticks "$(cat "$T/quiet.pid")")
l0=$(ticks "$(cat "$T/loaded.pid")")
python3 - "$DUR" 2.0 "quiet=$(cat "$T/quiet.pid"),$T/quiet.hb" \
    "loaded=$(cat "$T/loaded.pid"),$T/loaded.hb" >"$T/lat" <<'PY'
import sys, time

dur, timeout = float(sys.argv[1]), float(sys.argv[2])
cases = []
for a in sys.argv[3:]:
    name, rest = a.split("=", 1)
    pid, hb = rest.split(",")
    cases.append({"name": name, "pid": int(pid), "hb": hb, "seen": set(),
                  "known": None, "done": set()})

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return set(int(p) for p in f.read().split())
    except OSError:
        return set()

def beats(c):
    # [(pid, wall time of its one heartbeat)] in the order they came
    out = []
    try:
        for line in open(c["hb"]):
            p, t = line.split()
            out.append((int(p), float(t)))
    except OSError:
        pass
    return out

# Note when each new child of each master appears.
for c in cases:
    c["known"] = children(c["pid"])
    c["born"] = {}
end = time.time() + dur
while time.time() < end:
    for c in cases:
        kids = children(c["pid"])
        new = kids - c["known"]
        if new:
            now = time.time()
            for p in new:
                c["born"][p] = now
        c["known"] = kids
    time.sleep(0.0002)
# Slot 1's workers one after the other: each one's replacement is the
# next in its heartbeat file; its deadline was its beat + timeout.
for c in cases:
    b = beats(c)
    for (victim, beat), (repl, _) in zip(b, b[1:]):
        if repl in c["born"] and c["born"][repl] > beat:
            print(c["name"], round((c["born"][repl] - (beat + timeout)) * 1e6),
                  flush=True)
PY
q1=$(ticks "$(cat "$T/quiet.pid")")
l1=$(ticks "$(cat "$T/loaded.pid")")
wait "$LOADER" 2>/dev/null || true

echo "B. heartbeat-timeout kill, --timeout 2s, 64 workers, slot 1 hangs every time:"
echo
python3 - "$T/lat" "$DUR" "$HZ" "$((q1 - q0))" "$((l1 - l0))" \
    "$(cat "$T/loaded.reqs" 2>/dev/null || echo '?')" <<'PY'
import statistics, sys
path, dur, hz, qt, lt, reqs = sys.argv[1:]
dur, hz = float(dur), float(hz)
res = {}
for line in open(path):
    n, us = line.split()
    res.setdefault(n, []).append(int(us))
print("| case | kills | median µs | p90 µs | max µs | master CPU % (incl. the kills) |")
print("|---|---|---|---|---|---|")
for n, t in (("quiet", qt), ("loaded", lt)):
    v = sorted(res.get(n, []))
    if not v:
        print(f"| {n} | 0 | - | - | - | - |")
        continue
    print(f"| {n} | {len(v)} | {statistics.median(v):.0f} | "
          f"{v[max(0, int(len(v) * 0.9) - 1)]} | {v[-1]} | "
          f"{100 * int(t) / hz / dur:.2f} % |")
if res.get("quiet") and res.get("loaded"):
    print()
    print(f"loaded / quiet median: "
          f"{statistics.median(res['loaded']) / statistics.median(res['quiet']):.2f}x; "
          f"the loaded gwd answered {reqs} HTTP requests.")
PY
