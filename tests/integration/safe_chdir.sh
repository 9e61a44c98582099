#!/bin/sh
# safe_chdir: --chdir to a directory that does not exist can never work:
# it is refused at start (exit 2, the message names chdir and the path),
# by --check-config, and at reload (refused with file:line, nothing
# changes, the old workers keep serving).  A directory that disappears
# while gwd runs is reported as a chdir failure, not as an exec failure.
. "$(dirname "$0")/lib.sh"

ctl() { timeout 10 "$GWCTL" -s "$CTL" "$@"; }
BAD=$T/nonexistent

rc=0
timeout 10 "$GWD" --name "$NAME" --chdir "$BAD" -b "127.0.0.1:$(free_port)" \
    -- "$TW" >"$T/start.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || { cat "$T/start.out"; fail "start: exit $rc, want 2"; }
grep -q "chdir.*$BAD" "$T/start.out" || { cat "$T/start.out"; fail "start: no reason"; }
grep -q "exec" "$T/start.out" && fail "start: blames exec"
[ -z "$(ls "$T/run")" ] || fail "start: left $(ls "$T/run")"

rc=0
"$GWD" --check-config --chdir "$BAD" -- "$TW" >"$T/check.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || { cat "$T/check.out"; fail "--check-config: exit $rc, want 2"; }
grep -q "chdir.*$BAD" "$T/check.out" || fail "--check-config: no reason"

# Reload to it: refused with the place, the old workers keep serving.
mkdir "$T/wd"
PORT=$(free_port)
printf 'bind = 127.0.0.1:%s\nworkers = 2\nchdir = %s\n' "$PORT" "$T/wd" \
    >"$T/gwd.conf"
start_gwd -c "$T/gwd.conf" -- "$TW"
wait_workers 2 || fail "no workers"
before=$(workers_of)
printf 'bind = 127.0.0.1:%s\nworkers = 2\nchdir = %s\n' "$PORT" "$BAD" \
    >"$T/gwd.conf"
rc=0
out=$(ctl reload --wait 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "reload: exit $rc, want 1 ($out)"
echo "$out" | grep -q "$T/gwd.conf:3: chdir: .*$BAD" ||
    fail "reload: the error does not name the file, line and key: $out"
sleep 1
[ "$(workers_of)" = "$before" ] || fail "reload: the workers changed"
http_get "$PORT" | grep -q '^worker ' || fail "reload: the old workers do not serve"

# The directory goes away under a running gwd: the child says chdir.
printf 'bind = 127.0.0.1:%s\nworkers = 2\nchdir = %s\n' "$PORT" "$T/wd" \
    >"$T/gwd.conf"
rmdir "$T/wd"
kill -KILL $(workers_of | head -n 1)
wait_log "cannot chdir to $T/wd" 10 || fail "the chdir failure is not named"
log_has "cannot exec" && fail "a chdir failure reported as exec"
log "ok"
