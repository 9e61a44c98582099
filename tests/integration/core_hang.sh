#!/bin/sh
# core_hang: a worker that sent heartbeats and then stops is killed with
# SIGABRT after --timeout, recorded as timeout, and replaced in its slot.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
# --readiness-grace 0: ready at exec, so the times below count from
# the start.
start_gwd -b "127.0.0.1:$PORT" -w 1 --timeout 1s --readiness-grace 0 -- "$TW" \
    --heartbeat 200ms --hang-after 1s --report-fds "$T/tw/r"
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_gone "$first" 6 || fail "hung worker $first still alive after 6 s"
wait_log "pid $first, gen 1\\).*heartbeat timeout" 3 ||
    fail "no heartbeat timeout logged for $first"
# It hangs 1 s after it started, its last heartbeat at most 200 ms
# before: the kill is due 1.8 to 2 s after the start.
dt=$(( $(log_ms "pid $first, gen 1\\).*heartbeat timeout") -
    $(log_ms "pid $first, gen 1\\) ready") ))
log "hung worker $first killed $dt ms after it was ready"
[ "$dt" -ge 1700 ] || fail "worker killed after $dt ms, before its timeout"
[ "$dt" -le 4000 ] || fail "worker killed after $dt ms, long after its timeout"
wait_for "[ -n \"\$(workers_of)\" ] && [ \"\$(workers_of)\" != $first ]" 5 ||
    fail "no replacement worker"
second=$(workers_of)
[ "$(report_env "$T/tw/r.$second" GWD_WORKER_ID)" = 1 ] ||
    fail "replacement is not in slot 1"
wait_log "worker 1 \\(pid $first, gen 1\\).*[^_]timeout" 3 ||
    fail "exit of $first not logged with reason timeout"
log_has "pid $first.*(ABRT|signal 6)" ||
    fail "worker $first was not killed with SIGABRT"
log "ok: replaced by $second"
