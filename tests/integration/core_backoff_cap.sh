#!/bin/sh
# core_backoff_cap: --restart-backoff-max caps the crash-loop delay: with a
# 300 ms cap the delays go 100, 200, 300, 300 ms ... and the worker really
# is started again that soon after each exit.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify \
    --restart-backoff-max 300ms -- "$TW" --mode exit-at-boot
wait_for "[ \$(log_count 'exited: boot_failed') -ge 6 ]" 15 ||
    fail "fewer than 6 exits logged in 15 s"
alive "$GWD_PID" || fail "gwd died"

# What gwd announced.
delays=$(sed -n 's/.*next attempt in \([0-9a-z.]*\).*/\1/p' "$LOG" |
    head -n 5 | tr '\n' ' ')
log "announced delays: $delays"
[ "$delays" = "100ms 200ms 300ms 300ms 300ms " ] ||
    fail "delays '$delays', want 100ms 200ms 300ms 300ms 300ms"

# What it did, on gwd's clock: from one exit to the next, which is the
# delay plus a spawn and an exit.  Uncapped, the 3rd to 5th would be about
# 400, 800 and 1600 ms.
gaps=$(awk '
function t(s) {	# 2026-11-22T11:43:21.177Z -> seconds in the day
	return substr(s, 12, 2) * 3600 + substr(s, 15, 2) * 60 + substr(s, 18, 6)
}
/exited: boot_failed/ {
	now = t($1)
	if (prev) printf "%d ", (now - prev) * 1000
	prev = now
}' "$LOG")
log "exit-to-exit times (ms): $gaps"
set -- $gaps
[ $# -ge 5 ] || fail "too few exits logged"
shift 2
for g in "$@"; do
	[ "$g" -ge 300 ] || fail "$g ms between exits: the backoff was not kept"
	[ "$g" -le 700 ] || fail "$g ms between exits with a 300 ms cap"
done
log "ok"
