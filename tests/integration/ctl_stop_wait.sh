#!/bin/sh
# ctl_stop_wait: gwctl stop tells the truth.  The answer reaches gwctl even
# when gwd exits at once (no worker alive), so stop exits 0, not 3; and
# stop --wait (also with --quick) returns only once gwd has exited, exit 1
# when --timeout passes first.
. "$(dirname "$0")/lib.sh"

ctl() { "$GWCTL" -n "$NAME" "$@"; }

# 1. No worker alive: gwd exits as soon as it has the request.  Three
# rounds, since losing the answer was a race (it lost every time).
for round in 1 2 3; do
	PORT=$(free_port)
	start_gwd -b "127.0.0.1:$PORT" -w 1 --stats-db none -- "$TW"
	wait_workers 1 || fail "round $round: no worker"
	ctl scale 0 >/dev/null || fail "round $round: scale 0"
	wait_workers 0 || fail "round $round: worker still there"
	rc=0
	out=$(ctl stop 2>"$T/err") || rc=$?
	[ "$rc" = 0 ] || fail "round $round: stop exit $rc: $out $(cat "$T/err")"
	[ "$out" = "gwd is stopping" ] || fail "round $round: stop said '$out'"
	wait_gwd_exit 5 || fail "round $round: gwd did not exit"
	[ "$GWD_STATUS" = 0 ] || fail "round $round: gwd exit $GWD_STATUS"
done
log "stop with no worker: answered, exit 0"

# 2. stop --wait returns once gwd is gone, not before: the worker takes
# 1 s to leave.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 --stats-db none -- "$TW" --term-delay 1s
wait_workers 2 || fail "no workers"
t0=$(now_ms)
out=$(ctl stop --wait 2>"$T/err") || fail "stop --wait exit $?: $(cat "$T/err")"
el=$(( $(now_ms) - t0 ))
! alive "$GWD_PID" || fail "stop --wait returned while gwd (pid $GWD_PID) runs"
[ "$el" -ge 900 ] || fail "stop --wait returned after ${el} ms, before the workers left"
echo "$out" | grep -q '^gwd stopped in ' || fail "stop --wait said '$out'"
wait_gwd_exit 2
[ "$GWD_STATUS" = 0 ] || fail "gwd exit $GWD_STATUS"
log "stop --wait: returned after ${el} ms, gwd gone"

# 3. --json prints the answer (with gwd's pid), --quick does not wait for
# the graceful timeout.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --stats-db none --graceful-timeout 20s \
    -- "$TW" --ignore-term
wait_workers 1 || fail "no worker"
t0=$(now_ms)
out=$(ctl --json stop --wait --quick 2>"$T/err") ||
    fail "stop --wait --quick exit $?: $(cat "$T/err")"
el=$(( $(now_ms) - t0 ))
! alive "$GWD_PID" || fail "stop --wait --quick returned while gwd runs"
[ "$(echo "$out" | jq -r .pid)" = "$GWD_PID" ] || fail "--json: '$out'"
[ "$el" -lt 5000 ] || fail "stop --wait --quick took ${el} ms"
wait_gwd_exit 2
log "stop --wait --quick: ${el} ms"

# 4. The deadline: gwd still stopping when --timeout passes is exit 1.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --stats-db none -- "$TW" --term-delay 3s
wait_workers 1 || fail "no worker"
rc=0
ctl --timeout 500ms stop --wait 2>"$T/err" >/dev/null || rc=$?
[ "$rc" = 1 ] || fail "stop --wait past its timeout: exit $rc, not 1"
grep -q "has not exited within" "$T/err" || fail "no reason: $(cat "$T/err")"
alive "$GWD_PID" || fail "gwd gone already: the test proves nothing"
wait_gwd_exit 10 || fail "gwd did not finish stopping"
log "ok"
