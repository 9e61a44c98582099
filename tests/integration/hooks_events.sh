#!/bin/sh
# hooks_events: every --hook event fires with its environment (SPEC 13):
# ready once the pool is full, scale, worker_exit with the exit's reason
# and status, reload ok and failed, backoff, stop (and gwd waits for it).
# Hook output is logged, its exit status logged and recorded as a `hook`
# event, and gwd's own supervisor variables (NOTIFY_SOCKET) do not leak.
. "$(dirname "$0")/lib.sh"

cat >"$T/hook.sh" <<'SH'
#!/bin/sh
# Each run appends its environment, one file per event.
{ env | grep -E '^(GWD_|NOTIFY_SOCKET|LISTEN_)' | sort; echo --; } \
    >>"$HOOKDIR/$GWD_EVENT.env"
echo "said by $GWD_EVENT"
[ "$GWD_EVENT" = stop ] && { sleep 1; echo done >"$HOOKDIR/stop.done"; }
exit 3
SH
chmod +x "$T/hook.sh"
mkdir "$T/h"
export HOOKDIR=$T/h
# gwd's own systemd variables must not reach a hook.
export NOTIFY_SOCKET=$T/run/not-for-hooks

cat >"$T/gwd.conf" <<EOF2
workers = 2
readiness-grace = 0
hook = ready=$T/hook.sh
hook = reload=$T/hook.sh
hook = worker_exit=$T/hook.sh
hook = scale=$T/hook.sh
hook = backoff=$T/hook.sh
hook = stop=$T/hook.sh
command = $TW --report-fds $T/tw/r
EOF2
PORT=$(free_port)
start_gwd -c "$T/gwd.conf" -b "127.0.0.1:$PORT" --stats-db "$T/stats.db"
wait_workers 2 || fail "no workers"
GWPID=$GWD_PID

# ready: once, generation 1, with the common variables.
wait_for "[ -s $T/h/ready.env ]" 5 || fail "no ready hook"
grep -qx "GWD_EVENT=ready" "$T/h/ready.env" || fail "ready: GWD_EVENT"
grep -qx "GWD_NAME=$NAME" "$T/h/ready.env" || fail "ready: GWD_NAME"
grep -qx "GWD_MASTER_PID=$GWPID" "$T/h/ready.env" ||
    fail "ready: GWD_MASTER_PID"
grep -qx "GWD_GENERATION=1" "$T/h/ready.env" || fail "ready: GWD_GENERATION"
grep -q "NOTIFY_SOCKET\|LISTEN_" "$T/h/ready.env" &&
    fail "gwd's own NOTIFY_SOCKET or LISTEN_* reached a hook"
# Output and status in gwd's log.
wait_log "hook ready \\(pid [0-9]+\\): said by ready" 5 ||
    fail "hook output not logged"
wait_log "hook ready \\(pid [0-9]+\\) exited 3 after" 5 ||
    fail "hook exit status not logged"

# scale: target and previous.
"$GWCTL" -s "$CTL" scale 3 >/dev/null || fail "scale"
wait_for "[ -s $T/h/scale.env ]" 5 || fail "no scale hook"
grep -qx "GWD_TARGET=3" "$T/h/scale.env" || fail "scale: GWD_TARGET"
grep -qx "GWD_PREVIOUS=2" "$T/h/scale.env" || fail "scale: GWD_PREVIOUS"
wait_workers 3 || fail "no third worker"

# worker_exit: a worker killed from outside crashes.
victim=$(workers_of | head -n 1)
kill -SEGV "$victim"
wait_for "grep -q GWD_WORKER_PID=$victim $T/h/worker_exit.env" 5 ||
    fail "no worker_exit hook for $victim"
grep -qx "GWD_REASON=crash" "$T/h/worker_exit.env" ||
    fail "worker_exit: GWD_REASON"
grep -qx "GWD_SIGNAL=SIGSEGV" "$T/h/worker_exit.env" ||
    fail "worker_exit: GWD_SIGNAL"
grep -qx "GWD_WORKER_ID=[1-3]" "$T/h/worker_exit.env" ||
    fail "worker_exit: GWD_WORKER_ID"
# ready does not fire again when the pool refills.
wait_workers 3 || fail "no replacement"
sleep 0.5
[ "$(grep -c '^--$' "$T/h/ready.env")" -eq 1 ] ||
    fail "ready fired more than once"

# reload ok.
"$GWCTL" -s "$CTL" reload --wait >/dev/null || fail "reload"
wait_for "grep -qx GWD_RESULT=ok $T/h/reload.env" 5 || fail "no reload=ok"
grep -qx "GWD_GENERATION=2" "$T/h/reload.env" || fail "reload: generation"
# worker_exit for the replaced workers says why.
wait_for "grep -qx GWD_REASON=reload $T/h/worker_exit.env" 5 ||
    fail "worker_exit of a reload: GWD_REASON"
grep -qx "GWD_EXIT_STATUS=0" "$T/h/worker_exit.env" ||
    fail "worker_exit: GWD_EXIT_STATUS"

# reload failed: the new workers cannot start.
sed -i "s|^command = .*|command = $TW --mode exit-at-boot|" "$T/gwd.conf"
"$GWCTL" -s "$CTL" reload --wait >/dev/null 2>&1 || true
wait_for "grep -qx GWD_RESULT=failed $T/h/reload.env" 10 ||
    fail "no reload=failed"

# backoff: a generation that becomes ready (the reload succeeds) and then
# crashes within a second of ready, over and over.  An earlier step may
# have backed off already (a worker killed less than a second after it was
# ready is a failure too): only this step's hook counts.
rm -f "$T/h/backoff.env"
sed -i "s|^command = .*|command = $TW --crash-after-ready 700ms|" "$T/gwd.conf"
"$GWCTL" -s "$CTL" reload >/dev/null 2>&1 || true
wait_for "[ -s $T/h/backoff.env ]" 10 || fail "no backoff hook"
grep -qE "^GWD_FAILURES=[1-9]" "$T/h/backoff.env" || fail "backoff: failures"
grep -qE "^GWD_DELAY_MS=[1-9]" "$T/h/backoff.env" || fail "backoff: delay"

# The hook event in the stats database.
if command -v sqlite3 >/dev/null 2>&1; then
	wait_for "[ \"\$(sqlite3 $T/stats.db \"select count(*) from events \
where event = 'hook' and json_extract(detail, '\$.status') = 3\")\" -ge 3 ]" \
	    10 || fail "no hook rows in the stats database"
fi

# stop: runs at the stop, and gwd waits for it (it takes 1 s).
kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"
[ -s "$T/h/stop.env" ] || fail "no stop hook"
[ -f "$T/h/stop.done" ] || fail "gwd exited before its stop hook ended"
log_has "hook stop \\(pid [0-9]+\\) exited 3" || fail "stop hook end not logged"
log "ok"
