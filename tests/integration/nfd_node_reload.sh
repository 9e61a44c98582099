#!/bin/sh
# nfd_node_reload: contrib/node/gwd-worker.js: reopen-logs does no harm;
# under keep-alive load (wrk, 8 connections): 5 reloads, and a scale down and up, fail no request: no
# socket error, no non-2xx answer.  Every old worker got the stop signal
# while its connections were busy, so this is its graceful stop under
# load; each exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
command -v wrk >/dev/null 2>&1 || skip "no wrk (apt-get install wrk)"
cp "$top_srcdir/contrib/node/gwd-worker.js" \
    "$top_srcdir/contrib/node/example.js" "$T/"

PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify --boot-timeout 30s \
    --graceful-timeout 20s -- node example.js
wait_pool 2
answers ok || fail "example.js: '$(get)'"
first=$(ready_pids)
# reopen-logs does no harm: Node gets no SIGUSR1 (no debugger opens).
ctl reopen-logs >/dev/null || fail "reopen-logs"
sleep 0.5
[ "$(ready_pids)" = "$first" ] || fail "reopen-logs changed the workers"
answers ok || fail "after reopen-logs: '$(get)'"

wrk -t1 -c8 -d12s --timeout 15s "http://127.0.0.1:$PORT/" >"$T/wrk.out" 2>&1 &
WRK=$!
track "$WRK"
sleep 1
i=1
while [ $i -le 5 ]; do
	reload_wait
	[ "$RELOAD_RC" = 0 ] || fail "reload $i failed: $RELOAD_OUT"
	sleep 0.5
	i=$((i + 1))
done
ctl scale 1 >/dev/null || fail "scale 1"
wait_pool 1
ctl scale 2 >/dev/null || fail "scale 2"
wait_pool 2
wait_for "! alive $WRK" 60 || fail "wrk did not end"
wait "$WRK" || fail "wrk failed: $(cat "$T/wrk.out")"
cat "$T/wrk.out"
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
[ -n "$n" ] && [ "$n" -gt 1000 ] || fail "too few requests: $(cat "$T/wrk.out")"
grep -q "Socket errors" "$T/wrk.out" && fail "failed requests under reload"
grep -q "Non-2xx" "$T/wrk.out" && fail "non-2xx answers under reload"
[ "$(log_count 'exited: reload \(status 0\)')" -ge 10 ] ||
    fail "not every old worker exited 0: $(grep exited "$LOG")"
log_has 'exited: scale \(status 0\)' || fail "the scale down: $(grep exited "$LOG")"
for p in $first; do
	alive "$p" && fail "worker $p of the first generation still runs"
done
log "ok: $n requests, 5 reloads and a scale down, none failed"
