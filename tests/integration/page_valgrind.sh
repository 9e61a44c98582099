#!/bin/sh
# page_valgrind: gwd under valgrind serves the status page and its JSON:
# the page (GET, HEAD), /api/status, /api/workers, history queries of
# every range, bad ranges, clients that ask for a history and leave before
# the answer (answered late, dropped, freed), and history queries still on
# the stats thread when gwd stops.  No error and no leak.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

command -v valgrind >/dev/null || skip "valgrind not installed"
grep -q fsanitize "$top_builddir/config.log" 2>/dev/null &&
    skip "gwd is built with sanitizers, which valgrind cannot run"

VG=$T/valgrind.log
PORT=$(free_port)
B=http://127.0.0.1:$MPORT
valgrind -q --child-silent-after-fork=yes --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$VG" "$GWD" --name "$NAME" -w 2 -b "127.0.0.1:$PORT" \
    --metrics-bind "127.0.0.1:$MPORT" --readiness notify \
    --stats-interval 1s -- "$TW" --heartbeat 200ms >>"$LOG" 2>&1 &
GWD_PID=$!
track "$GWD_PID"
wait_metric 'gwd_workers{state="ready"}' 2 60 || fail "not ready"
get() {
	curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' "$@"
}
[ "$(get "$B/")" = 200 ] || fail "GET /"
[ "$(get -I "$B/")" = 200 ] || fail "HEAD /"
[ "$(get "$B/api/status")" = 200 ] || fail "/api/status"
[ "$(get "$B/api/workers")" = 200 ] || fail "/api/workers"
for r in 1h 24h 7d; do
	[ "$(get "$B/api/history?range=$r")" = 200 ] || fail "range=$r"
done
[ "$(get "$B/api/history?range=x")" = 400 ] || fail "bad range"
[ "$(get -X POST -d x "$B/api/history?range=1h")" = 405 ] || fail "POST"
# Ask and leave: the answer comes back to a request whose client is gone.
python3 - "$MPORT" <<'PY' || fail "leaving clients"
import socket, sys, time
port = int(sys.argv[1])
for i in range(12):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /api/history?range=7d HTTP/1.1\r\nHost: x\r\n\r\n")
    s.close()
time.sleep(2)
PY
[ "$(get "$B/api/history?range=1h")" = 200 ] || fail "history after"
# Queries still waiting when gwd stops.
i=0
while [ $i -lt 6 ]; do
	curl -s --max-time 20 -o /dev/null "$B/api/history?range=7d" &
	i=$((i + 1))
done
kill -TERM "$GWD_PID"
wait_gwd_exit 60 || fail "gwd did not exit under valgrind"
if [ "$GWD_STATUS" != 0 ] || [ -s "$VG" ]; then
	cat "$VG" >&2
	fail "valgrind: exit $GWD_STATUS"
fi
log "ok: valgrind found no error and no leak"
