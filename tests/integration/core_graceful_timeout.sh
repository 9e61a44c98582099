#!/bin/sh
# core_graceful_timeout: TERM to gwd with workers that ignore SIGTERM: gwd
# waits --graceful-timeout, SIGKILLs them, and exits 0, all within the
# timeout plus a small margin.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 --graceful-timeout 1s -- "$TW" \
    --ignore-term
wait_workers 2 || fail "no workers"
pids=$(workers_of)
t0=$(now_ms)
kill -TERM "$GWD_PID"
wait_gwd_exit 5 || fail "gwd still running 5 s after TERM"
dt=$(( $(now_ms) - t0 ))
log "gwd exited $GWD_STATUS after $dt ms"
[ "$GWD_STATUS" -eq 0 ] || fail "gwd exit status $GWD_STATUS after TERM, want 0"
[ "$dt" -ge 900 ] || fail "gwd exited after $dt ms: did not wait for workers"
# From gwd's own log, free of this script's polling delays.
gdt=$(( $(log_ms 'gwd stopped') - $(log_ms 'graceful shutdown') ))
log "shutdown to stopped in gwd's log: $gdt ms"
[ "$gdt" -ge 950 ] || fail "gwd stopped $gdt ms after TERM, before the timeout"
[ "$gdt" -le 1600 ] || fail "graceful stop took $gdt ms with a 1 s timeout"
[ "$dt" -le 5000 ] || fail "gwd took $dt ms to exit with a 1 s timeout"
for p in $pids; do
	alive "$p" && fail "worker $p survived the shutdown"
done
log_has 'KILL|signal 9' || fail "SIGKILL of the workers not logged"

# A worker that honours TERM lets gwd stop well before the timeout.
: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 2 --graceful-timeout 5s -- "$TW" \
    --term-delay 200ms
wait_workers 2 || fail "no workers (second run)"
t0=$(now_ms)
kill -TERM "$GWD_PID"
wait_gwd_exit 8 || fail "gwd still running (second run)"
dt=$(( $(now_ms) - t0 ))
log "second run: gwd exited $GWD_STATUS after $dt ms"
[ "$GWD_STATUS" -eq 0 ] || fail "exit status $GWD_STATUS, want 0"
[ "$dt" -lt 2000 ] || fail "gwd took $dt ms although workers left in 200 ms"
log "ok"
