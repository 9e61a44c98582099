#!/bin/sh
# recipe_gunicorn_asgi: gunicorn in a slot serving an ASGI app through
# uvicorn's worker class (-k uvicorn.workers.UvicornWorker, the setup of
# issue 8's trial) with --preload, as gwd-worker(7) gives it, is safe: a
# reload to an app with a missing import fails (exit 1, a reason) and the
# old workers keep serving; a fixed reload passes; SIGTERM stops gwd with 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v gunicorn >/dev/null 2>&1 || skip "no gunicorn (apt-get install gunicorn)"
python3 -c 'import uvicorn.workers' 2>/dev/null ||
    skip "no uvicorn for python3 (apt-get install python3-uvicorn)"
documented man/gwd-worker.7 "gunicorn --workers 1 --preload -k uvicorn.workers.UvicornWorker app:asgi"

write_asgi_app "gunicorn asgi v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify -- \
    gunicorn --workers 1 --preload -k uvicorn.workers.UvicornWorker app:asgi
wait_pool 2
answers "gunicorn asgi v1" || fail "first request: '$(get)'"

write_asgi_app "gunicorn asgi v2" "import no_such_module_gwd_recipe"
reload_must_fail "gunicorn asgi v1" \
    "exited 1: ModuleNotFoundError: No module named 'no_such_module_gwd_recipe'"

write_asgi_app "gunicorn asgi v2" ""
reload_must_pass "gunicorn asgi v2" 2
stop_gracefully 15
log "ok"
