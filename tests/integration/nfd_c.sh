#!/bin/sh
# nfd_c: the notify fd from a C worker (the test worker with --notify-fd,
# which then sends nothing to NOTIFY_SOCKET): READY=1 and GWD_REQUESTS on
# the fd make --readiness notify and --max-requests work; heartbeats on it
# arm --timeout, and a worker that stops sending them is killed for it;
# STOPPING=1 written just before a quick exit counts (no crash-loop
# backoff).  (That the reaper reads the fd before judging the exit is
# covered by check_notifyfd's drain test: here libevent happens to read
# the pipe first anyway.)
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
# With --notify-fd the test worker sends no datagram at all.
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --max-requests 4 \
    --boot-timeout 5s -- "$TW" --notify-fd
wait_log 'worker 1 \(pid [0-9]+, gen 1\) ready' 6 ||
    fail "READY=1 on the notify fd did not make the worker ready"
first=$(workers_of)
i=0
while [ $i -lt 8 ] && alive "$first"; do
	http_get "$PORT" >/dev/null || true
	i=$((i + 1))
done
wait_gone "$first" 5 ||
    fail "worker $first served past --max-requests 4 (GWD_REQUESTS on the fd)"
wait_log "pid $first, gen 1\\) exited: recycle_requests" 3 ||
    fail "exit of $first not logged as recycle_requests"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"

# Heartbeats through the fd, then none: killed for timeout, not before.
# Without heartbeats on the fd the timeout would never be armed (no kill
# at all); without them arriving in time the kill would come before the
# hang.  Times are gwd's own (its log), not this script's.
: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --timeout 1s \
    -- "$TW" --notify-fd --heartbeat 200ms --hang-after 2500ms
wait_log 'worker 1 \(pid [0-9]+, gen 1\) ready' 5 || fail "not ready"
wait_log 'gen 1\).*heartbeat timeout' 10 ||
    fail "no heartbeat timeout once the heartbeats on the fd stopped"
dt=$(( $(log_ms 'gen 1\).*heartbeat timeout') -
    $(log_ms 'worker 1 \(pid [0-9]+, gen 1\) ready') ))
log "killed $dt ms after ready (hang after 2500 ms, --timeout 1s)"
[ "$dt" -ge 3200 ] ||
    fail "killed $dt ms after ready: its heartbeats on the fd did not count"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"

# STOPPING=1 and then exit at once, 100 ms after ready, five times: each
# exit is clean, and none counts as a failure.
: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- "$TW" \
    --notify-fd --stopping=100ms
wait_for '[ "$(log_count "exited: exit \(status 0\)")" -ge 5 ]' 10 ||
    fail "workers did not come and go"
log_has 'backoff' && fail "STOPPING=1 on the fd was not seen before the exit"
log_has 'crash' && fail "a STOPPING=1 exit was called a crash"
log "ok"
