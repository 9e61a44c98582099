#!/bin/sh
# http_timeouts.sh: gwd-http's three timeouts: a slow head (slowloris) is
# cut off with 408 after --header-timeout; an idle keep-alive connection is
# closed after --keep-alive; a client that never reads its answer is
# dropped after --write-timeout.  Other clients are served meanwhile.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

R="$T/root"
mkdir -p "$R"
head -c 64000000 /dev/zero >"$R/huge.bin"
start_http -- --static "$R" --header-timeout 1s --keep-alive 1s \
    --write-timeout 1s

python3 - "$PORT" <<'PY' || fail "timeouts"
import socket, sys, time
port = int(sys.argv[1])

def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s

def wait_closed(s, limit):
    """Read until EOF or reset; return (seconds, bytes)."""
    t0 = time.monotonic()
    got = b""
    s.settimeout(limit)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except (ConnectionResetError, socket.timeout):
        pass
    return time.monotonic() - t0, got

# slowloris: one byte every 200 ms never completes a head in time
s = conn()
t0 = time.monotonic()
closed = False
for ch in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
    try:
        s.send(bytes([ch]))
    except (BrokenPipeError, ConnectionResetError):
        closed = True
        break
    time.sleep(0.2)
    if time.monotonic() - t0 > 4:
        break
el, got = wait_closed(s, 3)
total = time.monotonic() - t0
assert closed or b"408" in got or got == b"", got
assert total < 4.5, "slow head not cut off: %.1fs" % total
assert b" 408 " in got or closed, "no 408: %r" % got

# idle keep-alive: closed after about 1 s
s = conn()
s.sendall(b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(0.1)
first = s.recv(4096)
assert b" 404 " in first, first
el, got = wait_closed(s, 4)
assert got == b"" and 0.5 < el < 3, "keep-alive close after %.2fs %r" % (el, got)

# a client that never reads: dropped after the write timeout
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(3)          # > write timeout, and we read nothing
# meanwhile another client is served at once
o = conn()
o.sendall(b"GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
el, got = wait_closed(o, 3)
assert b" 404 " in got, got
el, got = wait_closed(s, 10)
assert len(got) < 64000000, "the stalled client got everything"
print("ok")
PY
stop_http
echo "PASS"
