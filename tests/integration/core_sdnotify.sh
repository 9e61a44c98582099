#!/bin/sh
# core_sdnotify: gwd's own messages to systemd (gwd(8) SYSTEMD), seen by a
# stand-in for systemd's notify socket: READY=1 once the pool is ready,
# WATCHDOG=1 from the loop when WATCHDOG_USEC asks for it, RELOADING=1
# with MONOTONIC_USEC and then READY=1 around a reload, STOPPING=1 exactly
# once; and none of systemd's variables reach the workers.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
sd_stand_in 40

PORT=$(free_port)
NOTIFY_SOCKET=$S WATCHDOG_USEC=400000 start_gwd -b "127.0.0.1:$PORT" -w 2 \
    --readiness notify -- "$TW" --report-fds "$T/tw/r"
wait_for "grep -q 'READY=1' '$T/msgs'" 10 || fail "no READY=1"
grep -q 'READY=1|STATUS=2 workers ready' "$T/msgs" ||
    fail "READY=1 without the pool counts: $(cat "$T/msgs")"
[ "$("$GWCTL" -s "$CTL" --json status | jq .workers.ready)" = 2 ] ||
    fail "READY=1 before the pool was ready"
# Heartbeats every WATCHDOG_USEC / 2.
sleep 1.2
n=$(grep -c 'WATCHDOG=1' "$T/msgs" || true)
[ "$n" -ge 3 ] || fail "$n WATCHDOG=1 in 1.2 s with WATCHDOG_USEC=400000"
# Workers see none of systemd's variables.
f=$(ls "$T"/tw/r.* | head -1)
[ "$(report_env "$f" NOTIFY_SOCKET)" = "$T/run/$NAME.notify" ] ||
    fail "a worker's NOTIFY_SOCKET: $(report_env "$f" NOTIFY_SOCKET)"
[ "$(report_env "$f" WATCHDOG_USEC)" = 30000000 ] ||
    fail "a worker's WATCHDOG_USEC: $(report_env "$f" WATCHDOG_USEC)"

"$GWCTL" -s "$CTL" reload --wait >/dev/null || fail "reload failed"
wait_for "grep -q 'STATUS=reload done' '$T/msgs'" 5 || fail "no reload done"
grep -E 'RELOADING=1\|MONOTONIC_USEC=[0-9]+\|' "$T/msgs" >/dev/null ||
    fail "RELOADING=1 without MONOTONIC_USEC: $(grep RELOAD "$T/msgs")"
r=$(grep -n 'RELOADING=1' "$T/msgs" | cut -d: -f1 | head -1)
d=$(grep -n 'READY=1|STATUS=reload done' "$T/msgs" | cut -d: -f1 | head -1)
[ "$r" -lt "$d" ] || fail "READY=1 came before RELOADING=1"

kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"
sleep 0.6
[ "$(grep -c 'STOPPING=1' "$T/msgs")" = 1 ] ||
    fail "STOPPING=1 sent $(grep -c 'STOPPING=1' "$T/msgs") times"
log "ok"
