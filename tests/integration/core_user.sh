#!/bin/sh
# core_user: as root, --user nobody runs the workers as nobody (and its
# group), while the master stays root.  Needs root: skipped otherwise.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to change user"
id nobody >/dev/null 2>&1 || skip "no user nobody"
uid=$(id -u nobody)
gid=$(id -g nobody)
mkdir -m 1777 "$T/pub"
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --user nobody -- "$TW" \
    --report-fds "$T/pub/r"
wait_workers 1 || fail "no worker"
w=$(workers_of)
R=$T/pub/r.$w
wait_for "[ -s $R ]" 5 || fail "no report (could nobody write to $T/pub?)"
[ "$(report_get "$R" uid)" = "$uid" ] || fail "worker uid $(report_get "$R" uid), want $uid"
[ "$(report_get "$R" euid)" = "$uid" ] || fail "worker euid $(report_get "$R" euid)"
[ "$(report_get "$R" gid)" = "$gid" ] || fail "worker gid $(report_get "$R" gid), want $gid"
[ "$(awk '/^Uid:/ { print $2 }' /proc/$GWD_PID/status)" = 0 ] || fail "the master is no longer root"
wait_for "http_get $PORT | grep -q '^worker 1 '" 5 || fail "worker as nobody does not serve"
log "ok"
