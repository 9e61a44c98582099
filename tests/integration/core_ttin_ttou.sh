#!/bin/sh
# core_ttin_ttou: TTIN and TTOU move the target by one, never below 1.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 -- "$TW"
wait_workers 2 || fail "no workers"
kill -TTIN "$GWD_PID"
wait_workers 3 5 || fail "TTIN: $(count_workers) workers, want 3"
kill -TTIN "$GWD_PID"
wait_workers 4 5 || fail "TTIN: $(count_workers) workers, want 4"
for want in 3 2 1; do
	kill -TTOU "$GWD_PID"
	wait_workers $want 5 || fail "TTOU: $(count_workers) workers, want $want"
done
kill -TTOU "$GWD_PID"
sleep 1
[ "$(count_workers)" -eq 1 ] || fail "TTOU took the pool below 1"
alive "$GWD_PID" || fail "gwd died"
log_has 'scale' || fail "scale reason not logged for the retired workers"
log "ok"
