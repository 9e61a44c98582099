#!/bin/sh
# nfd_shell: the notify fd from a shell script.  `echo READY=1
# >&$GWD_NOTIFY_FD` makes a --readiness notify worker ready, also when a
# descendant writes it; READY=1 and STATUS= in one write are two messages;
# heartbeats on the fd keep a worker alive past --timeout (and one that
# stops sending them is killed); a 1 MB line without a newline is dropped
# and counted, and neither stalls nor hurts the master nor the lines after
# it.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "no jq (apt-get install jq)"

# workers_json FILTER: jq over `gwctl --json workers`.
wj() {
	"$GWCTL" -s "$CTL" --json workers | jq -r "$1"
}
ready_count() {
	wj '[.workers[] | select(.state == "ready")] | length'
}

PORT=$(free_port)
# Worker 1 announces itself; worker 2's READY=1 comes from a child of
# the shell, which then execs the long-lived process.  Both heartbeat
# from a background loop that dies with the worker's process group.
cat >"$T/w.sh" <<'SH'
#!/bin/sh
[ -n "$GWD_NOTIFY_FD" ] || { echo "no GWD_NOTIFY_FD" >&2; exit 1; }
[ "$GWD_NOTIFY_FD" = $((3 + LISTEN_FDS)) ] ||
    { echo "GWD_NOTIFY_FD=$GWD_NOTIFY_FD LISTEN_FDS=$LISTEN_FDS" >&2; exit 1; }
if [ "$GWD_WORKER_ID" = 1 ]; then
	printf 'READY=1\nSTATUS=hello from %s\n' "$GWD_WORKER_ID" >&$GWD_NOTIFY_FD
else
	sh -c 'sleep 0.2; echo READY=1 >&$GWD_NOTIFY_FD; echo STATUS=child >&$GWD_NOTIFY_FD' &
fi
while :; do
	echo WATCHDOG=1 >&$GWD_NOTIFY_FD
	sleep 0.2
done
SH
chmod 755 "$T/w.sh"
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness notify --timeout 1s \
    --boot-timeout 5s -- "$T/w.sh"
wait_for '[ "$(ready_count)" = 2 ]' 8 ||
    fail "workers not ready through the notify fd: $(wj '.workers')"
[ "$(wj '.workers[] | select(.id == 1) | .status')" = "hello from 1" ] ||
    fail "READY=1 and STATUS= in one write: status is $(wj '.workers[0].status')"
[ "$(wj '.workers[] | select(.id == 2) | .status')" = child ] ||
    fail "a descendant's STATUS= did not count: $(wj '.workers')"
pids=$(wj '[.workers[].pid] | sort | join(" ")')
log "ready: $pids; heartbeats for 3 s with --timeout 1s"
sleep 3
[ "$(wj '[.workers[].pid] | sort | join(" ")')" = "$pids" ] ||
    fail "workers replaced although they sent heartbeats: $(wj '.workers')"
[ "$(log_count 'heartbeat timeout')" = 0 ] || fail "a heartbeat timeout"
hb=$(wj '[.workers[].last_heartbeat_s] | max')
awk "BEGIN { exit !($hb < 0.9) }" || fail "last heartbeat $hb s ago"

# A 1 MB line with no newline, then a good line: the line is dropped and
# counted, the master answers at once, the next line counts.
w1=$(wj '.workers[] | select(.id == 1) | .pid')
dropped=$("$GWCTL" -s "$CTL" --json status | jq .notify_dropped)
head -c 1048576 /dev/zero | tr '\0' x >"$T/mb"
t0=$(now_ms)
sh -c 'exec >"$2"; cat "$1"; echo; echo STATUS=after the long line' sh \
    "$T/mb" "/proc/$w1/fd/$(( 3 + 1 ))" ||
    fail "cannot write to worker $w1's notify fd"
"$GWCTL" -s "$CTL" ping >/dev/null || fail "master does not answer"
wait_for '[ "$(wj ".workers[] | select(.id == 1) | .status")" = "after the long line" ]' 5 ||
    fail "the line after the long one was lost"
dt=$(( $(now_ms) - t0 ))
log "1 MB line dealt with in $dt ms"
[ "$("$GWCTL" -s "$CTL" --json status | jq .notify_dropped)" -eq $((dropped + 1)) ] ||
    fail "the long line was not counted as dropped once"
alive "$GWD_PID" || fail "gwd died"
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$GWD_PID/status")
[ "$rss" -lt 65536 ] || fail "master's RSS is $rss kB after the long line"

# Heartbeats are what kept them alive: a worker that sends one and then
# none is killed for timeout.
"$GWCTL" -s "$CTL" stop >/dev/null
wait_gwd_exit 10 || fail "gwd did not stop"
: >"$LOG"
# The worker is a bare `sh -c`, as a user would write it.
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --timeout 1s \
    -- sh -c 'echo WATCHDOG=1 >&$GWD_NOTIFY_FD
echo READY=1 >&$GWD_NOTIFY_FD
exec sleep 1000'
wait_log 'worker 1 \(pid [0-9]+, gen 1\) ready' 6 ||
    fail "sh -c 'echo READY=1 >&\$GWD_NOTIFY_FD' did not make it ready"
wait_log 'heartbeat timeout' 6 || fail "a silent worker was not killed"
log "ok"
