#!/bin/sh
# metrics_basic: --metrics-bind serves /metrics in the Prometheus text
# format (promtool accepts it) with the pool, per-worker gauges and the
# accept queue; only GET and HEAD, 404 elsewhere; garbage, a huge header
# and an idle connection get an error or are closed and the master keeps
# serving; at most 64 connections are open at once, the next waits.  Bad addresses are refused
# by --check-config and the start (exit 2), a port in use by the start
# (exit 1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

PORT=$(free_port)

# --- refused configurations ---------------------------------------------
for bad in "nohost" "fd://3" "example.com:80" "127.0.0.1:$PORT" \
    "unix:$T/no/such/dir/m.sock"; do
	rc=0
	"$GWD" --name "$NAME" -b "127.0.0.1:$PORT" --metrics-bind "$bad" \
	    --check-config >"$T/cc.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "--check-config --metrics-bind $bad: exit $rc"
	grep -q "metrics-bind" "$T/cc.out" ||
	    fail "no clear message for $bad: $(cat "$T/cc.out")"
	rc=0
	"$GWD" --name "$NAME" -b "127.0.0.1:$PORT" --metrics-bind "$bad" \
	    >"$T/start.out" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "start with --metrics-bind $bad: exit $rc"
done
"$GWD" --name "$NAME" --metrics-bind "127.0.0.1:$MPORT" --check-config |
    grep -qx "metrics-bind = 127.0.0.1:$MPORT" ||
    fail "--check-config does not print metrics-bind"

# A port in use: exit 1, the message names the address.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
time.sleep(10)' "$MPORT" &
HOLDER=$!
track "$HOLDER"
wait_for "ss -Htln 'sport = :$MPORT' | grep -q ." 5 || fail "no holder"
rc=0
"$GWD" --name "$NAME" -b "127.0.0.1:$PORT" --metrics-bind "127.0.0.1:$MPORT" \
    --command "$TW" >"$T/busy.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "metrics port in use: exit $rc, not 1"
grep -q "cannot bind 127.0.0.1:$MPORT: Address already in use" "$T/busy.out" ||
    fail "unclear message: $(cat "$T/busy.out")"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null || true

# --- a running pool -------------------------------------------------------
start_gwd -w 2 -b "127.0.0.1:$PORT" --metrics-bind "127.0.0.1:$MPORT" \
    --readiness notify --command "$TW --heartbeat 200ms"
wait_workers 2 || fail "no workers"
wait_metric 'gwd_workers{state="ready"}' 2 || fail "not 2 ready: $(cat "$MOUT")"
for i in 1 2 3 4 5 6; do
	http_get "$PORT" >/dev/null || fail "worker does not answer"
done
wait_metric 'gwd_requests_total' 6 5 || fail "requests_total not 6"
promtool_check "$MOUT"
[ "$(metric gwd_workers_target)" = 2 ] || fail "target"
[ "$(metric gwd_generation)" = 1 ] || fail "generation"
[ "$(metric gwd_spawns_total)" = 2 ] || fail "spawns"
[ "$(metric 'gwd_worker_state{id="1",state="ready"}')" = 1 ] ||
    fail "worker 1 state"
for id in 1 2; do
	v=$(metric "gwd_worker_rss_bytes{id=\"$id\"}")
	[ -n "$v" ] && [ "$v" -gt 0 ] || fail "worker $id rss: '$v'"
	[ -n "$(metric "gwd_worker_heartbeat_age_seconds{id=\"$id\"}")" ] ||
	    fail "worker $id heartbeat age"
	[ -n "$(metric "gwd_worker_age_seconds{id=\"$id\"}")" ] ||
	    fail "worker $id age"
	[ -n "$(metric "gwd_worker_cpu_seconds_total{id=\"$id\"}")" ] ||
	    fail "worker $id cpu"
done
[ "$(metric "gwd_listen_queue_max{bind=\"127.0.0.1:$PORT\"}")" = 2048 ] ||
    fail "listen queue max: $(grep listen_queue "$MOUT")"
[ "$(metric "gwd_listen_queue_depth{bind=\"127.0.0.1:$PORT\"}")" = 0 ] ||
    fail "listen queue depth"
grep -q '^gwd_stats_dropped_total 0$' "$MOUT" || fail "stats drops"
[ -n "$(metric process_cpu_seconds_total)" ] || fail "process cpu"

# The headers, HEAD, other methods and paths.
curl -s -D "$T/h" -o /dev/null "http://127.0.0.1:$MPORT/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/h" ||
    fail "content type: $(cat "$T/h")"
[ -z "$(curl -s -I "http://127.0.0.1:$MPORT/metrics" -o /dev/null \
    -w '%{size_download}' | tr -d 0)" ] || fail "HEAD sent a body"
code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true
}
expect() {	# expect CODE CURL-ARGS...: the answer has status CODE
	local want=$1 got
	shift
	got=$(code "$@")
	[ "$got" = "$want" ] || fail "curl $*: status $got, not $want"
}
expect 200 -I "http://127.0.0.1:$MPORT/metrics"
expect 405 -X POST -d x "http://127.0.0.1:$MPORT/metrics"
expect 405 -X DELETE "http://127.0.0.1:$MPORT/metrics"
expect 404 "http://127.0.0.1:$MPORT/nothing-here"	# / is the status page
expect 404 "http://127.0.0.1:$MPORT/metrics/x"

# Garbage, a huge header, and a client that says nothing: an error or a
# closed connection, and the master keeps serving.
python3 - "$MPORT" >"$T/bad.out" 2>&1 <<'PY' || fail "bad requests: $(cat "$T/bad.out")"
import socket, sys, time
port = int(sys.argv[1])

def ask(data, what):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    try:
        got = s.recv(200)
    except ConnectionResetError:
        got = b"(reset)"
    s.close()
    print(what, got[:40])
    if got.startswith(b"HTTP/1.1 200"):
        sys.exit(what + " got 200")

ask(b"\x00\x01garbage garbage\r\n\r\n", "garbage")
ask(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", "huge")
ask(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
    "body")
idle = socket.create_connection(("127.0.0.1", port), timeout=5)
PY
grep -q '^huge b.HTTP/1.1 4' "$T/bad.out" || fail "huge header: $(cat "$T/bad.out")"
grep -q '^garbage b.HTTP/1.1 400' "$T/bad.out" || fail "garbage: $(cat "$T/bad.out")"
alive "$GWD_PID" || fail "gwd died of a bad request"
scrape || fail "no scrape after bad requests"

# 64 connections, idle or not, are all gwd serves at once: the 65th
# waits in the kernel's queue, unanswered, until one of them closes.
python3 - "$MPORT" >"$T/many.out" 2>&1 <<'PY' || fail "connection limit: $(cat "$T/many.out")"
import socket, sys, time
port = int(sys.argv[1])
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=5)
busy = []
for i in range(32):		# asked and answered, kept open
    s = conn(); s.sendall(req)
    assert s.recv(12) == b"HTTP/1.1 200", i
    busy.append(s)
for i in range(32):		# open, saying nothing
    busy.append(conn())
time.sleep(0.3)
late = conn()			# the kernel completes it; gwd does not accept
late.sendall(req)
late.settimeout(1.5)
try:
    got = late.recv(12)
    sys.exit("the 65th connection was served: %r" % got)
except socket.timeout:
    pass
busy.pop().close()		# one leaves: the 65th is taken
late.settimeout(5)
t = time.time()
assert late.recv(12) == b"HTTP/1.1 200"
print("65th answered %.3f s after one closed" % (time.time() - t))
PY
log "limit: $(cat "$T/many.out")"
wait_for "scrape" 5 || fail "no scrape once the crowd left"

# An idle connection is closed by the timeout (10 s).
start=$(now_ms)
python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
sys.exit(0 if s.recv(10) == b"" else 1)' "$MPORT" ||
    fail "idle connection not closed"
[ $(( $(now_ms) - start )) -lt 14000 ] || fail "idle connection kept"
scrape || fail "no scrape at the end"
log "ok"
