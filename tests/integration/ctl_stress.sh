#!/bin/sh
# ctl_stress: hostile and heavy use of the control socket never stalls,
# crashes or bloats the master: 100 idle clients and a half-written request
# while gwctl is answered at once; 5000 pipelined pings on one connection;
# a client that pipelines without reading; random bytes.
. "$(dirname "$0")/lib.sh"

ctl() { "$GWCTL" -n "$NAME" "$@"; }
# rtt_ms CMD: connect and ask, timed inside the client (no process start-up
# in the number): how long gwd takes to answer a newcomer.
rtt_ms() {
	python3 - "$CTL" "$1" <<'PY'
import socket, sys, time
t0 = time.monotonic()
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"%s"}\n' % sys.argv[2].encode())
buf = b""
while not buf.endswith(b"\n"):
    b = s.recv(65536)
    if not b:
        sys.exit("closed")
    buf += b
assert b'"ok":true' in buf, buf
print(int((time.monotonic() - t0) * 1000))
PY
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$GWD_PID/status"; }

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- "$TW"
wait_for "[ -S '$CTL' ]" 5 || fail "no control socket"
wait_workers 1 || fail "no workers"
ctl status >/dev/null || fail "status"
rss0=$(rss_kb)

# 100 idle clients and one half-written request, held open while gwctl asks.
python3 - "$CTL" "$T/hold.ready" <<'PY' &
import socket, sys, time
conns = []
half = socket.socket(socket.AF_UNIX)
half.connect(sys.argv[1])
half.sendall(b'{"cmd":"status","args":{')
for i in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    conns.append(s)
open(sys.argv[2], "w").close()
# Held while the three measurements below run.
time.sleep(6)
half.sendall(b'}}\n')
assert b'"ok":true' in half.recv(65536)
PY
HOLD=$!
track "$HOLD"
wait_for "[ -e '$T/hold.ready' ]" 10 || fail "idle clients did not connect"
for c in ping status workers; do
	ctl $c >/dev/null || fail "gwctl $c failed beside 100 idle clients"
	dt=$(rtt_ms $c) || fail "$c failed beside 100 idle clients"
	[ "$dt" -lt 500 ] || fail "$c took ${dt} ms beside 100 idle clients"
	log "$c answered in ${dt} ms beside 100 idle clients and a half request"
done
wait "$HOLD" || fail "the half-written request was not answered once complete"

# 5000 pipelined pings on one connection, answered in order.
python3 - "$CTL" <<'PY' || fail "pipelined pings"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
n = 5000
s.sendall(b"".join(b'{"id":%d,"cmd":"ping"}\n' % i for i in range(1, n + 1)))
buf = b""
got = 0
while got < n:
    b = s.recv(1 << 20)
    assert b, "closed after %d answers" % got
    buf += b
    *lines, buf = buf.split(b"\n")
    for l in lines:
        got += 1
        r = json.loads(l)
        assert r["id"] == got and r["ok"] and r["result"] == {"pong": True}, l

PY
log "5000 pipelined pings answered in order"

# A client that pipelines 200000 pings and never reads: gwd stops reading
# it (bounded output) and everyone else is still served.
python3 - "$CTL" "$T/flood.ready" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setblocking(False)
req = b'{"cmd":"status"}\n' * 200000
sent = 0
end = time.time() + 2
while time.time() < end and sent < len(req):
    try:
        sent += s.send(req[sent:sent + 65536])
    except BlockingIOError:
        time.sleep(0.01)
open(sys.argv[2], "w").close()
time.sleep(1)
PY
FLOOD=$!
track "$FLOOD"
wait_for "[ -e '$T/flood.ready' ]" 10 || fail "flood client"
ctl ping >/dev/null || fail "ping beside a non-reading client"
dt=$(rtt_ms ping) || fail "ping failed beside a non-reading client"
[ "$dt" -lt 500 ] || fail "ping took ${dt} ms beside a non-reading client"
log "ping answered in ${dt} ms beside a client that does not read"
wait "$FLOOD" 2>/dev/null || true
log "flood done"

# Random bytes, with and without newlines, on 20 connections.
python3 - "$CTL" <<'PY' || fail "random bytes"
import os, random, socket, sys
random.seed(7)
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(2)
    try:
        for j in range(30):
            data = os.urandom(4096) if i % 2 else bytes(
                random.choice(b'{}[]":,\n\\u0000abc\xff') for _ in range(4096))
            s.sendall(data)
    except OSError:
        pass
    s.close()
PY
log "random bytes sent"
ctl ping >/dev/null || fail "no answer after random bytes"
alive "$GWD_PID" || fail "gwd died"
wait_for "[ \"\$(\"$GWCTL\" -n $NAME --json status >/dev/null && echo ok)\" = ok ]" 5 ||
    fail "status after the storm"
rss1=$(rss_kb)
log "master RSS ${rss0} kB before, ${rss1} kB after"
# (ASan keeps freed memory in quarantine: its RSS says nothing here.)
ldd "$GWD" 2>/dev/null | grep -q libasan ||
    [ "$rss1" -lt $((rss0 + 20480)) ] || fail "master grew from ${rss0} to ${rss1} kB"
ctl stop >/dev/null
wait_gwd_exit 10 || fail "gwd did not stop"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"
log "ok"
