#!/bin/sh
# recipe_gunicorn_load: gunicorn inside a slot, as README.md and
# gwd-worker(7) write it, under keep-alive load: `gwctl reopen-logs` with
# --worker-reopen-signal USR1 (gunicorn reopens its logs on USR1) does no
# harm, and 5 reloads while wrk runs fail no request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v gunicorn >/dev/null 2>&1 || skip "no gunicorn (apt-get install gunicorn)"
command -v wrk >/dev/null 2>&1 || skip "no wrk (apt-get install wrk)"

cat >"$T/app.py" <<'APP'
import os
def wsgi(environ, start_response):
    body = ("pid %d\n" % os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
APP
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify \
    --worker-reopen-signal USR1 -- \
    gunicorn --workers 1 --preload --error-logfile "$T/gunicorn.log" app:wsgi
wait_pool 2
before=$(ready_pids)
ctl reopen-logs >/dev/null || fail "reopen-logs failed"
sleep 1
[ "$(ready_pids)" = "$before" ] ||
    fail "reopen-logs changed the workers: $before -> $(ready_pids)"
wait_for "grep -q 'Handling signal: usr1' '$T/gunicorn.log'" 5 ||
    fail "gunicorn did not get USR1: $(tail -3 "$T/gunicorn.log")"

# 5 reloads under keep-alive load.
timeout 60 wrk -t1 -c8 -d20s "http://127.0.0.1:$PORT/" >"$T/wrk" 2>&1 &
WRK=$!
track "$WRK"
sleep 1
i=0
while [ $i -lt 5 ]; do
	ctl reload --wait >"$T/reload" 2>&1 ||
	    fail "reload $i under load failed: $(cat "$T/reload")"
	i=$((i + 1))
done
wait "$WRK" || fail "wrk failed: $(cat "$T/wrk")"
log "wrk: $(grep -E 'requests in|Socket errors|Non-2xx' "$T/wrk" | tr '\n' ' ')"
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk")
[ "${n:-0}" -gt 100 ] || fail "too few requests under load: $(cat "$T/wrk")"
grep -q 'Socket errors' "$T/wrk" && fail "requests failed: $(cat "$T/wrk")"
grep -q 'Non-2xx' "$T/wrk" && fail "non-2xx answers: $(cat "$T/wrk")"
[ "$(ctl --json status | jq .generation)" = 6 ] ||
    fail "not at generation 6 after 5 reloads"
stop_gracefully 15
log "ok"
