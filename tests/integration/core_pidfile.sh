#!/bin/sh
# core_pidfile: --pid writes gwd's pid; a second gwd with the same pid file
# refuses to start while the first lives; the file goes away on exit.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
PORT2=$(free_port)
P=$T/gwd.pid
start_gwd -b "127.0.0.1:$PORT" -w 1 --pid "$P" -- "$TW"
wait_workers 1 || fail "no worker"
wait_for "[ -s $P ]" 5 || fail "no pid file"
[ "$(cat "$P")" = "$GWD_PID" ] || fail "pid file says $(cat "$P"), gwd is $GWD_PID"

rc=0
timeout 10 "$GWD" --name "${NAME}b" -b "127.0.0.1:$PORT2" -w 1 --pid "$P" \
    -- "$TW" >"$T/out2.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a second gwd started on a live pid file"
[ "$rc" -ne 124 ] || fail "the second gwd ran instead of refusing"
cat "$T/out2.log"
grep -q "$P" "$T/out2.log" || fail "the refusal does not name the pid file"
[ "$(cat "$P")" = "$GWD_PID" ] || fail "the second gwd overwrote the pid file"
alive "$GWD_PID" || fail "the first gwd died"

kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
[ -e "$P" ] && fail "pid file left behind after a clean exit"

# A stale pid file (dead pid) does not block a start.
echo 999999 >"$P"
start_gwd -b "127.0.0.1:$PORT" -w 1 --pid "$P" -- "$TW"
wait_workers 1 || fail "a stale pid file blocked the start"
wait_for "[ \"\$(cat $P)\" = $GWD_PID ]" 5 || fail "stale pid file not replaced"
log "ok"
