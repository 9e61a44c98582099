#!/bin/sh
# core_reopen_signal: gwd sends workers only the signals they asked for.
# USR1 and `gwctl reopen-logs` reopen gwd's own logs; they reach workers
# only with --worker-reopen-signal, whose default is USR1 for gwd-http and
# none for any other command (uvicorn dies of USR1, Node opens a debugger).
. "$(dirname "$0")/lib.sh"

# The defaults, as --check-config prints them.
"$GWD" --check-config -- sleep 1 >"$T/c1" 2>&1 || fail "check-config failed"
grep -Eq '^worker-reopen-signal *= *none$' "$T/c1" ||
    fail "default for a command: $(grep reopen "$T/c1")"
"$GWD" --check-config >"$T/c2" 2>&1 || fail "check-config failed"
grep -Eq '^worker-reopen-signal *= *USR1$' "$T/c2" ||
    fail "default for gwd-http: $(grep reopen "$T/c2")"
rc=0
"$GWD" --check-config --worker-reopen-signal BOGUS -- sleep 1 \
    >"$T/c3" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a bad signal name exited $rc, not 2"
grep -q 'worker-reopen-signal' "$T/c3" || fail "error does not name the key"

# Workers without a USR1 handler (sleep dies of it) survive USR1 and
# reopen-logs by default.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 -- sleep 1000
wait_for "[ \$(pgrep -P $GWD_PID -x sleep | wc -l) -eq 2 ]" 5 ||
    fail "no workers"
wait_for "$GWCTL -s $CTL --json status | jq -e '.workers.ready == 2' >/dev/null" 5 ||
    fail "the pool did not become ready"
pids=$(pgrep -P "$GWD_PID" -x sleep | sort -n | tr '\n' ' ')
kill -USR1 "$GWD_PID"
$GWCTL -s "$CTL" reopen-logs || fail "gwctl reopen-logs failed"
wait_for "[ \$(log_count 'log files reopened') -eq 2 ]" 5 ||
    fail "gwd did not reopen its logs twice"
sleep 0.5
[ "$(pgrep -P "$GWD_PID" -x sleep | sort -n | tr '\n' ' ')" = "$pids" ] ||
    fail "workers were signalled: $pids became $(pgrep -P "$GWD_PID" -x sleep | tr '\n' ' ')"
log_has 'exited' && fail "a worker exited: $(grep exited "$LOG")"
log "ok"
