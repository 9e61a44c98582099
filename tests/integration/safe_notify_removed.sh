#!/bin/sh
# safe_notify_removed: the notify socket is removed, then replaced by a
# foreign socket, under a running gwd whose workers heartbeat: gwd notices
# (inotify on the runtime directory) and makes it again, so the workers
# keep heartbeating and a new worker becomes ready.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "no jq"
command -v python3 >/dev/null 2>&1 || skip "no python3"
ctl() { timeout 10 "$GWCTL" -s "$CTL" "$@"; }
ready() { ctl --json status 2>/dev/null | jq -r .workers.ready; }
N=$T/run/$NAME.notify

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 -t 2s
wait_for '[ "$(ready)" = 2 ]' 10 || fail "pool never ready"

rm "$N"
wait_for "[ -S $N ]" 5 || fail "the notify socket was not made again"
sleep 4
[ "$(log_count 'exited: timeout')" = 0 ] || fail "heartbeat timeouts after rm"
ctl ttin >/dev/null || fail "ttin"
wait_for '[ "$(ready)" = 3 ]' 10 || fail "no new worker ready after rm"

# A socket of someone else's moved over it.
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])' "$T/run/foreign"
ino=$(stat -c %i "$T/run/foreign")
mv "$T/run/foreign" "$N"
wait_for "[ -S $N ] && [ \$(stat -c %i $N) != $ino ]" 5 ||
    fail "the replaced notify socket was not made again"
sleep 4
[ "$(log_count 'exited: timeout')" = 0 ] || fail "heartbeat timeouts after mv"
ctl ttin >/dev/null || fail "ttin"
wait_for '[ "$(ready)" = 4 ]' 10 || fail "no new worker ready after mv"
log_has "notify socket .* was removed; made it again" || fail "not logged"
log "ok"
