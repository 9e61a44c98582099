#!/bin/sh
# sup_workers_readonly: the `workers` command only reads.  It shows each
# worker's memory from a /proc scan, but the planner recycles on memory
# only from the periodic sample (--stats-interval): a worker past
# --max-worker-memory is not recycled because someone ran `gwctl workers`.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --max-worker-memory 24M \
    --stats-interval 1h -- "$TW" --leak 40M/s --leak-max 48M
wait_workers 1 || fail "no worker"
first=$(workers_of)
# Until it has grown past the limit.
wait_for "[ \$(awk '/VmRSS/ { print \$2 }' /proc/$first/status) -gt 40000 ]" 10 ||
    fail "worker $first did not grow"
rss=$("$GWCTL" -s "$CTL" --json workers | python3 -c '
import json, sys
print(json.load(sys.stdin)["workers"][0]["rss_kb"])')
[ "$rss" != None ] && [ "$rss" -gt 24576 ] ||
    fail "workers shows rss_kb $rss for a worker of 40 MB"
# Anything that runs the planner: a scale.
"$GWCTL" -s "$CTL" scale 2 >/dev/null || fail "scale"
wait_workers 2 || fail "no second worker"
sleep 1
alive "$first" || fail "worker $first was recycled after a read-only command"
log_has "recycle_memory" && fail "a worker was recycled for memory"
log "ok"
