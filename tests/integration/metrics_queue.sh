#!/bin/sh
# metrics_queue: workers that never accept (sleep), a client that opens N
# connections to a TCP and a Unix bind and holds them: the accept queue
# depth of both binds rises to N (and stays there after the client closed
# them, until a worker accepts); the maximum is the backlog.  The same over a Unix --metrics-bind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

N=12
PORT=$(free_port)
SOCK=$T/app.sock
start_gwd -w 2 -b "127.0.0.1:$PORT" -b "unix:$SOCK" --backlog 64 \
    --metrics-bind "127.0.0.1:$MPORT" --readiness spawn -- sleep 100
wait_metric 'gwd_workers{state="ready"}' 2 || fail "not ready: $(cat "$MOUT")"
TB="bind=\"127.0.0.1:$PORT\""
UB="bind=\"unix:$SOCK\""
[ "$(metric "gwd_listen_queue_depth{$TB}")" = 0 ] || fail "tcp depth not 0"
[ "$(metric "gwd_listen_queue_depth{$UB}")" = 0 ] ||
    fail "unix depth not 0: $(grep listen_queue "$MOUT")"
[ "$(metric "gwd_listen_queue_max{$TB}")" = 64 ] || fail "tcp max not 64"
[ "$(metric "gwd_listen_queue_max{$UB}")" = 64 ] || fail "unix max not 64"

# A bounded client: N connections to each bind, held until told or 30 s.
python3 - "$PORT" "$SOCK" "$N" "$T/held" "$T/done" <<'PY' &
import os, socket, sys, time
port, path, n, held, done = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
conns = []
for i in range(n):
    conns.append(socket.create_connection(("127.0.0.1", int(port)),
        timeout=5))
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.settimeout(5)
    u.connect(path)
    conns.append(u)
open(held, "w").close()
end = time.time() + 30
while time.time() < end and not os.path.exists(done):
    time.sleep(0.05)
PY
CLIENT=$!
track "$CLIENT"
wait_for "[ -e '$T/held' ]" 10 || fail "client could not connect"
wait_metric "gwd_listen_queue_depth{$TB}" "$N" 5 ||
    fail "tcp depth not $N: $(grep listen_queue "$MOUT")"
[ "$(metric "gwd_listen_queue_depth{$UB}")" = "$N" ] ||
    fail "unix depth not $N: $(grep listen_queue "$MOUT")"
promtool_check "$MOUT"
log "depth $N seen on both binds"
touch "$T/done"
wait "$CLIENT" || fail "client failed"
# Closed by the client, the connections stay queued until a worker
# accepts them (the kernel keeps them): the depth says what is owed.
scrape || fail "no scrape"
[ "$(metric "gwd_listen_queue_depth{$TB}")" = "$N" ] || fail "tcp depth moved"
[ "$(metric "gwd_listen_queue_depth{$UB}")" = "$N" ] || fail "unix depth moved"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"

# The same server on a Unix socket: made 0600, removed at exit.
MS=$T/run/metrics.sock
start_gwd -w 1 -b "127.0.0.1:$PORT" --metrics-bind "unix:$MS" \
    --readiness spawn -- sleep 100
wait_metric 'gwd_workers{state="ready"}' 1 10 "unix:$MS" ||
    fail "no scrape over unix:$MS"
promtool_check "$MOUT"
[ "$(stat -c %a "$MS")" = 600 ] || fail "mode of $MS: $(stat -c %a "$MS")"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
[ ! -e "$MS" ] || fail "$MS left behind"

# A stale socket file is replaced; a file that is not a socket is not.
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$MS"
[ -S "$MS" ] || fail "no stale socket made"
start_gwd -w 1 -b "127.0.0.1:$PORT" --metrics-bind "unix:$MS" \
    --readiness spawn -- sleep 100
wait_metric 'gwd_workers{state="ready"}' 1 10 "unix:$MS" ||
    fail "stale socket not replaced"
# A second gwd with the same metrics socket: refused, the file untouched.
ino=$(stat -c %i "$MS")
rc=0
"$GWD" --name "${NAME}b" -b "127.0.0.1:$(free_port)" \
    --metrics-bind "unix:$MS" --readiness spawn -- sleep 100 \
    >"$T/second.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "second gwd on a live metrics socket: exit $rc"
grep -q "Address already in use" "$T/second.out" ||
    fail "unclear: $(cat "$T/second.out")"
[ "$(stat -c %i "$MS")" = "$ino" ] || fail "the live socket was replaced"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
echo data >"$MS"
rc=0
"$GWD" --name "$NAME" -b "127.0.0.1:$PORT" --metrics-bind "unix:$MS" \
    --readiness spawn -- sleep 100 >"$T/file.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "metrics socket over a file: exit $rc"
grep -q "not a socket" "$T/file.out" || fail "unclear: $(cat "$T/file.out")"
[ "$(cat "$MS")" = data ] || fail "the file was touched"
log "ok"
