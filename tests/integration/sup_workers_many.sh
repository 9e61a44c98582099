#!/bin/sh
# sup_workers_many: with hundreds of workers, every one of them shows its
# memory and CPU in `gwctl --json workers` (gwd's /proc children list is
# longer than one 4 KB read past 500 to 800 workers: it must be read whole).
. "$(dirname "$0")/lib.sh"

N=1100
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w $N --stats-db none -- "$TW"
wait_for "[ \"\$(\"$GWCTL\" -s \"$CTL\" --json status 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)[\"workers\"][\"ready\"])')\" = $N ]" 60 ||
    fail "$N workers not ready"
# What this test is about: a list longer than one 4 KB read.
bytes=$(wc -c <"/proc/$GWD_PID/task/$GWD_PID/children")
[ "$bytes" -gt 4096 ] || fail "gwd's children list is only $bytes bytes"
out=$("$GWCTL" -s "$CTL" --json workers | python3 -c '
import json, sys
w = json.load(sys.stdin)["workers"]
print(len(w), sum(1 for x in w if x["rss_kb"] is not None and
    x["cpu_s"] is not None))')
[ "$out" = "$N $N" ] ||
    fail "workers, and those with rss_kb and cpu_s: $out (want $N $N)"
log "ok"
