#!/bin/sh
# stats_replace.sh: SIGKILL of a worker -> spawn of its replacement, in
# four cases: no database; the database saturated by a burst of 10,000
# audited control requests a second (one `control` event row each); the
# database locked by another process (sqlite3 holding BEGIN EXCLUSIVE);
# and the same burst with no database, to tell the cost of the burst from
# the cost of the database.  Target: the database cases within 1.2x of
# their database-less counterpart.
#
#   tests/bench/stats_replace.sh [KILLS]     (default 40)
#
# Results go to stdout as a Markdown table for tests/bench/RESULTS.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$(cd "$here/../.." && pwd)}
GWD=$top/gwd
GWCTL=$top/gwctl
KILLS=${1:-40}
WORKERS=4
RATE=10000

T=$(mktemp -d /tmp/gwd-bench.XXXXXX)
GWD_PID=
LOCKER=
cleanup() {
	[ -n "$LOCKER" ] && kill -KILL "$LOCKER" 2>/dev/null
	[ -n "$GWD_PID" ] && kill -KILL "$GWD_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start() {
	RUNTIME_DIRECTORY=$T "$GWD" --name bench --bind "unix:$T/app.sock" \
	    --control-socket "$T/ctl.sock" --log-file "$T/gwd.log" \
	    --log-level warning --workers $WORKERS --readiness spawn \
	    --stats-interval 1s "$@" -- sleep 600 &
	GWD_PID=$!
	n=0
	until "$GWCTL" -s "$T/ctl.sock" ping >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -gt 200 ] && { echo "gwd did not start"; exit 1; }
		sleep 0.05
	done
	sleep 1.5	# every worker older than 1 s: no crash-loop backoff
}

stop() {
	"$GWCTL" -s "$T/ctl.sock" stop >/dev/null 2>&1
	wait "$GWD_PID" 2>/dev/null
	GWD_PID=
}

# measure NAME [BURST]: the latencies of one case into $T/NAME.
measure() {
	if [ -n "${2:-}" ]; then
		python3 "$here/stats_replace.py" "$GWD_PID" "$KILLS" \
		    "$T/ctl.sock" "$RATE" >"$T/$1" 2>"$T/$1.err"
	else
		python3 "$here/stats_replace.py" "$GWD_PID" "$KILLS" >"$T/$1"
	fi
	grep -q timeout "$T/$1" && { echo "$1: a replacement never came"; exit 1; }
	"$GWCTL" -s "$T/ctl.sock" --json status >"$T/$1.status"
}

start --stats-db none
measure nodb
stop

start --stats-db none
measure burst_nodb burst
stop

start --stats-db "$T/s.db"
measure burst burst
stop
events_rate=$(sqlite3 "$T/s.db" "SELECT round(count(*) / (max(ts) - min(ts))) FROM events WHERE event = 'control'")

rm -f "$T"/s.db*
start --stats-db "$T/s.db"
sleep 0.5
mkfifo "$T/hold"
sqlite3 "$T/s.db" <"$T/hold" >/dev/null 2>&1 &
LOCKER=$!
exec 9>"$T/hold"
echo "BEGIN EXCLUSIVE; INSERT INTO events(ts, event) VALUES (0, 'lock');" >&9
sleep 1.5
measure locked
echo "ROLLBACK;" >&9
exec 9>&-
wait "$LOCKER" 2>/dev/null
LOCKER=
stop

python3 - "$T" "$KILLS" "${events_rate:-?}" <<'PY'
import json, statistics, sys
t, kills, rate = sys.argv[1], sys.argv[2], sys.argv[3]
def load(n):
    v = sorted(int(x) for x in open(f"{t}/{n}") if x.strip().isdigit())
    return v
def st(n):
    try:
        s = json.load(open(f"{t}/{n}.status")).get("stats") or {}
    except Exception:
        s = {}
    return s
res = {n: load(n) for n in ("nodb", "burst_nodb", "burst", "locked")}
base = statistics.median(res["nodb"])
bbase = statistics.median(res["burst_nodb"])
print(f"kills per case: {kills}; burst: {rate} control events/s written\n")
print("| case | median µs | p90 µs | max µs | vs. no db | stats state | dropped |")
print("|---|---|---|---|---|---|---|")
for n, ref in (("nodb", base), ("burst_nodb", bbase), ("burst", bbase), ("locked", base)):
    v = res[n]
    med = statistics.median(v)
    p90 = v[int(len(v) * 0.9) - 1]
    s = st(n)
    print(f"| {n} | {med:.0f} | {p90} | {v[-1]} | {med / ref:.2f}x | "
          f"{s.get('state', '-')} | {s.get('dropped', '-')} |")
for n in ("burst_nodb", "burst"):
    try:
        print(open(f"{t}/{n}.err").read().strip().replace("# ", f"{n}: "))
    except OSError:
        pass
PY
