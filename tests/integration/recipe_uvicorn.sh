#!/bin/sh
# recipe_uvicorn: the uvicorn recipe of README.md and gwd-worker(7)
# (python3 -m uvicorn --fd 3, readiness by spawn plus --readiness-grace)
# is safe: uvicorn never sends READY=1, so a worker counts only once it has
# stayed up for the grace; a reload to an ASGI app with a missing import
# fails (exit 1, a reason) and the old workers keep serving; a fixed reload
# passes; SIGTERM stops gwd with status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

python3 -c 'import uvicorn' 2>/dev/null ||
    skip "no uvicorn for python3 (apt-get install python3-uvicorn)"
documented README.md "--readiness-grace 3s -- python3 -m uvicorn --fd 3 app:asgi"
documented man/gwd-worker.7 "--readiness-grace 3s -- python3 -m uvicorn --fd 3 app:asgi"

write_asgi_app "uvicorn v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness-grace 3s -- \
    python3 -m uvicorn --fd 3 app:asgi
wait_pool 2
answers "uvicorn v1" || fail "first request: '$(get)'"

write_asgi_app "uvicorn v2" "import no_such_module_gwd_recipe"
reload_must_fail "uvicorn v1" \
    "exited 1: ModuleNotFoundError: No module named 'no_such_module_gwd_recipe'"

write_asgi_app "uvicorn v2" ""
reload_must_pass "uvicorn v2" 2
stop_gracefully 15
log "ok"
