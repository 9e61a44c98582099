#!/bin/sh
# http_graceful.sh: gwd-http on its stop signal stops accepting, finishes
# what is in flight (a half-sent head, a large download), answers the next
# request on each keep-alive connection with "Connection: close", closes
# idle keep-alive connections, and exits 0 before --graceful-timeout.
# Also: --stop-signal, and SIGINT for a quick exit.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

R="$T/root"
mkdir -p "$R"
head -c 8000000 /dev/urandom >"$R/big.bin"
start_http -- --static "$R" --graceful-timeout 8s

python3 - "$PORT" "$WPID" "$R/big.bin" <<'PY' || fail "graceful stop"
import os, signal, socket, sys, time
port, wpid, big = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
size = os.path.getsize(big)

def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=5)

def read_answer(s):
    """One answer with Content-Length; returns (head, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        assert d, "EOF before an answer: %r" % buf
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(body) < n:
        d = s.recv(1 << 20)
        assert d, "EOF inside a body (%d of %d)" % (len(body), n)
        body += d
    return head, body

def eof(s, limit=5):
    s.settimeout(limit)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return False

# A: keep-alive, one request done
a = conn()
a.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n\r\n")
h, _ = read_answer(a)
assert b" 206 " in h and b"Connection: close" not in h, h
# B: half a head sent
b = conn()
b.sendall(b"GET /big.bin HTTP/1.1\r\nHo")
# C: a large download under way, read slowly
c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 262144)  # before connect
c.connect(("127.0.0.1", port))
c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
first = c.recv(4096)
assert first.startswith(b"HTTP/1.1 200"), first[:100]
# D: connected, idle
d = conn()
time.sleep(0.2)

os.kill(wpid, signal.SIGTERM)
time.sleep(0.2)
# new connections are no longer accepted (we were the only worker)
try:
    e = socket.create_connection(("127.0.0.1", port), timeout=1)
    e.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    e.settimeout(1)
    got = e.recv(100)
    assert got == b"", "a new connection was served: %r" % got
except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
    pass

# A's next request is answered, with Connection: close, then EOF
a.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1-1\r\n\r\n")
h, body = read_answer(a)
assert b" 206 " in h and b"Connection: close" in h, h
assert eof(a), "A not closed"
# B completes its head and gets its answer
b.sendall(b"st: x\r\nRange: bytes=2-3\r\n\r\n")
h, body = read_answer(b)
assert b" 206 " in h and b"Connection: close" in h and len(body) == 2, h
assert eof(b), "B not closed"
# C's download completes intact
c.settimeout(10)
data = first
while True:
    chunk = c.recv(1 << 20)
    if not chunk:
        break
    data += chunk
body = data.partition(b"\r\n\r\n")[2]
assert body == open(big, "rb").read(), "download cut: %d of %d" % (len(body), size)
# D, idle, is closed at a safe point
assert eof(d), "idle connection not closed"
# and the worker is gone, well before the graceful timeout
t0 = time.monotonic()
while time.monotonic() - t0 < 5:
    try:
        os.kill(wpid, 0)
    except ProcessLookupError:
        break
    if open("/proc/%d/stat" % wpid).read().split()[2] == "Z":
        break
    time.sleep(0.05)
else:
    sys.exit("worker still running")
print("ok")
PY
wait_for 5 sh -c "! kill -0 $LPID 2>/dev/null" || fail "launcher still there"
wait "$LPID" || fail "worker exit status not 0: $(cat "$T/stderr")"
LPID=""

# --graceful-timeout is honoured even when a client never finishes
start_http -- --graceful-timeout 4s --header-timeout 60s
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHo")
open(sys.argv[2], "w").close()
time.sleep(6)
' "$PORT" "$T/sent" &
cpid=$!
wait_for 10 test -f "$T/sent" || fail "client did not start"
sleep 0.2
t0=$(date +%s%N)
kill -TERM "$WPID"
wait_for 5 sh -c "! kill -0 $LPID 2>/dev/null" || fail "graceful timeout not honoured"
t1=$(date +%s%N)
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 4000 ] || fail "took ${ms} ms, not under the 4 s graceful timeout"
[ "$ms" -ge 2000 ] || fail "left after ${ms} ms, with a request unfinished"
LPID=""

# a custom --stop-signal drains like TERM
start_http -- --stop-signal USR2
kill -USR2 "$WPID"
wait_for 5 sh -c "! kill -0 $LPID 2>/dev/null" || fail "--stop-signal USR2 ignored"
LPID=""
# SIGINT: quick exit even with a connection open
start_http --
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); s.recv(100)
open(sys.argv[2], "w").close()
time.sleep(5)
' "$PORT" "$T/got" &
cpid=$!
wait_for 10 test -f "$T/got" || fail "client did not start"
kill -INT "$WPID"
wait_for 1 sh -c "! kill -0 $LPID 2>/dev/null" || fail "SIGINT not quick"
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
LPID=""
echo "PASS"
