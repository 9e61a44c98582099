#!/bin/sh
# core_backoff_cap: --restart-backoff-max caps the crash-loop delay: with a
# 300 ms cap the gaps stop growing at about 300 ms.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --restart-backoff-max 300ms -- "$TW" \
    --mode exit-at-boot --report-fds "$T/tw/r"
sleep 3
alive "$GWD_PID" || fail "gwd died"
set -- $(for f in "$T"/tw/r.*; do stat -c '%.3Y' "$f"; done | sort -n |
    awk 'NR > 1 { g = $1 - prev; if (g > max) max = g }
	{ prev = $1 } END { printf "%d %.3f\n", NR, max }')
log "spawns in 3 s: $1, longest gap: $2 s"
# Uncapped: spawns at 0 .1 .3 .7 1.5 3.1 s (5 in 3 s, longest gap .8 s);
# capped at .3 s: about 10, every gap about .35 s.
[ "$1" -ge 6 ] || fail "$1 spawns in 3 s: the 300 ms cap is not applied"
[ "$1" -le 16 ] || fail "$1 spawns in 3 s: no backoff at all"
awk -v g="$2" 'BEGIN { exit !(g < 0.8) }' || fail "a gap of $2 s exceeds the cap"
log "ok"
