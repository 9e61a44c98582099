#!/bin/sh
# sup_stop_reload: a reload cut short by a stop is a failed reload, and gwd
# says so (log line, reload_failed) even when no client waits for the
# verdict (a SIGHUP, then a SIGTERM before the new workers are ready).
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- "$TW" \
    --boot-delay 3s
wait_log "pool ready" 10 || fail "not ready"
kill -HUP "$GWD_PID"
wait_log "reload: generation 2 started" 5 || fail "no reload"
kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"
log_has "reload: generation 2 failed: gwd is shutting down" ||
    fail "the reload cut short by the stop is not reported as failed"
log "ok"
