#!/bin/sh
# core_stop_refuse: once gwd stops (TERM or INT), every holder of a
# listening socket lets go of it, so a client that comes late is refused at
# once (curl exit 7) and can retry elsewhere, instead of being queued and
# reset when gwd exits (56).  Requests in flight still finish: a slow
# download started before TERM completes with 200, and gwd-http waits until
# the client has it all before it exits.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "no curl"

# late ARGS...: a client's HTTP code and curl's exit status, "000 rc=7".
late() {
	local code rc=0
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@") ||
	    rc=$?
	echo "$code rc=$rc"
}

# A. gwd-http with --static: a download in flight at TERM, a late client.
# The download must outlast what the kernel buffers: once the data is in
# the client's receive buffer (up to tcp_rmem's maximum, 32 MB on newer
# kernels) it counts as delivered, so the file is that much larger than
# the buffers, and read in about 5 s.
PORT=$(free_port)
mkdir "$T/www"
RMAX=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_rmem 2>/dev/null) || RMAX=
WMAX=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null) || WMAX=
BUFS=$(( ${RMAX:-6291456} + ${WMAX:-4194304} ))
SIZE=$((BUFS + 16000000))
RATE=$((SIZE / 5))
head -c "$SIZE" /dev/zero >"$T/www/big.bin"
echo ok >"$T/www/index.html"
start_gwd -b "127.0.0.1:$PORT" -w 1 --static "$T/www" --graceful-timeout 10s
wait_for "curl -sf -o /dev/null http://127.0.0.1:$PORT/" 10 || fail "no gwd-http"
( curl -s -o /dev/null --limit-rate "$RATE" \
    -w '%{http_code} %{size_download}' \
    --max-time 20 "http://127.0.0.1:$PORT/big.bin"; echo " rc=$?" ) \
    >"$T/dl.txt" &
DL=$!
track "$DL"
sleep 0.5
kill -TERM "$GWD_PID"
sleep 0.5
alive "$GWD_PID" || fail "gwd left before the download finished"
l=$(late "http://127.0.0.1:$PORT/")
[ "$l" = "000 rc=7" ] || fail "gwd-http: a client 0.5 s after TERM got '$l', not refused (000 rc=7)"
wait_gwd_exit 20 || fail "gwd did not exit"
[ "$GWD_STATUS" = 0 ] || fail "gwd exit $GWD_STATUS"
# The answer was the client's before gwd exited: curl only has to read
# what its own receive buffer holds.
wait_for "[ -s '$T/dl.txt' ]" $((BUFS / RATE + 2)) ||
    fail "gwd exited while the client still had the download to read"
[ "$(cat "$T/dl.txt")" = "200 $SIZE rc=0" ] ||
    fail "download in flight: $(cat "$T/dl.txt")"
log "gwd-http: late client refused, download in flight complete"

# B. A command worker that takes 2 s to leave after TERM (it closes its
# listener first, as gwd-worker(7) asks): refused while it leaves.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 --stats-db none -- "$TW" --term-delay 2s
wait_workers 2 || fail "no workers"
wait_for "curl -sf -o /dev/null http://127.0.0.1:$PORT/" 10 || fail "not serving"
kill -TERM "$GWD_PID"
sleep 0.5
alive "$GWD_PID" || fail "gwd gone too early: the test proves nothing"
l=$(late "http://127.0.0.1:$PORT/")
[ "$l" = "000 rc=7" ] || fail "graceful stop: a late client got '$l', not refused"
wait_gwd_exit 10 || fail "gwd did not exit"
log "graceful stop: refused"

# C. A Unix socket bind: refused too, and the file gwd made is gone.
SOCK=$T/web.sock
start_gwd -b "unix:$SOCK" -w 1 --stats-db none -- "$TW" --term-delay 2s
wait_workers 1 || fail "no worker"
wait_for "curl -sf -o /dev/null --unix-socket '$SOCK' http://x/" 10 ||
    fail "not serving on $SOCK"
kill -TERM "$GWD_PID"
wait_for "[ ! -e '$SOCK' ]" 2 || fail "$SOCK still there while gwd stops"
l=$(late --unix-socket "$SOCK" http://x/)
[ "$l" = "000 rc=7" ] || fail "unix bind: a late client got '$l'"
alive "$GWD_PID" || fail "gwd gone too early: the test proves nothing"
wait_gwd_exit 10 || fail "gwd did not exit"
log "unix bind: refused, socket file removed"

# D. Quick stop (INT): the worker ignores SIGINT, so gwd waits 2 s before
# SIGKILL; it holds no listener (it closed fd 3), so only the master's
# copy could keep the queue.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --stats-db none -- \
    /bin/sh -c 'trap "" INT; exec 3<&-; exec sleep 30'
wait_for "[ -n \"\$(children_of $GWD_PID)\" ]" 10 || fail "no worker"
sleep 0.3
kill -INT "$GWD_PID"
sleep 0.3
alive "$GWD_PID" || fail "gwd gone too early: the test proves nothing"
l=$(late "http://127.0.0.1:$PORT/")
[ "$l" = "000 rc=7" ] || fail "quick stop: a late client got '$l', not refused"
wait_gwd_exit 10 || fail "gwd did not exit"
log "ok"
