#!/bin/sh
# core_worker_tree: a worker is its whole process tree.  The memory and CPU
# that `gwctl workers` shows, and that --max-worker-memory compares, are
# those of the worker's process group and descendants: a child's memory, and
# the CPU time of a child that has exited and been reaped, count.
. "$(dirname "$0")/lib.sh"

ctl() { "$GWCTL" -n "$NAME" "$@"; }
# field KEY: KEY of worker 1 in gwctl --json workers.
field() {
	ctl --json workers | jq -r ".workers[] | select(.id == 1) | .$1"
}
vmrss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# 1. A worker whose child holds 40 MB, and whose other child used 1 s of
# CPU, exited and was reaped; the worker itself is small and idle.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --stats-db none -- "$TW" \
    --child-leak 80M/s --leak-max 40M --child-burn 1s
wait_workers 1 || fail "no worker"
w=$(workers_of)
# The burner is gone (reaped by the worker) and the leaker has grown.
wait_for "[ \"\$(children_of $w | grep -c .)\" = 1 ]" 15 ||
    fail "worker $w: the CPU child never exited"
kid=$(children_of "$w")
wait_for "[ \"\$(vmrss $kid)\" -ge 38000 ]" 10 ||
    fail "child $kid did not grow ($(vmrss "$kid") kB)"
top=$(vmrss "$w")
[ "$top" -lt 16000 ] || fail "the worker itself has $top kB: the test proves nothing"
# gwctl workers samples at most once a second: wait for a fresh one.
wait_for "[ \"\$(field rss_kb)\" -ge 38000 ]" 5 ||
    fail "rss_kb $(field rss_kb) kB: the child's memory is not counted (worker $top kB, child $(vmrss "$kid") kB)"
cpu=$(field cpu_s)
awk -v c="$cpu" 'BEGIN { exit !(c >= 0.8) }' ||
    fail "cpu_s $cpu: the reaped child's second of CPU is not counted"
ctl workers | awk 'NR == 2 { print }' | grep -q ' 4[0-9]\.[0-9]M ' ||
    fail "gwctl workers: $(ctl workers)"
log "workers: rss_kb $(field rss_kb) (worker alone $top), cpu_s $cpu"
ctl stop --wait >/dev/null || fail "stop"
wait_gwd_exit 5

# 2. --max-worker-memory recycles the worker because of its child.  The
# child grows slowly enough to stay under the limit for the readiness
# grace (1 s), so that the replacement is ready before it is over too.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --stats-db none \
    --max-worker-memory 24M --stats-interval 1s -- "$TW" \
    --child-leak 16M/s --leak-max 200M
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_gone "$first" 10 ||
    fail "worker $first and its child passed 24M together and it still runs"
wait_log "pid $first, gen 1\\) exited: recycle_memory" 3 ||
    fail "exit of $first not logged as recycle_memory"
wait_for "[ -n \"\$(workers_of)\" ] && [ \"\$(workers_of)\" != $first ]" 5 ||
    fail "no replacement"
log "ok"
