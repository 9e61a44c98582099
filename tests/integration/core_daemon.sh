#!/bin/sh
# core_daemon: --daemon detaches: the command returns 0 at once, the master
# runs in its own session with stdin on /dev/null, not as our child, and
# its workers run.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
P=$T/gwd.pid
rc=0
timeout 10 "$GWD" --name "$NAME" -D --pid "$P" --log-file "$T/d.log" \
    -b "127.0.0.1:$PORT" -w 2 -- "$TW" >"$T/out.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$T/out.log"; fail "gwd -D exited $rc"; }
wait_for "[ -s $P ]" 5 || fail "no pid file"
d=$(cat "$P")
GWD_PID=$d
track "$d"
LOG=$T/d.log
alive "$d" || fail "daemon $d not running"
ppid=$(sed 's/.*) //' "/proc/$d/stat" | awk '{ print $2 }')
[ "$ppid" != "$$" ] || fail "the daemon is still our child"
sid=$(sed 's/.*) //' "/proc/$d/stat" | awk '{ print $4 }')
[ "$sid" != "$(sed 's/.*) //' /proc/$$/stat | awk '{ print $4 }')" ] ||
    fail "the daemon is in our session"
[ "$(readlink "/proc/$d/fd/0")" = /dev/null ] || fail "daemon stdin is not /dev/null"
wait_workers 2 || fail "the daemon runs $(count_workers) workers, want 2"
wait_for "http_get $PORT | grep -q '^worker '" 5 || fail "no answer"
kill -TERM "$d"
wait_gone "$d" 10 || fail "daemon did not stop on TERM"
log "ok"
