#!/bin/sh
# stats_failures.sh: a given --stats-db in a missing directory (refused),
# a default database directory that cannot be created and a corrupt file: gwd logs once, keeps supervising, shows the trouble in
# status and leaves the file alone.  And --stats-db none: no file at all.
. "$(dirname "$0")/stats_common.inc"

# check_failing WHAT PATTERN: gwd runs with a broken database.
check_failing() {
	wait_eq 10 2 ready_count || fail "$1: workers not ready"
	wait_eq 10 error stats_field state ||
		fail "$1: status shows no stats error"
	stats_field error | grep -q "$2" ||
		fail "$1: error is '$(stats_field error)', not $2"
	# Supervision goes on: a killed worker is replaced.
	set -- $(worker_pids)
	kill -KILL "$1"
	wait_until 5 replaced "$1" 2 || fail "pid $1 not replaced"
	# Retries happen (1 s, 2 s, ...) but the log says it once.
	sleep 2.5
	[ "$(grep -c 'warning: stats:' "$LOG")" = 1 ] ||
		fail "logged $(grep -c 'warning: stats:' "$LOG") times, not once"
	[ "$(stats_field dropped)" -ge 0 ] || fail "no dropped count"
	[ "$(stats_field queued)" -ge 1 ] || fail "nothing queued"
}

# 1. A --stats-db given in a directory that does not exist is refused at
# start (a typo must not create directories); gwd makes the directory only
# of its default path, and when it cannot (a file is in the way), it
# supervises without statistics.
: >"$T/file"
rc=0
"$GWD" --name stats-test --control-socket "$SOCK" \
    --stats-db "$T/nodir/stats.db" -- sleep 300 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "--stats-db in a missing directory: exit $rc, not 2"
grep -q "stats-db: .*directory $T/nodir" "$T/err" ||
	fail "--stats-db in a missing directory: $(cat "$T/err")"
[ ! -e "$T/nodir" ] || fail "$T/nodir was created"
STATE_DIRECTORY=$T/file/sub start_gwd --stats-interval 1s --workers 2 \
    --readiness spawn -- sleep 300
check_failing "no directory" "cannot create directory"
ctl stats >/dev/null 2>"$T/err" && fail "stats answered without a database"
grep -q "unavailable" "$T/err" || fail "stats error: $(cat "$T/err")"
stop_gwd
rm -f "$LOG"

# 2. A corrupt file: random bytes.  gwd never rewrites it.
head -c 65536 /dev/urandom >"$DB"
sum0=$(cksum <"$DB")
start_gwd --stats-db "$DB" --stats-interval 1s --workers 2 \
    --readiness spawn -- sleep 300
check_failing "corrupt" "not a database"
stop_gwd
[ "$(cksum <"$DB")" = "$sum0" ] || fail "gwd changed the corrupt file"
"$GWCTL" stats --db "$DB" >/dev/null 2>"$T/err" && fail "gwctl read a corrupt file"
grep -q "not a database" "$T/err" || fail "gwctl --db error: $(cat "$T/err")"
rm -f "$LOG" "$DB"

# 3. --stats-db none: nothing written anywhere, stats says so.
start_gwd --stats-db none --workers 1 --readiness spawn -- sleep 300
wait_eq 10 1 ready_count || fail "none: worker not ready"
[ "$(stats_field enabled)" = False ] || fail "none: stats enabled"
ctl stats >/dev/null 2>"$T/err"
[ $? = 1 ] || fail "none: gwctl stats did not fail with 1"
grep -q "disabled" "$T/err" || fail "none: error: $(cat "$T/err")"
stop_gwd
ls "$T" | grep -q '\.db' && fail "none: a database file appeared"
echo "PASS"
