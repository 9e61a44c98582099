#!/bin/sh
# hooks_worker_timeout: the worker_timeout hook runs while the hung worker
# is still alive and unsignalled, and its kill waits for the hook: for a
# heartbeat timeout (SIGABRT after the hook), a boot timeout (the hook
# hangs: the kill comes at --hook-timeout) and a graceful timeout.
. "$(dirname "$0")/lib.sh"

cat >"$T/dump.sh" <<'SH'
#!/bin/sh
# What a stack dumper would need: the worker alive, not a zombie, not
# signalled; then take a second, as a real dump does.
out=$HOOKDIR/dump.$GWD_WORKER_PID
env | grep '^GWD_' | sort >"$out"
kill -0 "$GWD_WORKER_PID" && echo "alive=yes" >>"$out"
echo "state=$(sed 's/.*) //' /proc/$GWD_WORKER_PID/stat | cut -d' ' -f1)" >>"$out"
echo "sigpnd=$(grep -E '^(SigPnd|ShdPnd)' /proc/$GWD_WORKER_PID/status | awk '{print $2}' | sort -u | tr '\n' ,)" >>"$out"
echo "wchan=$(cat /proc/$GWD_WORKER_PID/wchan)" >>"$out"
[ "${HOOK_HANG:-}" = 1 ] && exec sleep 30
sleep 1
kill -0 "$GWD_WORKER_PID" && echo "still=yes" >>"$out"
echo "dumped $GWD_WORKER_PID"
SH
chmod +x "$T/dump.sh"
mkdir "$T/h"
export HOOKDIR=$T/h

stop_gwd() {
	kill -TERM "$GWD_PID"
	wait_gwd_exit 10 || fail "gwd did not stop"
}

# 1. Heartbeat timeout: the hook runs, then SIGABRT, then SIGKILL.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --timeout 1s --readiness-grace 0 \
    --hook-timeout 10s --hook "worker_timeout=$T/dump.sh" -- "$TW" \
    --heartbeat 200ms --hang-after 1s
wait_workers 1 || fail "no worker"
hung=$(workers_of)
wait_log "hook worker_timeout \\(pid [0-9]+\\) exited 0" 8 ||
    fail "the worker_timeout hook did not run to its end"
f=$T/h/dump.$hung
[ -s "$f" ] || fail "no dump of $hung"
grep -qx "GWD_EVENT=worker_timeout" "$f" || fail "GWD_EVENT"
grep -qx "GWD_REASON=timeout" "$f" || fail "GWD_REASON: $(cat "$f")"
grep -qx "GWD_WORKER_ID=1" "$f" || fail "GWD_WORKER_ID"
grep -qx "alive=yes" "$f" || fail "the worker was not alive for the hook"
grep -qx "still=yes" "$f" || fail "the worker was killed while the hook ran"
grep -q "^state=[^Z]" "$f" || fail "the worker was a zombie: $(cat "$f")"
grep -qx "sigpnd=0000000000000000," "$f" ||
    fail "a signal was pending for the worker: $(cat "$f")"
log_has "hook worker_timeout \\(pid [0-9]+\\): dumped $hung" ||
    fail "hook output not logged"
log_has "pid $hung, gen 1\\) heartbeat timeout: running the worker_timeout hook before SIGABRT" ||
    fail "the wait for the hook is not logged"
wait_log "pid $hung, gen 1\\) heartbeat timeout: sending SIGABRT" 3 ||
    fail "no SIGABRT after the hook"
t_hook=$(log_ms "hook worker_timeout \\(pid [0-9]+\\) exited 0")
t_abrt=$(log_ms "pid $hung, gen 1\\) heartbeat timeout: sending SIGABRT")
t_dump=$(log_ms "pid $hung, gen 1\\) heartbeat timeout: running")
log "hook began at +0, ended at +$((t_hook - t_dump)) ms, SIGABRT at +$((t_abrt - t_dump)) ms"
[ "$t_abrt" -ge "$t_hook" ] || fail "SIGABRT before the hook ended"
[ $((t_abrt - t_dump)) -ge 900 ] || fail "the kill did not wait for the hook"
wait_gone "$hung" 5 || fail "hung worker $hung still alive"
wait_log "worker 1 \\(pid $hung, gen 1\\) exited: timeout" 3 ||
    fail "exit reason is not timeout"
wait_workers 1 || fail "no replacement"
stop_gwd

# 2. Boot timeout, and a hook that hangs: the kill comes at the hook's
# time limit (1 s after the boot timeout), not later.
HOOK_HANG=1 start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify \
    --boot-timeout 1s --hook-timeout 1s --restart-backoff-max 10s \
    --hook "worker_timeout=$T/dump.sh" -- "$TW" --no-ready
wait_workers 1 || fail "no worker (boot)"
slow=$(workers_of)
wait_log "pid $slow, gen 1\\) boot timeout: sending SIGKILL" 6 ||
    fail "no kill after the hanging hook"
grep -qx "GWD_REASON=boot_timeout" "$T/h/dump.$slow" ||
    fail "GWD_REASON boot_timeout: $(cat "$T/h/dump.$slow")"
grep -qx "alive=yes" "$T/h/dump.$slow" || fail "booting worker not alive"
t_dump=$(log_ms "pid $slow, gen 1\\) boot timeout: running")
t_kill=$(log_ms "pid $slow, gen 1\\) boot timeout: sending SIGKILL")
log "boot timeout: SIGKILL $((t_kill - t_dump)) ms after the hook began"
[ $((t_kill - t_dump)) -ge 900 ] || fail "killed before the hook's limit"
[ $((t_kill - t_dump)) -le 2500 ] || fail "killed long after the hook's limit"
wait_log "hook worker_timeout \\(pid [0-9]+\\) killed by SIGTERM" 3 ||
    fail "the hanging hook was not ended"
stop_gwd

# 3. Graceful timeout: a worker that ignores SIGTERM on scale down.
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness-grace 0 \
    --graceful-timeout 1s --hook-timeout 10s \
    --hook "worker_timeout=$T/dump.sh" -- "$TW" --ignore-term
wait_workers 2 || fail "no workers (graceful)"
"$GWCTL" -s "$CTL" scale 1 >/dev/null || fail "scale"
wait_log "graceful timeout: running the worker_timeout hook before SIGKILL" 5 ||
    fail "no hook at the graceful timeout"
stuck=$(grep -m1 -E "graceful timeout: running" "$LOG" |
    sed -E 's/.*\(pid ([0-9]+),.*/\1/')
wait_log "pid $stuck, gen 1\\) graceful timeout: sending SIGKILL" 5 ||
    fail "no SIGKILL after the hook"
grep -qx "GWD_REASON=graceful_timeout" "$T/h/dump.$stuck" ||
    fail "GWD_REASON graceful_timeout"
grep -qx "still=yes" "$T/h/dump.$stuck" ||
    fail "the stuck worker was killed while the hook ran"
wait_gone "$stuck" 3 || fail "stuck worker still alive"
stop_gwd
log "ok"
