#!/bin/sh
# core_grandchild: a process a worker forked dies with it.  gwd runs each
# worker in its own process group and kills the group; as a subreaper it
# also reaps what is left.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 -- "$TW" --grandchild
wait_workers 1 || fail "no worker"
w=$(workers_of)
wait_for "[ -s $T/tw/grandchild.$w ]" 5 || fail "worker $w wrote no grandchild pid"
gc=$(cat "$T/tw/grandchild.$w")
track "$gc"
alive "$gc" || fail "grandchild $gc not running"
[ "$(pgid_of "$gc")" = "$w" ] || fail "grandchild not in the worker's group"

# The worker dies on its own (not asked by gwd): its group goes with it.
kill -KILL "$w"
wait_gone "$w" 3 || fail "worker $w did not die"
wait_gone "$gc" 3 || fail "grandchild $gc outlived its worker $w"
wait_for "[ ! -d /proc/$gc ]" 3 ||
    fail "grandchild $gc left as a zombie (not reaped)"

# A worker stopped by gwd (graceful shutdown) takes its grandchild along.
wait_workers 1 || fail "worker not replaced"
w=$(workers_of)
wait_for "[ -s $T/tw/grandchild.$w ]" 5 || fail "no second grandchild pid"
gc=$(cat "$T/tw/grandchild.$w")
track "$gc"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
wait_gone "$gc" 3 || fail "grandchild $gc outlived gwd's shutdown"
log "ok"
