#!/bin/sh
# recipe_python_app: README's "Python, stdlib only" recipe, the adapter
# contrib/adapters/python_app.py serving a WSGI application, is safe: it
# imports the application before READY=1, so a reload to code with a
# missing import fails and the old workers keep serving; a fixed reload
# passes; an idle worker sleeps (under 5 % of a CPU over 3 s); SIGTERM
# stops gwd with status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v python3 >/dev/null 2>&1 || skip "no python3 (apt-get install python3)"
ADAPTER=$top_srcdir/contrib/adapters/python_app.py
documented README.md "python3 contrib/adapters/python_app.py app:wsgi"
documented man/gwd-worker.7 "python3 contrib/adapters/python_app.py app:wsgi"

write_wsgi_app "python_app v1" ""
PORT=$(free_port)
# The README's recipe, with the application's MODULE:CALLABLE.
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify -t 10s -- \
    python3 "$ADAPTER" app:wsgi
wait_pool 2
answers "python_app v1" || fail "first request: '$(get)'"

# Idle workers block in poll(2): a few ticks over 3 s at most.
hz=$(getconf CLK_TCK)
pids=$(ready_pids)
for p in $pids; do
	eval "t0_$p=\$(cpu_ticks $p)"
done
sleep 3
for p in $pids; do
	eval "t0=\$t0_$p"
	used=$(( $(cpu_ticks "$p") - t0 ))
	# < 5 % of 3 s
	[ $((used * 100)) -lt $((hz * 3 * 5)) ] ||
	    fail "idle worker $p used $used ticks (of $hz/s) in 3 s"
	log "ok: idle worker $p used $used ticks in 3 s"
done

write_wsgi_app "python_app v2" "import no_such_module_gwd_recipe"
reload_must_fail "python_app v1" \
    "exited 1: ModuleNotFoundError: No module named 'no_such_module_gwd_recipe'"

write_wsgi_app "python_app v2" ""
reload_must_pass "python_app v2" 2
stop_gracefully 10
log "ok"
