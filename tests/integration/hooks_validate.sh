#!/bin/sh
# hooks_validate: a hook that can never run is refused like any bad value:
# an unknown EVENT (the message lists the events), a program not in PATH,
# a path that does not exist or is not executable.  --check-config and a
# start exit 2 with the same FILE:LINE: hook message, a reload to it is
# refused (nothing changes, and the reload hook says failed).  A good
# reload changes the hooks.
. "$(dirname "$0")/lib.sh"

ctl() { timeout 10 "$GWCTL" -s "$CTL" "$@"; }
cat >"$T/rec.sh" <<'SH'
#!/bin/sh
echo "$GWD_EVENT ${GWD_RESULT:-}" >>"$HOOKDIR/rec"
SH
chmod +x "$T/rec.sh"
: >"$T/notexec"
chmod 0644 "$T/notexec"
mkdir "$T/h"
export HOOKDIR=$T/h
PORT=$(free_port)
# conf LINE: a good file whose third line is LINE.
conf() {
	printf 'bind = 127.0.0.1:%s\nhook = reload=%s\n%s\ncommand = %s\n' \
	    "$PORT" "$T/rec.sh" "$1" "$TW" >"$T/gwd.conf"
}

conf "workers = 1"
start_gwd -c "$T/gwd.conf" --readiness-grace 0
wait_workers 1 || fail "no worker"
pids=$(workers_of)

while read -r value want; do
	[ -n "$value" ] || continue
	conf "hook = $value"
	refused_everywhere "$value" "$T/gwd.conf:3: hook: $want"
	[ "$(workers_of)" = "$pids" ] || fail "$value: the workers changed"
done <<LIST
exit=$T/rec.sh unknown event 'exit': expected one of ready, reload, worker_exit, worker_timeout, scale, backoff, stop
ready=no-such-hook-program$$ ready: no-such-hook-program$$: not found in PATH
stop=$T/nonexistent/x stop: cannot run $T/nonexistent/x: No such file or directory
scale=$T/notexec scale: cannot run $T/notexec: Permission denied
worker_timeout=$T worker_timeout: cannot run $T: not a regular file
LIST
# On the command line too, named --hook.
rc=0
"$GWD" --name "cli$$" --hook "ready=no-such-hook-program$$" --check-config \
    >/dev/null 2>"$T/cli.err" || rc=$?
[ "$rc" = 2 ] || fail "--hook: exit $rc, want 2"
grep -qF -- "--hook: ready: no-such-hook-program$$: not found in PATH" \
    "$T/cli.err" || fail "--hook said: $(cat "$T/cli.err")"

# Each refused reload was a reload that failed, for the reload hook.
wait_for "[ \"\$(grep -c '^reload failed' $T/h/rec)\" -ge 5 ]" 5 ||
    fail "refused reloads did not run the reload hook: $(cat "$T/h/rec")"

# A good reload changes the hooks: the new scale hook runs.
conf "hook = scale=$T/rec.sh"
ctl reload --wait >/dev/null || fail "good reload"
wait_for "grep -q '^reload ok' $T/h/rec" 5 || fail "no reload ok"
ctl scale 2 >/dev/null || fail "scale"
wait_for "grep -q '^scale' $T/h/rec" 5 || fail "the reloaded hook did not run"
log "ok"
