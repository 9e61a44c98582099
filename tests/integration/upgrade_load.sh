#!/bin/sh
# upgrade_load: in-place upgrades of the master under keep-alive load.
# gwd runs 4 gwd-http workers; while wrk (or, without it, a Python
# keep-alive client) hammers them, the master is upgraded twice: with
# `gwctl upgrade` to the same binary, then with `gwctl upgrade --binary`
# to gwd-next (the same sources, version "-next").  No request may fail;
# the master keeps its pid and pid file, the workers their pids, the
# metrics address answers every scrape (but one the old image had
# accepted when it exec'd: gwd(8) says the exec closes such a connection,
# so at most one per upgrade, closed without an answer); gwctl,
# the stats database and the supervision (a killed worker is replaced in
# its slot) go on in the new image.
. "$(dirname "$0")/lib.sh"

GWD_NEXT=$top_builddir/gwd-next
[ -x "$GWD_NEXT" ] || skip "$GWD_NEXT not built"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not installed"
VER=$("$GWD" --version | cut -d' ' -f2)
NEXT=$("$GWD_NEXT" --version | cut -d' ' -f2)
[ "$NEXT" != "$VER" ] || fail "gwd-next reports the same version $VER"

ctl() { "$GWCTL" -s "$CTL" "$@"; }
pids() { ctl --json workers | jq -r '[.workers[].pid] | sort | join(" ")'; }
ready() { [ "$(ctl --json status | jq .workers.ready)" = "$1" ]; }

PORT=$(free_port)
MPORT=$(free_port)
DB=$T/state/$NAME.db
start_gwd -b "127.0.0.1:$PORT" -w 4 --pid "$T/gwd.pid" \
    --stats-interval 1s --keep-alive 5s --graceful-timeout 10s \
    --metrics-bind "127.0.0.1:$MPORT"
wait_for "ready 4" 10 || fail "the pool did not become ready"
PIDS0=$(pids)
PIDFILE0=$(cat "$T/gwd.pid")
[ "$PIDFILE0" = "$GWD_PID" ] || fail "pid file says $PIDFILE0"

DURATION=8
if command -v wrk >/dev/null 2>&1; then
	wrk -t2 -c32 -d${DURATION}s --timeout 5s "http://127.0.0.1:$PORT/" \
	    >"$T/load.out" 2>&1 &
else
	python3 - "$PORT" "$DURATION" >"$T/load.out" 2>&1 <<'PY' &
import http.client, sys, time
port, end = int(sys.argv[1]), time.time() + float(sys.argv[2])
n = bad = 0
c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
while time.time() < end:
    try:
        c.request("GET", "/")
        r = c.getresponse()
        r.read()
        n += 1
        if r.status != 200:
            bad += 1
        if r.getheader("Connection", "") == "close":
            c.close()
    except Exception as e:
        print("error:", e)
        bad += 1
        c.close()
print("%d requests in, %d failed" % (n, bad))
PY
fi
LOADPID=$!
track "$LOADPID"
# Scrapes on new connections all along: the metrics socket survives too.
python3 - "$MPORT" "$DURATION" >"$T/scrape.out" 2>&1 <<'PY' &
import http.client, sys, time
port, end = int(sys.argv[1]), time.time() + float(sys.argv[2])
n = bad = cut = 0
while time.time() < end:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/metrics")
        r = c.getresponse()
        r.read()
        c.close()
        n += 1
        bad += r.status != 200
    except (http.client.RemoteDisconnected, ConnectionResetError) as e:
        # Accepted by the old image just before its exec.
        print("cut:", e)
        cut += 1
    except Exception as e:
        print("error:", e)
        bad += 1
    time.sleep(0.01)
print("%d scrapes, %d failed, %d cut" % (n, bad, cut))
PY
SCRAPEPID=$!
track "$SCRAPEPID"
sleep 1.5

# 1. The same binary, the path gwd was started as.
out=$(ctl upgrade) || fail "gwctl upgrade failed: $out"
log "$out"
[ "$out" = "upgraded to gwd $VER (pid $GWD_PID, 4 workers adopted)" ] ||
    fail "unexpected answer: $out"
sleep 1.5
# 2. Another version.
T_UP=$(date +%s.%N)
out=$(ctl upgrade --binary "$GWD_NEXT") || fail "upgrade to gwd-next: $out"
log "$out"
[ "$out" = "upgraded to gwd $NEXT (pid $GWD_PID, 4 workers adopted)" ] ||
    fail "unexpected answer: $out"

st=$(ctl --json status)
[ "$(echo "$st" | jq -r .version)" = "$NEXT" ] || fail "status: $st"
[ "$(echo "$st" | jq -r .pid)" = "$GWD_PID" ] || fail "status pid: $st"
[ "$(echo "$st" | jq -r '.upgraded_at | type')" = number ] ||
    fail "status.upgraded_at: $st"
[ "$(pids)" = "$PIDS0" ] || fail "worker pids changed: $PIDS0 -> $(pids)"
[ "$(cat "$T/gwd.pid")" = "$GWD_PID" ] || fail "pid file changed"
alive "$GWD_PID" || fail "gwd is gone"

wait "$LOADPID" || true
cat "$T/load.out"
wait "$SCRAPEPID" || true
cat "$T/scrape.out"
grep -qE '^[0-9]+ scrapes, 0 failed, [012] cut$' "$T/scrape.out" ||
    fail "metrics scrapes failed across the upgrades"
curl -s "http://127.0.0.1:$MPORT/metrics" |
    grep -q "gwd_info{version=\"$NEXT\"" || fail "gwd_info is not $NEXT"
if grep -q 'requests in' "$T/load.out" && grep -q Latency "$T/load.out"; then
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/load.out")
	! grep -q "Socket errors" "$T/load.out" ||
	    fail "failed requests across the upgrades"
	! grep -q "Non-2xx" "$T/load.out" || fail "non-2xx answers"
else
	n=$(sed -n 's/^\([0-9]*\) requests in, 0 failed$/\1/p' "$T/load.out")
	[ -n "$n" ] || fail "failed requests across the upgrades"
fi
[ -n "$n" ] && [ "$n" -gt 1000 ] || fail "too few requests: $n"
log "$n requests, 0 failed, across 2 upgrades"

# Stats keep flowing: samples written by the new image, and both upgrades
# recorded as events.
wait_for "[ \$(sqlite3 '$DB' \"select count(*) from samples where ts > $T_UP\") -ge 2 ]" 10 ||
    fail "no samples after the upgrade"
[ "$(sqlite3 "$DB" "select count(*) from events where event = 'upgrade'")" = 2 ] ||
    fail "upgrade events: $(sqlite3 "$DB" "select * from events where event = 'upgrade'")"
[ "$(sqlite3 "$DB" "select count(*) from events where event = 'master_start'")" = 1 ] ||
    fail "an upgrade was recorded as a new start"

# Supervision goes on: worker 2 killed, replaced in slot 2 by the new image.
P2=$(ctl --json workers | jq '.workers[] | select(.id == 2) | .pid')
kill -KILL "$P2"
wait_for "[ \"\$(ctl --json workers | jq '.workers[] | select(.id == 2 and .pid != $P2 and .state == \"ready\") | .pid')\" != '' ]" 10 ||
    fail "worker 2 was not replaced"
NP2=$(ctl --json workers | jq '.workers[] | select(.id == 2) | .pid')
tr '\0' '\n' <"/proc/$NP2/environ" | grep -qx GWD_WORKER_ID=2 ||
    fail "the replacement of slot 2 has no GWD_WORKER_ID=2"
[ "$(ctl --json workers | jq '.workers[] | select(.id == 2) | .restarts')" = 1 ] ||
    fail "slot 2's restart count did not carry on"
[ "$(sed "s/.*) //" "/proc/$NP2/stat" | cut -d" " -f2)" = "$GWD_PID" ] || fail "the replacement is not gwd's child"

ctl stop >/dev/null || fail "stop"
wait_gwd_exit 15 || fail "gwd did not exit"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"
[ ! -e "$T/gwd.pid" ] || fail "the pid file was left behind"
log "ok"
