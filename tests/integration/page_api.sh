#!/bin/sh
# page_api: the status page's HTTP side.  / is the embedded HTML with a
# Content-Security-Policy and nosniff; HEAD gives its length and no body;
# other methods 405.  /api/status and /api/workers are exactly the control
# socket's `status` and `workers` (the same keys, the same workers);
# /api/history takes range=1h|24h|7d only and answers from the stats
# thread, 404 with --stats-db none; a burst of history requests is
# answered (200 or 503 busy) and the master keeps serving.  Nothing
# served carries the workers' environment or command line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

command -v jq >/dev/null 2>&1 || skip "jq is not installed"
PORT=$(free_port)
B=http://127.0.0.1:$MPORT

# hdr PATH NAME: a response header's value (HEAD request).
hdr() {
	curl -sI --max-time 5 "$B$1" | tr -d '\r' |
	    sed -n "s/^$2: //Ip" | head -n 1
}
code() {
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "$@"
}

start_gwd -w 3 -b "127.0.0.1:$PORT" --metrics-bind "127.0.0.1:$MPORT" \
    --readiness spawn --stats-interval 1s -e GWD_TEST_SECRET=hunter2 \
    -- "$TW" --heartbeat 200ms --print topsecretarg
wait_workers 3 || fail "no workers"
wait_for '[ "$(curl -sf '"$B"'/api/status | jq .workers.ready)" = 3 ]' 10 ||
    fail "no /api/status with 3 ready"

# --- the page -------------------------------------------------------------
curl -sf --max-time 5 -D "$T/h.txt" "$B/" >"$T/page.html" || fail "GET /"
tr -d '\r' <"$T/h.txt" >"$T/headers.txt"
grep -qi '^content-type: text/html; charset=utf-8$' "$T/headers.txt" ||
    fail "content type: $(cat "$T/headers.txt")"
grep -qi "^content-security-policy: default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" \
    "$T/headers.txt" || fail "no CSP: $(cat "$T/headers.txt")"
grep -qi '^x-content-type-options: nosniff$' "$T/headers.txt" ||
    fail "no nosniff"
grep -q '<title>gwd status</title>' "$T/page.html" || fail "not the page"
cmp -s "$T/page.html" "$top_srcdir/daemon/page.html" ||
    fail "/ is not daemon/page.html byte for byte"
# Self-contained: no external resource of any kind.
grep -Eiq '(src|href)="(https?:)?//' "$T/page.html" &&
    fail "the page loads something from elsewhere"
len=$(hdr / Content-Length)
[ "$len" = "$(stat -c %s "$top_srcdir/daemon/page.html")" ] ||
    fail "HEAD Content-Length $len"
[ "$(curl -s --max-time 5 -I "$B/" | wc -c)" -lt 1000 ] ||
    fail "HEAD has a body"
for m in POST PUT DELETE; do
	c=$(code -X "$m" "$B/")
	[ "$c" = 405 ] || fail "$m / -> $c"
	c=$(code -X "$m" "$B/api/status")
	[ "$c" = 405 ] || fail "$m /api/status -> $c"
done
[ "$(code "$B/index.html")" = 404 ] || fail "/index.html is not 404"
[ "$(code "$B/api/")" = 404 ] || fail "/api/ is not 404"

# --- the live JSON: the control socket's shapes ----------------------------
"$GWCTL" -s "$CTL" --json status | jq -S 'keys' >"$T/ctl.keys"
curl -sf --max-time 5 "$B/api/status" >"$T/status.json" || fail "/api/status"
jq -S 'keys' "$T/status.json" >"$T/web.keys"
cmp -s "$T/ctl.keys" "$T/web.keys" ||
    fail "/api/status keys differ: $(diff "$T/ctl.keys" "$T/web.keys")"
[ "$(jq -r .pid "$T/status.json")" = "$GWD_PID" ] || fail "status pid"
[ "$(jq -r .workers.ready "$T/status.json")" = 3 ] || fail "status ready"
[ "$(hdr /api/status Content-Type)" = "application/json; charset=utf-8" ] ||
    fail "JSON content type"
hdr /api/status Content-Security-Policy | grep -q "default-src 'none'" ||
    fail "no CSP on the JSON"
"$GWCTL" -s "$CTL" --json workers >"$T/ctl.workers"
curl -sf --max-time 5 "$B/api/workers" >"$T/web.workers" || fail "/api/workers"
[ "$(jq -c '[.workers[] | {id, pid, generation, state}]' "$T/ctl.workers")" = \
  "$(jq -c '[.workers[] | {id, pid, generation, state}]' "$T/web.workers")" ] ||
    fail "/api/workers differs from gwctl workers"
[ "$(jq -c '.workers[0] | keys' "$T/ctl.workers")" = \
  "$(jq -c '.workers[0] | keys' "$T/web.workers")" ] ||
    fail "worker keys differ"

# --- no secrets: neither the environment nor the command line ------------
for p in / /api/status /api/workers "/api/history?range=1h"; do
	curl -s --max-time 5 "$B$p" >"$T/any.out"
	grep -q hunter2 "$T/any.out" && fail "$p shows the environment"
	grep -q topsecretarg "$T/any.out" && fail "$p shows the command line"
done

# --- history ----------------------------------------------------------------
wait_for '[ "$(curl -s '"$B"'/api/history?range=1h | jq ".samples.ts | length")" -ge 1 ]' 10 ||
    fail "no history: $(curl -s "$B/api/history?range=1h")"
for r in 1h 24h 7d; do
	curl -sf --max-time 5 "$B/api/history?range=$r" >"$T/h.json" ||
	    fail "range=$r"
	n=$(jq '.samples.ts | length' "$T/h.json")
	[ "$n" -ge 1 ] && [ "$n" -le 500 ] || fail "range=$r: $n points"
	for k in ready ready_min target master_rss_kb workers_rss_kb requests; do
		[ "$(jq ".samples.$k | length" "$T/h.json")" = "$n" ] ||
		    fail "range=$r: $k is not $n long"
	done
done
s=$(jq '.until - .since' "$T/h.json")
[ "${s%.*}" = 604800 ] || fail "7d spans $s s"
for q in "" "?range=2h" "?range=" "?since=0" "?range=1H"; do
	c=$(code "$B/api/history$q")
	[ "$c" = 400 ] || fail "/api/history$q -> $c"
done
curl -s --max-time 5 "$B/api/history?range=5m" | jq -e '.error.code == "invalid_argument"' \
    >/dev/null || fail "no JSON error for a bad range"

# A burst: every request answered (200, or 503 while 8 wait), none lost.
i=0
while [ $i -lt 40 ]; do
	code "$B/api/history?range=7d" >"$T/burst.$i" &
	i=$((i + 1))
done
wait_for '[ "$(cat "$T"/burst.* 2>/dev/null | grep -cE "^(200|503)$")" = 40 ]' 20 ||
    fail "burst: $(cat "$T"/burst.* | sort | uniq -c)"
ok=$(cat "$T"/burst.* | grep -c '^200$' || true)
[ "$ok" -ge 8 ] || fail "burst: only $ok answered 200"
[ "$(code "$B/api/status")" = 200 ] || fail "status after the burst"
"$GWCTL" -s "$CTL" ping >/dev/null || fail "control socket after the burst"
log "burst: $ok of 40 answered 200, the rest 503"

# --- no database: the page still works, history says why ------------------
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
start_gwd -w 1 -b "127.0.0.1:$PORT" --metrics-bind "127.0.0.1:$MPORT" \
    --readiness spawn --stats-db none -- "$TW"
wait_for "curl -sf $B/api/status >/dev/null" 10 || fail "no restart"
[ "$(code "$B/api/history?range=1h")" = 404 ] || fail "history without a db"
curl -s --max-time 5 "$B/api/history?range=1h" |
    jq -e '.error.message | test("disabled")' >/dev/null ||
    fail "no reason given without a db"
[ "$(code "$B/")" = 200 ] || fail "no page without a db"
exit 0
