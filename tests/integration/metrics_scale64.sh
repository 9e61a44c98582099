#!/bin/sh
# metrics_scale64: a scrape while 64 workers run answers at once with 64
# ready workers, one series per slot, and promtool accepts it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

PORT=$(free_port)
start_gwd -w 64 -b "127.0.0.1:$PORT" --metrics-bind "127.0.0.1:$MPORT" \
    --readiness spawn -- sleep 100
wait_metric 'gwd_workers{state="ready"}' 64 20 ||
    fail "not 64 ready: $(grep '^gwd_workers' "$MOUT")"
promtool_check "$MOUT"
[ "$(grep -c '^gwd_worker_rss_bytes{' "$MOUT")" = 64 ] ||
    fail "not 64 rss series"
[ "$(grep -c '^gwd_worker_state{.*} 1$' "$MOUT")" = 64 ] ||
    fail "not 64 worker states"
# Ten scrapes in a row, each well under a second.
i=0
while [ $i -lt 10 ]; do
	t=$(curl -s -o /dev/null --max-time 5 -w '%{time_total}' \
	    "http://127.0.0.1:$MPORT/metrics") || fail "scrape $i failed"
	awk -v t="$t" 'BEGIN { exit !(t < 0.5) }' || fail "scrape took ${t}s"
	i=$((i + 1))
done
log "last scrape ${t}s, $(wc -c <"$MOUT") bytes"
log "ok"
