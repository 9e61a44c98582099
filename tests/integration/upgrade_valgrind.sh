#!/bin/sh
# upgrade_valgrind: an upgrade scenario with both images of the master
# under valgrind (it follows the exec): a refused upgrade, two upgrades
# (gwctl and SIGUSR2), a worker killed and replaced by the new image, a
# scale, then stop.  No error in either image, no leak in the last.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
ldd "$GWD" 2>/dev/null | grep -q 'libasan\|libubsan' &&
    skip "gwd is built with sanitizers, which valgrind cannot run"
ctl() { "$GWCTL" -n "$NAME" --timeout 60s "$@"; }
pids() { ctl --json workers | jq -r '[.workers[].pid] | sort | join(" ")'; }

PORT=$(free_port)
# The workers and the binary check run natively: only the master is
# watched, in each image; all write to one file opened for appending.
valgrind -q --trace-children=yes \
    --trace-children-skip='*/testworker,*/sh' \
    --child-silent-after-fork=yes --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-fd=9 \
    "$GWD" --name "$NAME" -b "127.0.0.1:$PORT" -w 2 --readiness notify \
    -- "$TW" >>"$LOG" 2>&1 9>>"$T/vg.txt" &
GWD_PID=$!
track "$GWD_PID"
wait_for "[ -S '$CTL' ]" 30 || fail "no control socket under valgrind"
wait_workers 2 30 || fail "no workers under valgrind"
PIDS0=$(pids)

printf '#!/bin/sh\nexit 1\n' >"$T/exit1"
chmod 755 "$T/exit1"
ctl upgrade --binary "$T/exit1" 2>/dev/null && fail "a broken binary was taken"
out=$(ctl upgrade) || fail "upgrade under valgrind: $out"
log "$out"
kill -USR2 "$GWD_PID"
wait_for '[ "$(grep -c "upgraded in place" "$LOG")" = 2 ]' 60 ||
    fail "SIGUSR2 did not upgrade under valgrind"
wait_for "ctl ping" 30 || fail "gwd stopped answering"
readlink "/proc/$GWD_PID/exe" | grep -q memcheck ||
    fail "the new image does not run under valgrind"
[ "$(pids)" = "$PIDS0" ] || fail "the workers changed"
pid=$(ctl --json workers | jq '.workers[0].pid')
ctl kill "pid:$pid" >/dev/null || fail "kill"
wait_for "[ \"\$(ctl --json status | jq .workers.ready)\" = 2 ] && ! ctl --json workers | grep -q '\"pid\":$pid,'" 30 ||
    fail "the killed worker was not replaced"
ctl scale 3 >/dev/null || fail "scale"
wait_workers 3 30 || fail "scale 3"
ctl stop >/dev/null || fail "stop"
wait_gwd_exit 60 || fail "gwd did not exit under valgrind"
errs=$(cat "$T/vg.txt")
if [ "$GWD_STATUS" != 0 ] || [ -n "$errs" ]; then
	echo "$errs" >&2
	fail "valgrind: exit $GWD_STATUS"
fi
log "ok: valgrind found no error and no leak"
