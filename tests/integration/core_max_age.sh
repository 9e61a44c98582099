#!/bin/sh
# core_max_age: --max-worker-age recycles a worker once it is that old
# (reason recycle_age), replacement first.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --max-worker-age 2s \
    -- "$TW"
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_gone "$first" 6 || fail "worker $first outlived --max-worker-age 2s"
wait_log "pid $first, gen 1\\) stopping: recycle_age" 3 ||
    fail "no recycle_age stop logged for $first"
dt=$(( $(log_ms "pid $first, gen 1\\) stopping: recycle_age") -
    $(log_ms "pid $first, gen 1\\) ready") ))
[ "$dt" -ge 1950 ] || fail "worker recycled $dt ms after ready, before 2 s"
[ "$dt" -le 4000 ] || fail "worker recycled $dt ms after ready, long after 2 s"
wait_log "pid $first, gen 1\\) exited: recycle_age" 3 ||
    fail "exit of $first not logged as recycle_age"
wait_workers 1 || fail "no replacement"
log "ok: recycled after $dt ms"
