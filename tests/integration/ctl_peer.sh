#!/bin/sh
# ctl_peer: the security model with real credentials.  gwctl runs as nobody
# through runuser: with no access it gets forbidden (exit 1) and nothing
# changes; in --control-read-group it may read but not change; in
# --control-group it may do everything, and the audit names its uid.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to run gwctl as another user (runuser)"
command -v runuser >/dev/null || skip "runuser not installed"
id nobody >/dev/null 2>&1 || skip "no user nobody"
NOBODY=$(id -u nobody)
# Two system groups nobody is not in (by name: gwd resolves them at start).
RG=daemon
CG=sys
getent group "$RG" >/dev/null && getent group "$CG" >/dev/null ||
    skip "groups $RG and $CG do not exist"
CGID=$(getent group "$CG" | cut -d: -f3)
# nobody must reach gwctl and the socket.
d=$top_builddir
while [ "$d" != / ]; do
	case $(stat -c %A "$d" | cut -c10) in x|t) ;; *) false ;; esac ||
	    skip "$d is not searchable by others; gwctl cannot run as nobody"
	d=$(dirname "$d")
done

mkdir -m 0755 "$T/pub"
SOCK=$T/pub/ctl.sock
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness notify \
    --control-socket "$SOCK" --control-mode 0666 \
    --control-read-group "$RG" --control-group "$CG" -- "$TW"
wait_for "[ -S '$SOCK' ]" 5 || fail "no control socket"
wait_workers 2 || fail "no workers"
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "mode $(stat -c %a "$SOCK")"
[ "$(stat -c %g "$SOCK")" = "$CGID" ] || fail "socket group $(stat -c %g "$SOCK")"

# as GROUP CMD...: run gwctl as nobody with that primary group.
as() {
	local g=$1
	shift
	runuser -u nobody -g "$g" -- "$GWCTL" -s "$SOCK" "$@" >"$T/out" 2>"$T/err" &&
	    echo 0 || echo $?
}

# No access: forbidden, exit 1, disconnected, nothing changed.
[ "$(as nogroup ping)" = 1 ] || fail "stranger ping: $(cat "$T/err")"
grep -q '^gwctl: ping: this user may not use the control socket' "$T/err" ||
    fail "stranger message: $(cat "$T/err")"
[ "$(as nogroup scale 5)" = 1 ] || fail "stranger scale"
runuser -u nobody -g nogroup -- "$GWCTL" -s "$SOCK" call '{"id":1,"cmd":"status"}' \
    >"$T/out" 2>&1 || true
jq -e '.error.code == "forbidden"' "$T/out" >/dev/null ||
    fail "stranger code: $(cat "$T/out")"
log_has "connection refused to uid $NOBODY" || fail "refusal not logged"

# Read group: the read-only commands, not the others.
for c in ping version status workers config; do
	[ "$(as "$RG" $c)" = 0 ] || fail "reader $c: $(cat "$T/err")"
done
[ "$(as "$RG" scale 5)" = 1 ] || fail "reader scale allowed"
grep -q '^gwctl: scale: scale is not allowed to this peer (read-only access)' "$T/err" ||
    fail "reader message: $(cat "$T/err")"
for c in "ttin" "reload" "kill 1" "stop" "reopen-logs"; do
	# shellcheck disable=SC2086
	[ "$(as "$RG" $c)" = 1 ] || fail "reader $c allowed"
	grep -q 'forbidden\|not allowed' "$T/err" || fail "reader $c: $(cat "$T/err")"
done
as "$RG" events -f --timeout 1s >/dev/null
[ "$(as "$RG" events -f --timeout 1s)" = 0 ] || fail "reader subscribe"
[ "$("$GWCTL" -s "$SOCK" --json status | jq .workers.target)" = 2 ] ||
    fail "a refused command changed the target"
[ "$("$GWCTL" -s "$SOCK" --json status | jq .generation)" = 1 ] ||
    fail "a refused reload happened"
alive "$GWD_PID" || fail "a refused stop stopped gwd"

# Control group: everything, audited with nobody's uid.
[ "$(as "$CG" scale 3)" = 0 ] || fail "operator scale: $(cat "$T/err")"
[ "$(cat "$T/out")" = "target 3 (was 2)" ] || fail "operator scale output"
wait_workers 3 || fail "scale by the control group did not happen"
log_has "control: scale \\{\"workers\":3\\} from uid $NOBODY pid [0-9]+" ||
    fail "audit lacks nobody's uid"
log "ok"
