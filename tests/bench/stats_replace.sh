#!/bin/sh
# stats_replace.sh: SIGKILL of a worker -> spawn of its replacement, for
# four gwd side by side: no database (nodb); the database saturated by a
# burst of 10,000 audited control requests a second, one `control` event
# row each (burst); the database locked by another process, sqlite3
# holding BEGIN EXCLUSIVE (locked); and the same burst with no database
# (burst_nodb), to tell the cost of the burst from the cost of the
# database.  The kills alternate between the four, so a busy machine
# weighs on each alike.  Target: burst within 1.2x of burst_nodb, locked
# within 1.2x of nodb.
#
#   tests/bench/stats_replace.sh [KILLS]     (default 40 per case)
#
# Prints a Markdown table for tests/bench/RESULTS.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$(cd "$here/../.." && pwd)}
GWD=$top/gwd
GWCTL=$top/gwctl
KILLS=${1:-40}
WORKERS=4
RATE=10000

T=$(mktemp -d /tmp/gwd-bench.XXXXXX)
PIDS=
LOCKER=
cleanup() {
	for p in $LOCKER $PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME [GWD OPTIONS]: one gwd on $T/NAME.*; its pid in $T/NAME.pid.
start() {
	n=$1; shift
	RUNTIME_DIRECTORY=$T "$GWD" --name "$n" --bind "unix:$T/$n.app" \
	    --control-socket "$T/$n.sock" --log-file "$T/$n.log" \
	    --log-level warning --workers $WORKERS --readiness spawn \
	    --stats-interval 1s "$@" -- sleep 600 &
	echo $! >"$T/$n.pid"
	PIDS="$PIDS $!"
	i=0
	until "$GWCTL" -s "$T/$n.sock" ping >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 200 ] && { echo "gwd $n did not start"; exit 1; }
		sleep 0.05
	done
}

start nodb --stats-db none
start burst_nodb --stats-db none
start burst --stats-db "$T/burst.db"
start locked --stats-db "$T/locked.db"
sleep 0.5
mkfifo "$T/hold"
sqlite3 "$T/locked.db" <"$T/hold" >/dev/null 2>&1 &
LOCKER=$!
exec 9>"$T/hold"
echo "BEGIN EXCLUSIVE; INSERT INTO events(ts, event) VALUES (0, 'lock');" >&9
sleep 1.5	# every worker older than 1 s; the lock has met a sample

python3 "$here/stats_replace.py" "$KILLS" "$RATE" \
    "nodb=$(cat "$T/nodb.pid")" \
    "burst_nodb=$(cat "$T/burst_nodb.pid"),$T/burst_nodb.sock" \
    "burst=$(cat "$T/burst.pid"),$T/burst.sock" \
    "locked=$(cat "$T/locked.pid")" >"$T/times" 2>"$T/rates" ||
	{ cat "$T/times" "$T/rates"; exit 1; }
for n in nodb burst_nodb burst locked; do
	"$GWCTL" -s "$T/$n.sock" --json status >"$T/$n.status"
done
echo "ROLLBACK;" >&9
exec 9>&-
for n in nodb burst_nodb burst locked; do
	"$GWCTL" -s "$T/$n.sock" stop >/dev/null 2>&1
done
wait 2>/dev/null
PIDS=
LOCKER=
rate=$(sqlite3 "$T/burst.db" "SELECT round(count(*) / (max(ts) - min(ts))) FROM events WHERE event = 'control'")

python3 - "$T" "$KILLS" "$rate" <<'PY'
import json, statistics, sys
t, kills, rate = sys.argv[1], sys.argv[2], sys.argv[3]
res = {}
for line in open(f"{t}/times"):
    n, us = line.split()
    res.setdefault(n, []).append(int(us))
def st(n):
    try:
        return json.load(open(f"{t}/{n}.status")).get("stats") or {}
    except Exception:
        return {}
ref = {"nodb": "nodb", "burst_nodb": "burst_nodb", "burst": "burst_nodb",
       "locked": "nodb"}
print(f"{kills} kills per case, interleaved; burst: {rate} control "
      f"event rows/s written\n")
print("| case | median µs | p90 µs | max µs | median vs. reference | "
      "stats state | dropped |")
print("|---|---|---|---|---|---|---|")
for n in ("nodb", "burst_nodb", "burst", "locked"):
    v = sorted(res[n])
    med = statistics.median(v)
    s = st(n)
    print(f"| {n} | {med:.0f} | {v[int(len(v) * 0.9) - 1]} | {v[-1]} | "
          f"{med / statistics.median(res[ref[n]]):.2f}x ({ref[n]}) | "
          f"{s.get('state', '-')} | {s.get('dropped', '-')} |")
print()
print(open(f"{t}/rates").read().strip())
PY
