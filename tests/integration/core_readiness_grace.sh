#!/bin/sh
# core_readiness_grace: a worker counts only once it has proven itself, and
# a reload whose new code fails says why and keeps the old code serving.
#  1. --readiness spawn: new code that dies 0.3 s after exec, after
#     printing an import error, fails `gwctl reload --wait` (exit 1) with
#     the worker, its exit status and its last stderr line; the old workers
#     keep serving; status and `gwctl status` carry the same evidence.
#  2. --readiness notify with --readiness-grace: READY=1 and then a crash
#     (gunicorn's arbiter without --preload) fails the reload too.
#  3. A new worker that never becomes ready fails the reload within
#     --boot-timeout (the documented bound), not never.
#  4. Fixed code reloads fine, and `gwctl status` says so.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
C=$T/gwd.conf
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
command = $TW
CONF
start_gwd -c "$C"
wait_workers 2 || fail "no workers"
wait_for "$GWCTL -s $CTL --json status | jq -e '.workers.ready == 2' >/dev/null" 5 ||
    fail "the pool did not become ready"
old=$(workers_of | tr '\n' ' ')
$GWCTL -s "$CTL" status >"$T/st0" || fail "gwctl status failed"
grep -q '^last reload  *-$' "$T/st0" ||
    fail "before any reload, 'last reload' is not '-': $(grep 'last reload' "$T/st0")"

# reload_expect_fail SECONDS PATTERN: gwctl reload --wait exits 1 within
# SECONDS and says PATTERN; the old workers are the same and serve.
reload_expect_fail() {
	local t0 dt rc=0
	t0=$(now_ms)
	$GWCTL -s "$CTL" reload --wait >"$T/out" 2>&1 || rc=$?
	dt=$(( $(now_ms) - t0 ))
	log "reload --wait: exit $rc in $dt ms: $(cat "$T/out" | tr '\n' ' ')"
	[ "$rc" -eq 1 ] || fail "reload --wait exited $rc, not 1"
	[ "$dt" -le $(($1 * 1000)) ] || fail "reload --wait took $dt ms"
	grep -qE "$2" "$T/out" || fail "reload --wait did not say '$2'"
	sleep 1.5
	[ "$(workers_of | tr '\n' ' ')" = "$old" ] ||
	    fail "old workers replaced: $(workers_of | tr '\n' ' ') vs $old"
	http_get "$PORT" | grep -q 'gen 1$' || fail "gen 1 stopped serving"
	$GWCTL -s "$CTL" --json status >"$T/status"
	jq -e '.state == "running" and .workers.ready == 2 and
	    .generation == 1' "$T/status" >/dev/null ||
	    fail "status after the failed reload: $(cat "$T/status")"
}

# 1. Dies 0.3 s after exec, with an import error on stderr.
sed -i "s|^command = .*|command = $TW --mode crash --after 300ms --exit-code 3 --print \"ModuleNotFoundError: No module named 'x'\"|" "$C"
reload_expect_fail 5 "worker [0-9]+ \\(pid [0-9]+\\) exited 3: ModuleNotFoundError: No module named 'x'"
jq -e '.last_reload.result.ok == false and
    .last_reload.result.worker.exit_status == 3 and
    .last_reload.result.worker.reason == "boot_failed" and
    any(.last_reload.result.worker.stderr[]; test("^ModuleNotFoundError: No module named .x.")) and
    (.last_reload.result.error | test("ModuleNotFoundError"))' \
    "$T/status" >/dev/null ||
    fail "status.last_reload lacks the evidence: $(jq -c .last_reload "$T/status")"
$GWCTL -s "$CTL" status >"$T/st1"
grep -E '^last reload .*generation 2 failed .*exited 3: ModuleNotFoundError' "$T/st1" >/dev/null ||
    fail "gwctl status: $(grep 'last reload' "$T/st1")"
grep -q '^stats  *{' "$T/st1" && fail "gwctl status prints raw JSON for stats"
# Not a crash loop of new code: nothing of generation 2 is left.
[ "$(log_count 'gen 2\) exited')" -le 2 ] ||
    fail "generation 2 kept restarting: $(log_count 'gen 2\) exited') exits"

# 2. notify: READY=1, then a crash 0.5 s later, inside a 1 s grace.
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
readiness = notify
readiness-grace = 1s
command = $TW --crash-after-ready 500ms --exit-code 3 --print "Worker failed to boot."
CONF
reload_expect_fail 5 "exited 3: Worker failed to boot"

# 3. Never ready: fails at --boot-timeout, not never.
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
readiness = notify
boot-timeout = 1s
command = $TW --no-ready
CONF
reload_expect_fail 4 "did not become ready in time"

# 4. Fixed code.
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
command = $TW
CONF
$GWCTL -s "$CTL" reload --wait >"$T/out" 2>&1 ||
    fail "reload of good code failed: $(cat "$T/out")"
grep -q 'reloaded: generation 5' "$T/out" || fail "reload said: $(cat "$T/out")"
wait_for "http_get $PORT | grep -q 'gen 5\$'" 5 || fail "gen 5 does not serve"
$GWCTL -s "$CTL" status >"$T/st2"
grep -E '^last reload .*generation 5 ok at [0-9T:Z-]+ in [0-9.]+m?s' "$T/st2" >/dev/null ||
    fail "gwctl status after a good reload: $(grep 'last reload' "$T/st2")"
log "ok"
