#!/bin/sh
# core_crash_backoff: a worker that crashes shortly after it is ready is
# restarted with exponential backoff: few spawns in 6 s, growing gaps, and
# almost no master CPU.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
# --readiness-grace 0: ready at exec, so that the crash comes after ready
# (a crash inside the grace is a boot failure: core_readiness_grace).
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness-grace 0 -- "$TW" \
    --mode crash --after 200ms \
    --exit-code 3 --report-fds "$T/tw/r"
wait_for "alive $GWD_PID && [ -r /proc/$GWD_PID/stat ]" 5 || fail "gwd died"
cpu0=$(cpu_ticks "$GWD_PID")
sleep 6
alive "$GWD_PID" || fail "gwd died in the crash loop"
cpu1=$(cpu_ticks "$GWD_PID")
spawns=$(ls "$T/tw" | grep -c '^r\.[0-9]*$' || true)
cpu=$((cpu1 - cpu0))
log "spawns in 6 s: $spawns, master CPU: $cpu ticks"

# Without backoff a 200 ms crash would start ~30 times in 6 s; with 100 ms
# doubling it is about 7.
[ "$spawns" -ge 3 ] || fail "only $spawns spawns: the worker was not restarted"
[ "$spawns" -le 10 ] || fail "$spawns spawns in 6 s: no backoff"
# The gaps between spawns grow: the last is longer than twice the first.
gaps=$(for f in "$T"/tw/r.*; do stat -c '%.3Y' "$f"; done | sort -n |
    awk 'NR > 1 { g = $1 - prev; if (NR == 2) first = g; last = g }
	{ prev = $1 } END { printf "%.3f %.3f\n", first, last }')
set -- $gaps
log "first gap $1 s, last gap $2 s"
awk -v a="$1" -v b="$2" 'BEGIN { exit !(b > 2 * a) }' ||
    fail "gaps between spawns do not grow: first $1 s, last $2 s"
# 6 s is 600 ticks at 100 Hz; a sleeping master uses a handful.
[ "$cpu" -le 30 ] || fail "master used $cpu ticks of CPU in 6 s"
log_has 'crash' || fail "no crash reason in the log"
log_has 'crash.*(status|code) 3' ||
    fail "exit status 3 not logged"
log_has 'backoff' || fail "backoff not logged"
log "ok"
