#!/bin/sh
# core_usr1: USR1 reopens --log-file (after a rotation the file is created
# again and written to) and, with --worker-reopen-signal USR1, is forwarded
# to the workers, which survive it.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
L=$T/rotated.log
start_gwd -b "127.0.0.1:$PORT" -w 2 --log-file "$L" \
    --worker-reopen-signal USR1 -- "$TW"
wait_workers 2 || fail "no workers"
# Only ready workers get it (after their readiness grace).
wait_for "$GWCTL -s $CTL --json status | jq -e '.workers.ready == 2' >/dev/null" 5 ||
    fail "the pool did not become ready"
wait_for "[ -s $L ]" 5 || fail "nothing written to $L"
pids=$(workers_of)
mv "$L" "$L.1"
kill -USR1 "$GWD_PID"
wait_for "[ -f $L ]" 5 || fail "USR1 did not create $L again"
# Something to log: a new worker.
kill -TTIN "$GWD_PID"
wait_workers 3 5 || fail "TTIN after USR1 failed"
wait_for "[ -s $L ]" 5 || fail "nothing written to the reopened $L"
for p in $pids; do
	alive "$p" || fail "worker $p did not survive USR1"
	# The test worker notes each USR1 on its stderr (gwd's stderr here).
	wait_for "grep -q 'testworker\\[$p\\]: USR1' $LOG" 5 ||
	    fail "USR1 not forwarded to worker $p"
done
LOG=$L
log "ok"
