#!/bin/sh
# recipe_gunicorn: the gunicorn-in-a-slot recipe of README.md and
# gwd-worker(7) (--readiness notify, gunicorn --workers 1 --preload) is
# safe: with --preload gunicorn imports the application before its arbiter
# sends READY=1, so a reload to code with a missing import fails (exit 1,
# a reason) and the old workers keep serving; a fixed reload passes;
# SIGTERM stops gwd with status 0.  Without --preload the arbiter says
# READY=1 before the import, and such a reload retires every old worker.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v gunicorn >/dev/null 2>&1 || skip "no gunicorn (apt-get install gunicorn)"
documented README.md "--readiness notify -- gunicorn --workers 1 --preload app:wsgi"
documented man/gwd-worker.7 "gunicorn --workers 1 --preload app:wsgi"

write_wsgi_app "gunicorn v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify -- \
    gunicorn --workers 1 --preload app:wsgi
wait_pool 2
answers "gunicorn v1" || fail "first request: '$(get)'"

write_wsgi_app "gunicorn v2" "import no_such_module_gwd_recipe"
reload_must_fail "gunicorn v1" \
    "exited 1: ModuleNotFoundError: No module named 'no_such_module_gwd_recipe'"

write_wsgi_app "gunicorn v2" ""
reload_must_pass "gunicorn v2" 2
stop_gracefully 15
log "ok"
