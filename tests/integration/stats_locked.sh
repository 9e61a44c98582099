#!/bin/sh
# stats_locked.sh: another process holds the database locked (BEGIN
# EXCLUSIVE in the sqlite3 shell) while a worker is killed: the
# replacement still comes at once, status shows the trouble, gwd logs it
# once, and once the lock goes the queued rows are written.
. "$(dirname "$0")/stats_common.inc"

start_gwd --stats-db "$DB" --stats-interval 1s --workers 2 \
    --readiness spawn -- sleep 300
wait_eq 10 2 ready_count || fail "2 workers not ready"
wait_eq 10 ok stats_field state || fail "stats not ok"

# Hold the write lock from another process until told to let go.
mkfifo "$T/hold"
sqlite3 "$DB" <"$T/hold" >/dev/null 2>&1 &
LOCKER=$!
EXTRA_PIDS="$LOCKER"
exec 9>"$T/hold"
echo "BEGIN EXCLUSIVE; INSERT INTO events(ts, event) VALUES (0, 'lock');" >&9
# gwd's next write (a sample within 1 s) finds the lock.
wait_eq 10 error stats_field state ||
	fail "status shows no stats error while locked"
stats_field error | grep -q locked || fail "error is not 'locked': $(stats_field error)"

set -- $(worker_pids)
victim=$1
t0=$(date +%s.%N)
kill -KILL "$victim"
wait_until 5 replaced "$victim" 2 ||
	fail "no replacement within 5 s while the database is locked"

# Still answering, still supervising.
ctl ping >/dev/null || fail "ping while locked"
[ "$(ready_count)" = 2 ] || fail "pool not full while locked"

# Let go: the exit row written late, with the time it happened.
echo "ROLLBACK;" >&9
exec 9>&-
wait "$LOCKER" 2>/dev/null
EXTRA_PIDS=
wait_eq 15 1 q "SELECT count(*) FROM events WHERE event = 'exit' AND pid = $victim" ||
	fail "the exit row did not arrive after the lock went"
wait_eq 5 ok stats_field state || fail "stats not ok after the lock"
# The rows carry the times gwd saw: the kill reaped at once, and the
# replacement spawned right after, though no row could be written then.
slot=$(q "SELECT worker_id FROM events WHERE event = 'exit' AND pid = $victim")
delays=$(q "SELECT round((e.ts - $t0) * 1000), round((SELECT min(s.ts) FROM events s WHERE s.event = 'spawn' AND s.worker_id = $slot AND s.ts >= e.ts) * 1000 - e.ts * 1000) FROM events e WHERE e.event = 'exit' AND e.pid = $victim")
reap=${delays%%|*}
respawn=${delays##*|}
echo "with the database locked: kill -> exit ${reap} ms, exit -> spawn ${respawn} ms"
python3 -c "import sys; sys.exit(not (float('$reap') < 1000 and float('$respawn') < 200))" ||
	fail "replacement not at once: kill -> exit ${reap} ms, exit -> spawn ${respawn} ms"
[ "$(grep -c 'warning: stats:' "$LOG")" = 1 ] ||
	fail "stats trouble logged $(grep -c 'warning: stats:' "$LOG") times, not once"
[ "$(q "SELECT count(*) FROM events WHERE event = 'lock'")" = 0 ] ||
	fail "the locker's row survived its rollback"
stop_gwd
echo "PASS"
