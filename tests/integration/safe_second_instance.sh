#!/bin/sh
# safe_second_instance: a second gwd with the same name is refused (exit 1,
# the message names the lock and the pid that holds it) and touches
# nothing of the running instance: its notify socket, control socket and
# lock stay the same files, its workers keep heartbeating, and a new worker
# still becomes ready.  At exit, gwd removes only the files it made: a
# lock file or pid file put in place of its own survives.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "no jq"
ctl() { timeout 10 "$GWCTL" -s "$CTL" "$@"; }
ready() { ctl --json status 2>/dev/null | jq -r .workers.ready; }
listing() { ls -i "$T/run" | sort; }

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 -t 2s --pid "$T/a.pid"
wait_for '[ "$(ready)" = 2 ]' 10 || fail "pool never ready"
before=$(listing)

rc=0
timeout 10 "$GWD" --name "$NAME" -b "127.0.0.1:$(free_port)" -w 1 \
    >"$T/second.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T/second.out"; fail "second gwd exited $rc, want 1"; }
[ "$(listing)" = "$before" ] ||
    fail "the second gwd changed $T/run: '$before' -> '$(listing)'"

# Two heartbeat timeouts later the first instance's workers are still fine.
sleep 4
[ "$(log_count 'exited: timeout')" = 0 ] || fail "heartbeat timeouts"
ctl ttin >/dev/null || fail "ttin"
wait_for '[ "$(ready)" = 3 ]' 10 || fail "the added worker never became ready"
grep -q "$T/run/$NAME.lock" "$T/second.out" ||
    { cat "$T/second.out"; fail "the refusal does not name the lock"; }
grep -q "pid $GWD_PID" "$T/second.out" ||
    { cat "$T/second.out"; fail "the refusal does not name pid $GWD_PID"; }
[ -f "$T/run/$NAME.lock" ] || fail "no lock file $T/run/$NAME.lock"
[ "$(cat "$T/run/$NAME.lock")" = "$GWD_PID" ] ||
    fail "lock file holds '$(cat "$T/run/$NAME.lock")', want $GWD_PID"

# Someone replaces the lock file and the pid file: at exit gwd leaves
# those files alone.
rm "$T/run/$NAME.lock"
echo foreign >"$T/run/$NAME.lock"
echo 999999 >"$T/a.pid"
kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"
[ "$(cat "$T/run/$NAME.lock" 2>/dev/null)" = foreign ] ||
    fail "gwd removed a lock file it did not make"
[ "$(cat "$T/a.pid" 2>/dev/null)" = 999999 ] ||
    fail "gwd removed a pid file that no longer names it"
[ ! -e "$T/run/$NAME.notify" ] || fail "gwd left its notify socket"
[ ! -e "$T/run/$NAME.sock" ] || fail "gwd left its control socket"
log "ok"
