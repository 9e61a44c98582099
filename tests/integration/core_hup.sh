#!/bin/sh
# core_hup: HUP replaces every worker with one of the next generation; the
# pool keeps its size and the new workers answer with gen 2.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness notify -- "$TW" \
    --report-fds "$T/tw/r"
wait_workers 2 || fail "no workers"
wait_for "http_get $PORT | grep -q 'gen 1\$'" 5 || fail "gen 1 does not answer"
old=$(workers_of)
kill -HUP "$GWD_PID"
for p in $old; do
	wait_gone "$p" 10 || fail "old worker $p still running after HUP"
done
wait_workers 2 5 || fail "pool is $(count_workers) after HUP, want 2"
for p in $(workers_of); do
	echo "$old" | grep -qx "$p" && fail "worker $p was not replaced"
	[ "$(report_env "$T/tw/r.$p" GWD_GENERATION)" = 2 ] ||
	    fail "worker $p has generation $(report_env "$T/tw/r.$p" GWD_GENERATION)"
done
i=0
while [ $i -lt 10 ]; do
	http_get "$PORT" | grep -q 'gen 2$' || fail "a request got no gen 2 answer"
	i=$((i + 1))
done
log_has 'gen 2\) ready' || fail "no 'gen 2) ready' line"
log_has 'reload' || fail "reload not logged"
log "ok"
