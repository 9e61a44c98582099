#!/bin/sh
# http_basic.sh: gwd-http hello mode: GET, HEAD, keep-alive, pipelining,
# HTTP/1.0, bodies discarded (Content-Length and chunked), and the errors
# 400, 405 (with Allow), 414, 431, 501, 505; also standalone --listen.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

start_http -- --keep-alive 5s

# GET: 200, text/plain, "ok\n"
curl -s -D "$T/h" -o "$T/b" "$URL/any/path?q=1" || fail "GET failed"
head -n 1 "$T/h" | grep -q "^HTTP/1.1 200 OK" || fail "GET status: $(cat "$T/h")"
grep -qi "^Content-Type: text/plain" "$T/h" || fail "GET content type"
printf 'ok\n' | cmp -s - "$T/b" || fail "GET body: $(od -c "$T/b")"

# HEAD: same head, no body
raw 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$T/r"
grep -q "^Content-Length: 3" "$T/r" || fail "HEAD length"
tail -c 4 "$T/r" | od -c | grep -q '\\r  \\n  \\r  \\n' || fail "HEAD sent a body"

# keep-alive: curl reuses one connection for two URLs
curl -sv -o /dev/null -o /dev/null "$URL/a" "$URL/b" 2>"$T/v" || fail "curl ka"
grep -qi "Re-using existing connection" "$T/v" || fail "no keep-alive: $(cat "$T/v")"

# pipelining: three requests in one write, three answers in order
n=$(raw 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    grep -c "^HTTP/1.1 200 OK")
[ "$n" = 3 ] || fail "pipelining: $n answers"
raw 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    tail -n 3 | grep -q "^Connection: close" || fail "pipelined close not last"

# HTTP/1.0: close by default, keep-alive when asked
raw 'GET / HTTP/1.0\r\n\r\n' | grep -q "^Connection: close" || fail "1.0 close"
raw 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' |
    grep -q "^Connection: keep-alive" || fail "1.0 keep-alive"

# bodies are discarded, and the next request on the connection still works
n=$(raw 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    grep -c "^HTTP/1.1 200")
[ "$n" = 2 ] || fail "content-length body: $n answers"
n=$(raw 'POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nTrailer: t\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    grep -c "^HTTP/1.1 \(405\|200\)")
[ "$n" = 2 ] || fail "chunked body: $n answers"
# a body that looks like a request is not one
n=$(raw 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nGET /smuggled HTTP/1.1\r\n\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    grep -c "^HTTP/1.1")
[ "$n" = 2 ] || fail "chunked smuggling: $n answers"
# malformed chunked framing: the connection is closed, nothing else answered
n=$(raw 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n' |
    grep -c "^HTTP/1.1")
[ "$n" = 1 ] || fail "bad chunked: $n answers"

# 405 with Allow, connection kept
raw 'DELETE /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$T/r"
head -n 1 "$T/r" | grep -q "^HTTP/1.1 405" || fail "405: $(cat "$T/r")"
grep -q "^Allow: GET, HEAD" "$T/r" || fail "405 without Allow"
curl -s -o /dev/null -w '%{http_code}' -X PUT -d x "$URL/" | grep -q 405 ||
    fail "PUT not 405"

# 400s, and the connection is closed after them
[ "$(status_of 'GARBAGE\r\n\r\n')" = 400 ] || fail "garbage not 400"
[ "$(status_of 'GET / HTTP/1.1\r\n\r\n')" = 400 ] || fail "no Host not 400"
[ "$(status_of 'GET / HTTP/1.1\r\nHost : x\r\n\r\n')" = 400 ] || fail "space before colon"
[ "$(status_of 'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n')" = 400 ] || fail "obs-fold"
[ "$(status_of 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n')" = 400 ] ||
    fail "CL+TE not 400"
[ "$(status_of 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n')" = 501 ] ||
    fail "unknown TE not 501"
[ "$(status_of 'GET / HTTP/2.0\r\n\r\n')" = 505 ] || fail "HTTP/2.0 not 505"
n=$(raw 'BAD\x01 / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n' | grep -c "^HTTP/1.1")
[ "$n" = 1 ] || fail "answered after a 400: $n"

# 414: URI over 4 KiB; 431: headers over 8 KiB
long=$(head -c 5000 /dev/zero | tr '\0' a)
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/$long")" = 414 ] || fail "414"
big=$(head -c 9000 /dev/zero | tr '\0' b)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/")" = 431 ] ||
    fail "431"
# still serving after all that
[ "$(curl -s "$URL/")" = ok ] || fail "not serving any more"
stop_http

# --keep-alive 0: no keep-alive at all
start_http -- --keep-alive 0
curl -s -D "$T/h" -o /dev/null "$URL/" || fail "GET with --keep-alive 0"
grep -q "^Connection: close" "$T/h" || fail "--keep-alive 0 kept the connection"
stop_http

# standalone: --listen binds by itself when there is no LISTEN_FDS
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$GWD_HTTP" --listen "127.0.0.1:$port" 2>"$T/stderr" &
sp=$!
wait_for 10 sh -c "curl -s http://127.0.0.1:$port/ | grep -q ok" ||
    { kill -9 "$sp"; fail "--listen not serving"; }
kill -TERM "$sp"
wait_for 5 sh -c "! kill -0 $sp 2>/dev/null" || { kill -9 "$sp"; fail "--listen: no exit"; }
wait "$sp" || fail "--listen: exit status $?"
# no socket at all is an error, and so is a bad option value
"$GWD_HTTP" 2>"$T/e" && fail "started without a socket"
grep -q "no listening socket" "$T/e" || fail "message: $(cat "$T/e")"
"$GWD_HTTP" --keep-alive 5x --listen 127.0.0.1:1 2>"$T/e"
[ $? = 2 ] || fail "bad duration not exit 2"
echo "PASS"
