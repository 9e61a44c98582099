#!/bin/sh
# core_winch: WINCH stops every worker and keeps the master; HUP brings the
# pool back.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 -- "$TW"
wait_workers 2 || fail "no workers"
old=$(workers_of)
kill -WINCH "$GWD_PID"
for p in $old; do
	wait_gone "$p" 5 || fail "worker $p still running after WINCH"
done
sleep 1
alive "$GWD_PID" || fail "gwd exited after WINCH"
[ "$(count_workers)" -eq 0 ] || fail "$(count_workers) workers after WINCH"
kill -HUP "$GWD_PID"
wait_workers 2 5 || fail "HUP after WINCH: $(count_workers) workers, want 2"
wait_for "http_get $PORT | grep -q '^worker '" 5 || fail "no answer after HUP"
log "ok"
