#!/bin/sh
# core_max_age: --max-worker-age recycles a worker once it is that old
# (reason recycle_age), replacement first.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --max-worker-age 2s \
    -- "$TW"
wait_workers 1 || fail "no worker"
first=$(workers_of)
t0=$(now_ms)
wait_gone "$first" 6 || fail "worker $first outlived --max-worker-age 2s"
dt=$(( $(now_ms) - t0 ))
[ "$dt" -ge 1500 ] || fail "worker recycled after $dt ms, before 2 s"
wait_log "pid $first, gen 1\\) exited: recycle_age" 3 ||
    fail "exit of $first not logged as recycle_age"
wait_workers 1 || fail "no replacement"
log "ok: recycled after $dt ms"
