#!/bin/sh
# core_recycle: a worker that sends GWD_RECYCLE=1 is replaced (reason
# recycle_requested) and the pool never drops below its target; with
# --max-requests, a worker reporting GWD_REQUESTS past the limit is
# replaced with reason recycle_requests.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- "$TW" \
    --recycle-after 3
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_for "http_get $PORT | grep -q '^worker '" 5 || fail "no answer"
http_get "$PORT" >/dev/null
http_get "$PORT" >/dev/null
wait_gone "$first" 5 || fail "worker $first asked to be recycled but still runs"
wait_log "pid $first, gen 1\\) exited: recycle_requested" 3 ||
    fail "exit of $first not logged as recycle_requested"
wait_workers 1 || fail "no replacement"
# The replacement was started before the old one was stopped.
rep=$(grep -n "ready in" "$LOG" | sed -n 2p | cut -d: -f1)
stop=$(grep -n "pid $first, gen 1) stopping" "$LOG" | head -n 1 | cut -d: -f1)
[ -n "$rep" ] && [ -n "$stop" ] || fail "no replacement ready / stop lines"
[ "$rep" -lt "$stop" ] || fail "worker $first was stopped before its replacement was ready"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"

: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --max-requests 4 \
    -- "$TW"
wait_workers 1 || fail "no worker (max-requests)"
first=$(workers_of)
i=0
while [ $i -lt 6 ] && alive "$first"; do
	http_get "$PORT" >/dev/null || true
	i=$((i + 1))
done
wait_gone "$first" 5 || fail "worker $first served past --max-requests 4"
wait_log "pid $first, gen 1\\) exited: recycle_requests" 3 ||
    fail "exit of $first not logged as recycle_requests"
wait_workers 1 || fail "no replacement (max-requests)"
log "ok"
