#!/bin/sh
# python_adapter_gwd: the Python adapter (python3 -m gwd_worker) with the
# real gwd, for what gwd does with its messages, for both servers (ASGI
# on uvicorn, WSGI on gunicorn's gthread):
#   - GWD_REQUESTS reaches gwd: `gwctl workers` counts the requests, and
#     --max-requests recycles the worker (reason recycle_requests);
#   - heartbeats come from the serving loop: a request that blocks the
#     loop (ASGI) or the only request thread (WSGI) makes the worker miss
#     them, and gwd kills and replaces it (reason timeout), and the
#     worker's Python stack at SIGABRT (where it was stuck) is in the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

PY=python3
# no __pycache__ in the source tree (gwd passes it on to the workers)
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
for m in uvicorn gunicorn; do
	"$PY" -c "import $m" 2>/dev/null ||
	    skip "$PY cannot import $m (apt-get install python3-uvicorn gunicorn)"
done

mkdir -p "$T/app"
cat >"$T/app/apps.py" <<'APP'
import time

def _body(path):
    if path == "/hang":
        time.sleep(60)      # blocks the event loop / the request thread
    return b"adapter ok\n"

async def asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    body = _body(scope["path"])
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})

def wsgi(environ, start_response):
    body = _body(environ["PATH_INFO"])
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
APP

# one KIND SPEC: the whole check for one server.
one() {
	local kind=$1 spec=$2 first n
	: >"$LOG"
	PORT=$(free_port)
	start_gwd -w 1 -b "127.0.0.1:$PORT" --readiness notify -t 3s \
	    --max-requests 30 --chdir "$T/app" \
	    -e "PYTHONPATH=$top_srcdir/contrib/python" -- \
	    "$PY" -m gwd_worker "$kind" "$spec"
	wait_pool 1 30
	first=$(ready_pids | tr -d ' ')
	serves_only "adapter ok" 10 || fail "$kind: '$(get)'"
	wait_for "[ \"\$(ctl --json workers | jq '.workers[0].requests')\" = 10 ]" 3 ||
	    fail "$kind: gwctl workers does not count 10 requests: $(ctl workers)"
	log "ok: $kind: gwd counts the requests"
	serves_only "adapter ok" 25 || fail "$kind: '$(get)'"
	wait_log "pid $first, gen 1\\) exited: recycle_requests" 5 ||
	    fail "$kind: no recycle after --max-requests 30"
	wait_pool 1 30
	log "ok: $kind: recycled after --max-requests"

	first=$(ready_pids | tr -d ' ')
	curl -s --max-time 8 "http://127.0.0.1:$PORT/hang" >/dev/null &
	track $!
	wait_log "pid $first, gen 1\\).*heartbeat timeout" 10 ||
	    fail "$kind: a stuck worker was not killed for missed heartbeats"
	wait_log "pid $first, gen 1\) exited: timeout" 5 ||
	    fail "$kind: the stuck worker's exit was not logged as timeout"
	# the evidence: the Python stack of the stuck request, from SIGABRT
	log_has 'File ".*apps.py", line [0-9]+ in _body' ||
	    fail "$kind: no Python stack of the stuck worker in the log"
	wait_pool 1 30
	serves_only "adapter ok" || fail "$kind: after the timeout: '$(get)'"
	log "ok: $kind: a stuck worker missed its heartbeats and was replaced"
	stop_gracefully 15
	GWD_PID=
}

one --asgi apps:asgi
one --wsgi apps:wsgi
log "ok"
