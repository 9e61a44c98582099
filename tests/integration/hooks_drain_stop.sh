#!/bin/sh
# hooks_drain_stop: with --drain-delay the stop hook runs once, when the
# drain begins (while the workers still serve, so it can take the host
# out of a load balancer), not again when the drain ends and the workers
# are stopped.
. "$(dirname "$0")/lib.sh"

cat >"$T/hook.sh" <<'SH'
#!/bin/sh
# The time it ran, and how many test workers gwd still had.
echo "$(date +%s%3N) $(pgrep -P "$GWD_MASTER_PID" -x testworker | wc -l)" \
    >>"$HOOKDIR/stop.runs"
SH
chmod +x "$T/hook.sh"
export HOOKDIR=$T

PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness-grace 0 --drain-delay 2s \
    --hook "stop=$T/hook.sh" -- "$TW"
wait_workers 2 || fail "no workers"

t0=$(now_ms)
kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"
t1=$(now_ms)
[ "$GWD_STATUS" -eq 0 ] || fail "gwd exited $GWD_STATUS"
[ $((t1 - t0)) -ge 2000 ] || fail "gwd stopped in $((t1 - t0)) ms: no drain"
[ -s "$T/stop.runs" ] || fail "the stop hook never ran"
[ "$(wc -l <"$T/stop.runs")" -eq 1 ] ||
    fail "the stop hook ran $(wc -l <"$T/stop.runs") times: $(cat "$T/stop.runs")"
read -r at workers <"$T/stop.runs"
[ $((at - t0)) -lt 1500 ] ||
    fail "the stop hook ran $((at - t0)) ms after SIGTERM, not when the drain began"
[ "$workers" -eq 2 ] || fail "the stop hook saw $workers workers, not 2"
log "ok: stop hook once, $((at - t0)) ms into a 2 s drain, workers serving"
