#!/bin/sh
# sd_socket_activate: socket activation by systemd's own tool,
# systemd-socket-activate (which listens, waits for the first connection,
# then execs gwd in its place with LISTEN_FDS, LISTEN_PID and
# LISTEN_FDNAMES).  gwd adopts the socket: the first connection is
# served, workers get it as fd 3 with LISTEN_FDNAMES=web, `gwctl status`
# shows it.  With two sockets and binds at their addresses, gwd takes each
# in its bind's place, in --bind order, instead of binding anew (which
# would fail: the activated socket holds the port).
. "$(dirname "$0")/lib.sh"

command -v systemd-socket-activate >/dev/null ||
    skip "no systemd-socket-activate (Debian package systemd)"
[ -x "$TW" ] || skip "no test worker"
P1=$(free_port)
P2=$(free_port)

# Its options come before the program; it passes on only HOME, PATH, TERM
# and what -E names.
sa() {
	systemd-socket-activate -E RUNTIME_DIRECTORY -E STATE_DIRECTORY \
	    -E TW_STATE_DIR "$@" >>"$LOG" 2>&1 &
	GWD_PID=$!
	track "$GWD_PID"
}

# One socket, no --bind: it replaces the default bind.
sa -l "127.0.0.1:$P1" --fdname=web "$GWD" --name "$NAME" -w 2 \
    --readiness notify -- "$TW" --report-fds "$T/tw/r"
wait_for "grep -q 'Listening on 127.0.0.1:$P1' '$LOG'" 5 ||
    fail "systemd-socket-activate does not listen: $(cat "$LOG")"
# The first connection starts gwd; it waits in the queue meanwhile.
body=$(curl -s --max-time 10 "http://127.0.0.1:$P1/") ||
    fail "the first connection was not served: $(cat "$LOG")"
echo "$body" | grep -q '^worker ' || fail "answer: $body"
wait_workers 2 || fail "no 2 workers: $(cat "$LOG")"
f=$(ls "$T"/tw/r.* | head -1)
[ "$(report_env "$f" LISTEN_FDS)" = 1 ] &&
[ "$(report_env "$f" LISTEN_FDNAMES)" = web ] ||
    fail "worker env: LISTEN_FDS=$(report_env "$f" LISTEN_FDS) LISTEN_FDNAMES=$(report_env "$f" LISTEN_FDNAMES)"
ino=$(readlink "/proc/$GWD_PID/fd/3")
[ "$(report_get "$f" fd.3)" = "$ino" ] ||
    fail "worker fd 3 is $(report_get "$f" fd.3), the activated socket $ino"
"$GWCTL" -s "$CTL" --json status >"$T/st" || fail "gwctl status"
[ "$(jq -r '.binds | length' "$T/st")" = 1 ] &&
[ "$(jq -r '.binds[0].name' "$T/st")" = web ] &&
[ "$(jq -r '.binds[0].local' "$T/st")" = "127.0.0.1:$P1" ] &&
[ "$(jq -r '.binds[0].fdstore' "$T/st")" = null ] ||
    fail "status binds: $(jq -c .binds "$T/st")"
"$GWCTL" -s "$CTL" status | grep -q '^binds .*fd://3' ||
    fail "gwctl status: $("$GWCTL" -s "$CTL" status)"
kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"

# Two sockets, and binds naming their addresses in the other order.
rm -f "$T"/tw/r.*
sa -l "127.0.0.1:$P1" -l "127.0.0.1:$P2" --fdname=web:admin "$GWD" \
    --name "$NAME" -b "admin=127.0.0.1:$P2" -b "web=127.0.0.1:$P1" -w 1 \
    --readiness notify -- "$TW" --report-fds "$T/tw/r"
wait_for "grep -q 'Listening on 127.0.0.1:$P2' '$LOG'" 5 ||
    fail "systemd-socket-activate does not listen: $(cat "$LOG")"
body=$(curl -s --max-time 10 "http://127.0.0.1:$P2/") ||
    fail "the first connection was not served: $(tail -5 "$LOG")"
wait_for "http_get $P1 | grep -q '^worker '" 10 || fail "web does not answer"
log_has "cannot bind" && fail "gwd bound anew: $(grep 'cannot bind' "$LOG")"
wait_workers 1 || fail "no worker"
f=$(ls "$T"/tw/r.* | head -1)
[ "$(report_env "$f" LISTEN_FDNAMES)" = admin:web ] ||
    fail "workers' LISTEN_FDNAMES: $(report_env "$f" LISTEN_FDNAMES)"
"$GWCTL" -s "$CTL" --json status >"$T/st" || fail "gwctl status"
[ "$(jq -r '[.binds[] | .name + "=" + .local] | join(" ")' "$T/st")" = \
    "admin=127.0.0.1:$P2 web=127.0.0.1:$P1" ] ||
    fail "status binds: $(jq -c .binds "$T/st")"
# Only the two activated sockets: nothing bound besides them.
n=$(ls -l "/proc/$GWD_PID/fd" | grep -c 'socket:' || true)
[ "$(ss -Htln "sport = :$P1" | wc -l)" = 1 ] ||
    fail "more than one listener on $P1: $(ss -Htlnp "sport = :$P1")"
kill -TERM "$GWD_PID"
wait_gwd_exit 15 || fail "gwd did not stop"
log "ok (gwd holds $n sockets)"
