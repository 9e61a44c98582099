#!/bin/sh
# hooks_bound: a crash loop with a worker_exit hook never runs more than
# 8 hooks at once (HOOKS_MAX_RUNNING); the rest are skipped, counted, and
# logged once per burst; hooks run again once the burst is over.
. "$(dirname "$0")/lib.sh"

cat >"$T/bound.sh" <<'SH'
#!/bin/sh
echo "$GWD_WORKER_PID" >>"$HOOKDIR/starts"
sleep 2
SH
chmod +x "$T/bound.sh"
mkdir "$T/h"
export HOOKDIR=$T/h

PORT=$(free_port)
# 20 workers that all crash 300 ms after they start: 20 exits at once.
start_gwd -b "127.0.0.1:$PORT" -w 20 --readiness-grace 0 \
    --restart-backoff-max 1s --hook "worker_exit=$T/bound.sh" -- "$TW" \
    --mode crash --after 300ms
max=0
end=$(( $(now_ms) + 3000 ))
while [ "$(now_ms)" -lt "$end" ]; do
	n=$(pgrep -P "$GWD_PID" -x bound.sh 2>/dev/null | grep -c . || true)
	[ "$n" -gt "$max" ] && max=$n
	sleep 0.05
done
starts=$(grep -c . "$T/h/starts" 2>/dev/null || echo 0)
log "at most $max hooks at once; $starts started in 3 s"
[ "$max" -ge 1 ] || fail "no worker_exit hook ran"
[ "$max" -le 8 ] || fail "$max hooks ran at once, over the bound of 8"
[ "$starts" -le 16 ] || fail "$starts hooks started within 3 s"
[ "$(log_count 'hooks: 8 running, the limit: skipping')" -ge 1 ] ||
    fail "the skip is not logged"
# Once per burst: far fewer skip lines than skipped hooks.
wait_log "hooks: [0-9]+ skipped while 8 were running" 5 ||
    fail "the end of the burst is not logged"
skipped=$(grep -m1 -oE "hooks: [0-9]+ skipped" "$LOG" | grep -oE "[0-9]+")
log "first burst: $skipped skipped"
[ "$skipped" -ge 4 ] || fail "only $skipped skipped in the first burst"
# A burst may have begun since: at most one more.
[ "$(log_count 'the limit: skipping')" -le \
    $(( $(log_count 'skipped while') + 1 )) ] ||
    fail "more skip lines than bursts"
log "ok"
