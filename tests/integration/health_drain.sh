#!/bin/sh
# health_drain: --drain-delay.  On SIGTERM gwd reports not ready at once
# (/readyz 503 "draining", gwctl health 1, status.state draining, one
# log line, STOPPING=1 and STATUS=draining to systemd, once) while it
# keeps serving: wrk's keep-alive load across the SIGTERM sees no failed
# request, and new connections are still served.  Then the graceful stop,
# within drain + graceful timeout.  During the drain a reload is refused,
# a scale is done, a crashed worker is replaced; a second SIGTERM, SIGINT
# and gwctl stop --quick end it at once; gwctl stop --wait waits it out.
. "$(dirname "$0")/lib.sh"

command -v wrk >/dev/null || skip "wrk not installed"
command -v curl >/dev/null || skip "no curl"
command -v jq >/dev/null || skip "no jq"
command -v python3 >/dev/null || skip "no python3"
[ -x "$top_builddir/gwd-http" ] || skip "gwd-http not built"
[ -x "$TW" ] || skip "no test worker"
PORT=$(free_port)
MPORT=$(free_port)
M=http://127.0.0.1:$MPORT

code() {
	curl -s --max-time 5 -o "$T/body" -w '%{http_code}' "$M$1"
}
state() {
	"$GWCTL" -s "$CTL" --json status 2>/dev/null | jq -r .state
}

sd_stand_in 60

# 1. Under keep-alive load: SIGTERM 0.5 s into a 2 s run, drain 3 s.
NOTIFY_SOCKET=$S start_gwd -b "127.0.0.1:$PORT" -w 2 --drain-delay 3s \
    --graceful-timeout 5s --stats-db none --metrics-bind "127.0.0.1:$MPORT"
wait_for "[ \"\$(code /readyz)\" = 200 ]" 10 || fail "never ready"
[ "$(state)" = running ] || fail "state $(state)"
wrk -t2 -c16 -d2s --timeout 2s "http://127.0.0.1:$PORT/" >"$T/wrk.out" 2>&1 &
WRK=$!
track "$WRK"
sleep 0.5
t0=$(now_ms)
kill -TERM "$GWD_PID"
# How soon /readyz says so (curl's own start-up is in the number).
while [ "$(code /readyz)" != 503 ]; do
	[ $(( $(now_ms) - t0 )) -lt 2000 ] || fail "/readyz still 200 after 2 s"
done
flip=$(( $(now_ms) - t0 ))
log "/readyz 503 ${flip} ms after SIGTERM"
[ "$flip" -le 500 ] || fail "/readyz took ${flip} ms to flip"
[ "$(cat "$T/body")" = draining ] || fail "/readyz body: $(cat "$T/body")"
[ "$(code /livez)" = 200 ] || fail "/livez while draining"
"$GWCTL" -s "$CTL" health 2>"$T/herr" && fail "gwctl health 0 while draining"
[ "$(cat "$T/herr")" = "gwctl: health: draining" ] ||
    fail "gwctl health: $(cat "$T/herr")"
[ "$(state)" = draining ] || fail "status.state $(state) while draining"
# Still serving, new connections included.
[ "$(http_get "$PORT" /)" = ok ] || fail "a new connection was not served"
"$GWCTL" -s "$CTL" reload >/dev/null 2>"$T/rerr" && fail "reload while draining"
grep -q 'gwctl: reload: gwd is draining: it stops in ' "$T/rerr" ||
    fail "reload refusal: $(cat "$T/rerr")"
wait_for "! alive $WRK" 10 || fail "wrk did not end"
wait "$WRK" || true
cat "$T/wrk.out"
alive "$GWD_PID" || fail "gwd left before its drain delay"
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
[ -n "$n" ] && [ "$n" -gt 200 ] || fail "too few requests: $(cat "$T/wrk.out")"
grep -q "Socket errors" "$T/wrk.out" && fail "failed requests during the drain"
grep -q "Non-2xx" "$T/wrk.out" && fail "non-2xx answers during the drain"
wait_gwd_exit 12 || fail "gwd still running 12 s after SIGTERM"
took=$(( $(now_ms) - t0 ))
[ "$GWD_STATUS" = 0 ] || fail "exit status $GWD_STATUS"
[ "$took" -ge 2900 ] || fail "gwd exited ${took} ms after SIGTERM, before the 3 s drain"
log "$n requests, 0 failed; gwd exited ${took} ms after SIGTERM"
log_has 'draining: not ready, stopping in 3' || fail "no drain log line"
log_has 'drain delay over' || fail "no end-of-drain log line"
wait_for "grep -q 'STOPPING=1|STATUS=draining' '$T/msgs'" 5 ||
    fail "no STOPPING=1 + STATUS=draining: $(cat "$T/msgs")"
[ "$(grep -c 'STOPPING=1' "$T/msgs")" = 1 ] ||
    fail "STOPPING=1 not exactly once: $(cat "$T/msgs")"

# 2. A long drain: supervision goes on (scale, crash replacement); a
# second SIGTERM ends it.
: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness notify --drain-delay 60s \
    --stats-db none --metrics-bind "127.0.0.1:$MPORT" -- "$TW"
wait_workers 2 || fail "no workers"
wait_for "[ \"\$(code /readyz)\" = 200 ]" 10 || fail "never ready"
kill -TERM "$GWD_PID"
wait_for '[ "$(state)" = draining ]' 5 || fail "not draining"
"$GWCTL" -s "$CTL" scale 3 >/dev/null || fail "scale refused while draining"
wait_for "\"$GWCTL\" -s '$CTL' --json status | jq -e '.workers.ready == 3'" 10 ||
    fail "scale 3 not done while draining"
victim=$(workers_of | head -n 1)
kill -KILL "$victim"
wait_for "! alive $victim" 5 || fail "victim lives"
wait_for "[ \"\$(count_workers)\" -eq 3 ] && \"$GWCTL\" -s '$CTL' --json status | jq -e '.workers.ready == 3'" 10 ||
    fail "a crashed worker was not replaced while draining"
[ "$(code /readyz)" = 503 ] || fail "ready again after the replacement"
[ "$(state)" = draining ] || fail "state $(state)"
t0=$(now_ms)
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "a second SIGTERM did not end the drain"
[ $(( $(now_ms) - t0 )) -lt 8000 ] || fail "second SIGTERM: slow exit"
log_has 'drain ended early' || fail "no 'drain ended early' line"

# 3. SIGINT and gwctl stop --quick skip the drain.
for how in INT quick; do
	: >"$LOG"
	start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify \
	    --drain-delay 60s --stats-db none -- "$TW"
	wait_workers 1 || fail "no worker"
	t0=$(now_ms)
	if [ $how = INT ]; then
		kill -INT "$GWD_PID"
	else
		"$GWCTL" -s "$CTL" stop --quick >/dev/null || fail "stop --quick"
	fi
	wait_gwd_exit 8 || fail "$how waited for the drain"
	log_has 'draining' && fail "$how drained"
done

# 4. gwctl stop --wait waits through the drain and the stop.
: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --drain-delay 2s \
    --stats-db none -- "$TW"
wait_workers 1 || fail "no worker"
t0=$(now_ms)
"$GWCTL" -s "$CTL" stop --wait >"$T/out" 2>&1 || fail "stop --wait: $(cat "$T/out")"
took=$(( $(now_ms) - t0 ))
! alive "$GWD_PID" || fail "stop --wait returned with gwd alive"
[ "$took" -ge 1900 ] || fail "stop --wait returned after ${took} ms"
log_has 'draining: not ready' || fail "gwctl stop did not drain"
echo PASS
