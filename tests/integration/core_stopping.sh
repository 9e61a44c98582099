#!/bin/sh
# core_stopping: a worker that says STOPPING=1 and exits 0 is not a crash:
# reason exit, replaced at once, no backoff.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- "$TW" \
    --stopping=1500ms --report-fds "$T/tw/r"
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_gone "$first" 5 || fail "worker $first did not leave"
wait_log "pid $first, gen 1\\) exited: exit \\(status 0\\)" 3 ||
    fail "exit of $first not logged as 'exit (status 0)'"
wait_for "[ -n \"\$(workers_of)\" ] && [ \"\$(workers_of)\" != $first ]" 3 ||
    fail "no replacement"
log_has 'backoff' && fail "a clean STOPPING=1 exit caused a backoff"
log_has 'crash' && fail "a clean STOPPING=1 exit was called a crash"
log "ok"
