#!/bin/sh
# http_scale_load.sh: the real gwd with 4 gwd-http workers under keep-alive
# load from wrk (bounded: 64 connections, a fixed duration).  During the
# run the pool is scaled down and up (gwctl scale, TTOU, TTIN) and
# reloaded (HUP); the assertion is that wrk saw no socket error and no
# non-2xx answer, i.e. no request failed, whatever the timing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

GWD="$top_builddir/gwd"
GWCTL="$top_builddir/gwctl"
command -v wrk >/dev/null 2>&1 || { echo "SKIP: wrk not installed"; exit 77; }
[ -x "$GWD" ] && [ -x "$GWCTL" ] || { echo "SKIP: gwd not built"; exit 77; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK="$T/ctl.sock"
"$GWD" -w 4 -b "127.0.0.1:$port" --stats-db none --control-socket "$SOCK" \
    --graceful-timeout 10s --keep-alive 5s 2>"$T/gwd.log" &
GPID=$!
LPID=$GPID	# for cleanup
ctl() { "$GWCTL" -s "$SOCK" "$@"; }
ready() {
	ctl --json status 2>/dev/null | python3 -c '
import json, sys
w = json.load(sys.stdin)["workers"]
sys.exit(0 if w["ready"] == int(sys.argv[1]) and w["total"] == int(sys.argv[1]) else 1)
' "$1" 2>/dev/null
}
wait_for 10 ready 4 || fail "gwd not ready: $(cat "$T/gwd.log")"

wrk -t2 -c64 -d7s --timeout 5s "http://127.0.0.1:$port/" >"$T/wrk.out" 2>&1 &
WRK=$!
sleep 1
ctl scale 2 >/dev/null || fail "scale 2"
wait_for 8 ready 2 || fail "did not scale down to 2"
ctl scale 4 >/dev/null || fail "scale 4"
wait_for 8 ready 4 || fail "did not scale up to 4"
kill -HUP "$GPID"
sleep 1
wait_for 8 ready 4 || fail "reload did not settle"
kill -TTOU "$GPID"
wait_for 8 ready 3 || fail "TTOU"
kill -TTIN "$GPID"
wait_for 8 ready 4 || fail "TTIN"
wait_for 15 sh -c "! kill -0 $WRK 2>/dev/null" || { kill "$WRK"; fail "wrk did not end"; }
wait "$WRK"
cat "$T/wrk.out"

n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.out")
[ -n "$n" ] && [ "$n" -gt 1000 ] || fail "too few requests: $(cat "$T/wrk.out")"
grep -q "Socket errors" "$T/wrk.out" && fail "failed requests under scale/reload"
grep -q "Non-2xx" "$T/wrk.out" && fail "non-2xx answers under scale/reload"
# the pool really changed: workers left for scale and reload
grep -q "scale" "$T/gwd.log" || fail "no scale in the log: $(cat "$T/gwd.log")"
grep -qi "reload" "$T/gwd.log" || fail "no reload in the log"
kill -TERM "$GPID"
wait_for 15 sh -c "! kill -0 $GPID 2>/dev/null" || fail "gwd did not stop"
wait "$GPID" || fail "gwd exit status $?"
LPID=""
echo "PASS ($n requests, 0 failed)"
