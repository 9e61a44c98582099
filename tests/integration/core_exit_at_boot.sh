#!/bin/sh
# core_exit_at_boot: a worker that exits before it is ready is recorded as
# boot_failed and restarted with backoff, not in a tight loop.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- "$TW" \
    --mode exit-at-boot --exit-code 1 --report-fds "$T/tw/r"
sleep 4
alive "$GWD_PID" || fail "gwd died"
spawns=$(ls "$T/tw" | grep -c '^r\.[0-9]*$' || true)
log "spawns in 4 s: $spawns"
[ "$spawns" -ge 3 ] || fail "only $spawns spawns: not restarted"
# 100 ms doubling: spawns at 0, .1, .3, .7, 1.5, 3.1 s.
[ "$spawns" -le 8 ] || fail "$spawns spawns in 4 s: no backoff"
log_has 'boot_failed' || fail "no boot_failed reason in the log"
log_has 'backoff' || fail "backoff not logged"
log_has 'worker 1 \(pid [0-9]+, gen 1\) ready' &&
    fail "a worker that never sent READY=1 was logged ready"
log "ok"
