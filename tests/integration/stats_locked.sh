#!/bin/sh
# stats_locked.sh: another process holds the database locked (BEGIN
# EXCLUSIVE in the sqlite3 shell) while a worker is killed: the
# replacement still comes at once, status shows the trouble, gwd logs it
# once, and once the lock goes the queued rows are written.
. "$(dirname "$0")/stats_common.inc"

start_gwd --stats-db "$DB" --stats-interval 200ms --workers 2 \
    --readiness spawn -- sleep 300
wait_until 10 test "$(ready_count)" = 2 || fail "2 workers not ready"
wait_until 10 test "$(stats_field state)" = ok || fail "stats not ok"

# Hold the write lock from another process until told to let go.
mkfifo "$T/hold"
sqlite3 "$DB" <"$T/hold" >/dev/null 2>&1 &
LOCKER=$!
EXTRA_PIDS="$LOCKER"
exec 9>"$T/hold"
echo "BEGIN EXCLUSIVE; INSERT INTO events(ts, event) VALUES (0, 'lock');" >&9
# gwd's next write (a sample within 200 ms) finds the lock.
wait_until 10 test "$(stats_field state)" = error ||
	fail "status shows no stats error while locked"
stats_field error | grep -q locked || fail "error is not 'locked': $(stats_field error)"

set -- $(worker_pids)
victim=$1
t0=$(date +%s.%N)
kill -KILL "$victim"
replaced() {
	pids=" $(worker_pids) "
	case "$pids" in *" $victim "*) return 1 ;; esac
	[ "$(echo $pids | wc -w)" = 2 ]
}
wait_until 5 replaced || fail "no replacement within 5 s while the database is locked"
t1=$(date +%s.%N)
dt=$(python3 -c "print(round(($t1 - $t0) * 1000))")
echo "replacement after ${dt} ms with the database locked"
[ "$dt" -lt 1000 ] || fail "replacement took ${dt} ms"

# Still answering, still supervising.
ctl ping >/dev/null || fail "ping while locked"
[ "$(ready_count)" = 2 ] || fail "pool not full while locked"

# Let go: the exit row written late, with the time it happened.
echo "ROLLBACK;" >&9
exec 9>&-
wait "$LOCKER" 2>/dev/null
EXTRA_PIDS=
wait_until 15 test "$(q "SELECT count(*) FROM events WHERE event = 'exit' AND pid = $victim")" = 1 ||
	fail "the exit row did not arrive after the lock went"
wait_until 5 test "$(stats_field state)" = ok || fail "stats not ok after the lock"
late=$(q "SELECT round(ts - $t0, 1) < 1 FROM events WHERE event = 'exit' AND pid = $victim")
[ "$late" = 1 ] || fail "exit row has not the time of the exit"
[ "$(grep -c 'warning: stats:' "$LOG")" = 1 ] ||
	fail "stats trouble logged $(grep -c 'warning: stats:' "$LOG") times, not once"
[ "$(q "SELECT count(*) FROM events WHERE event = 'lock'")" = 0 ] ||
	fail "the locker's row survived its rollback"
stop_gwd
echo "PASS"
