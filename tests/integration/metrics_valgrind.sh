#!/bin/sh
# metrics_valgrind: gwd under valgrind serves /metrics through scrapes,
# HEAD and refused methods, garbage, huge and truncated requests, clients
# that vanish, more than 64 connections, and reloads that move the
# metrics to a Unix socket, remove them and bring them back.  No error and
# no leak.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

command -v valgrind >/dev/null || skip "valgrind not installed"
ldd "$GWD" 2>/dev/null | grep -q 'libasan\|libubsan' &&
    skip "gwd is built with sanitizers, which valgrind cannot run"

VG=$T/valgrind.log
PORT=$(free_port)
C=$T/gwd.conf
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
readiness = notify
command = $TW --heartbeat 200ms
metrics-bind = 127.0.0.1:$MPORT
CONF
valgrind -q --child-silent-after-fork=yes --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$VG" "$GWD" --name "$NAME" -c "$C" >>"$LOG" 2>&1 &
GWD_PID=$!
track "$GWD_PID"
wait_metric 'gwd_workers{state="ready"}' 2 30 || fail "not ready"
http_get "$PORT" >/dev/null || fail "worker"
wait_metric gwd_requests_total 1 10 || fail "requests"
curl -s -I --max-time 5 "http://127.0.0.1:$MPORT/metrics" >/dev/null
curl -s -X POST -d x --max-time 5 "http://127.0.0.1:$MPORT/metrics" >/dev/null
curl -s --max-time 5 "http://127.0.0.1:$MPORT/nothing" >/dev/null
python3 - "$MPORT" <<'PY' || fail "hostile clients"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
for data in (b"\x00garbage\r\n\r\n",
             b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
             b"GET /metrics HTTP/1.1\r\nContent-Length: 99999\r\n\r\n",
             b"GET /metr"):
    s = conn(); s.sendall(data); s.close()
# asks and leaves before reading
s = conn(); s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); s.close()
# pipelined
s = conn()
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 3 +
          b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
n = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    n += b.count(b"HTTP/1.1 200")
assert n == 4, n
# more than the limit
many = []
for i in range(70):
    c = conn()
    c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    many.append(c)
time.sleep(2)
for c in many:
    c.close()
time.sleep(0.5)
PY
scrape || fail "no scrape after hostile clients"
MS=$T/run/m.sock
sed -i "s|^metrics-bind = .*|metrics-bind = unix:$MS|" "$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="ok"}' 1 60 "unix:$MS" ||
    fail "no metrics on unix after reload"
sed -i '/^metrics-bind/d' "$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_for "[ ! -e '$MS' ]" 60 || fail "$MS not removed"
echo "metrics-bind = 127.0.0.1:$MPORT" >>"$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="ok"}' 3 60 || fail "back on TCP"
promtool_check "$MOUT"
kill -TERM "$GWD_PID"
wait_gwd_exit 60 || fail "gwd did not exit under valgrind"
if [ "$GWD_STATUS" != 0 ] || [ -s "$VG" ]; then
	cat "$VG" >&2
	fail "valgrind: exit $GWD_STATUS"
fi
log "ok: valgrind found no error and no leak"
