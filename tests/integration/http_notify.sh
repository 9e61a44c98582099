#!/bin/sh
# http_notify.sh: gwd-http's side of the worker protocol: READY=1 once
# listening, WATCHDOG=1 at a third of WATCHDOG_USEC from its event loop (a
# stopped loop sends none), GWD_REQUESTS=n at most once a second,
# GWD_RECYCLE=1 after --max-requests (+ jitter); without a notify socket a
# recycling worker drains and exits by itself.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

N="$T/notify"
# 300 ms watchdog: a heartbeat every 100 ms
start_http --watchdog-usec 300000 -- --max-requests 20 --max-requests-jitter 0
grep -q "^$WPID [0-9.]* READY=1$" "$N" || fail "READY=1 not from the worker: $(cat "$N")"
sleep 1
n=$(grep -c "^$WPID [0-9.]* WATCHDOG=1$" "$N")
[ "$n" -ge 6 ] && [ "$n" -le 14 ] || fail "$n heartbeats in ~1 s, want ~10"

# a stopped event loop sends no heartbeats
kill -STOP "$WPID"
before=$(grep -c "WATCHDOG=1" "$N")
sleep 0.6
after=$(grep -c "WATCHDOG=1" "$N")
kill -CONT "$WPID"
[ "$before" = "$after" ] || fail "heartbeats while stopped"
wait_for 2 sh -c "[ \$(grep -c WATCHDOG=1 '$N') -gt $after ]" ||
    fail "no heartbeat after SIGCONT"

# requests are reported, at most once a second, with the right count
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o /dev/null "$URL/$i" || fail "request $i"
done
wait_for 3 grep -q "GWD_REQUESTS=10$" "$N" || fail "no GWD_REQUESTS=10: $(grep REQ "$N")"
python3 - "$N" <<'PY' || fail "GWD_REQUESTS too often"
import sys
ts = [float(l.split()[1]) for l in open(sys.argv[1]) if "GWD_REQUESTS=" in l]
gaps = [b - a for a, b in zip(ts, ts[1:])]
assert all(g >= 0.95 for g in gaps), gaps
PY
grep -q "GWD_RECYCLE" "$N" && fail "recycled before --max-requests"
# 10 more: the 20th request asks for recycling, exactly once
for i in 1 2 3 4 5 6 7 8 9; do
	curl -s -o /dev/null "$URL/$i"
done
sleep 0.3
grep -q "GWD_RECYCLE" "$N" && fail "recycled after 19 requests"
curl -s -o /dev/null "$URL/20"
wait_for 3 grep -q "^$WPID [0-9.]* GWD_RECYCLE=1$" "$N" || fail "no GWD_RECYCLE=1"
curl -s -o /dev/null "$URL/21"
sleep 0.3
[ "$(grep -c GWD_RECYCLE "$N")" = 1 ] || fail "GWD_RECYCLE sent twice"
# it keeps serving until gwd stops it
[ "$(curl -s "$URL/")" = ok ] || fail "stopped serving after GWD_RECYCLE"
stop_http

# jitter: the threshold lies in [max, max + jitter]
start_http -- --max-requests 3 --max-requests-jitter 4
i=0
while [ $i -lt 8 ] && ! grep -q GWD_RECYCLE "$N"; do
	curl -s -o /dev/null "$URL/"
	i=$((i + 1))
	sleep 0.1
done
[ $i -ge 3 ] && [ $i -le 7 ] || fail "recycled after $i requests (3..7)"
stop_http

# no notify socket: a recycling worker drains and leaves by itself
start_http --no-notify -- --max-requests 3
for i in 1 2 3 4; do curl -s -o /dev/null "$URL/"; done
wait_for 5 sh -c "! kill -0 $WPID 2>/dev/null" || fail "did not leave after max-requests"
wait "$LPID" || fail "exit status"
LPID=""
echo "PASS"
