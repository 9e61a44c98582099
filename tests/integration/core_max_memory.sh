#!/bin/sh
# core_max_memory: a worker whose resident memory passes
# --max-worker-memory is recycled (reason recycle_memory); memory is
# sampled every --stats-interval.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify \
    --max-worker-memory 24M --stats-interval 1s -- "$TW" \
    --leak 40M/s --leak-max 200M
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_gone "$first" 8 || fail "worker $first grew past 24M and still runs ($(awk '/VmRSS/ { print $2 }' /proc/$first/status) kB)"
wait_log "pid $first, gen 1\\) exited: recycle_memory" 3 ||
    fail "exit of $first not logged as recycle_memory"
wait_for "[ -n \"\$(workers_of)\" ] && [ \"\$(workers_of)\" != $first ]" 5 ||
    fail "no replacement"
log "ok"
