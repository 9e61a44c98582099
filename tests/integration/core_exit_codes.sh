#!/bin/sh
# core_exit_codes: gwd exits 0 after TERM; 2 for a bad option, a bad value,
# a bad or missing configuration file (and starts nothing: no control
# socket, no worker); 1 when a bind fails.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)

# expect_status WANT ARGS...: run gwd in the foreground (bounded).
expect_status() {
	want=$1
	shift
	rc=0
	timeout 10 "$GWD" --name "$NAME" "$@" >"$T/out.log" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] ||
	    { cat "$T/out.log" >&2; fail "gwd $* exited $rc, want $want"; }
	if [ "$want" -eq 2 ] && ls "$T/run" | grep -q .; then
		fail "gwd $* left $(ls "$T/run") in the runtime dir"
	fi
	[ -z "$(ls "$T/tw")" ] || fail "gwd $* started a worker"
	true
}

expect_status 2 --no-such-option -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"
expect_status 2 --workers lots -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"
expect_status 2 --timeout 5parsecs -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"

printf 'workers = 2\nno-such-key = 1\n' >"$T/bad.conf"
expect_status 2 -c "$T/bad.conf" -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"
grep -q "bad.conf" "$T/out.log" || fail "error does not name the file: $(cat "$T/out.log")"
grep -q "2" "$T/out.log" || fail "error does not name line 2: $(cat "$T/out.log")"
grep -q "no-such-key" "$T/out.log" || fail "error does not name the key: $(cat "$T/out.log")"

printf 'workers = many\n' >"$T/badval.conf"
expect_status 2 -c "$T/badval.conf" -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"

expect_status 2 -c "$T/missing.conf" -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"
grep -q "missing.conf" "$T/out.log" || fail "error does not name the missing file"

# A bind that fails: the port is taken by a listener of ours.
socat -u TCP-LISTEN:$PORT,bind=127.0.0.1 /dev/null &
holder=$!
track "$holder"
wait_for "ss -Htln 'sport = :$PORT' | grep -q ." 5 || fail "holder did not listen"
expect_status 1 -b "127.0.0.1:$PORT" -- "$TW" --report-fds "$T/tw/r"
grep -q "cannot bind 127.0.0.1:$PORT" "$T/out.log" ||
    fail "no 'cannot bind' message: $(cat "$T/out.log")"
kill "$holder"
wait "$holder" 2>/dev/null || true

# A requested shutdown: 0.
start_gwd -b "127.0.0.1:$PORT" -w 1 -- "$TW"
wait_workers 1 || fail "no worker"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop on TERM"
[ "$GWD_STATUS" -eq 0 ] || fail "exit status $GWD_STATUS after TERM, want 0"
# INT is a quick shutdown, also 0.
start_gwd -b "127.0.0.1:$PORT" -w 1 -- "$TW" --ignore-term
wait_workers 1 || fail "no worker"
kill -INT "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop on INT"
[ "$GWD_STATUS" -eq 0 ] || fail "exit status $GWD_STATUS after INT, want 0"
log "ok"
