#!/bin/sh
# ctl_valgrind: one control-socket scenario with gwd under valgrind:
# every command, async answers, a subscriber, bad and oversized requests,
# clients that vanish mid-request, then stop.  No error and no leak.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind not installed"
ldd "$GWD" 2>/dev/null | grep -q 'libasan\|libubsan' &&
    skip "gwd is built with sanitizers, which valgrind cannot run"
ctl() { "$GWCTL" -n "$NAME" --timeout 20s "$@"; }

VG=$T/valgrind.log
PORT=$(free_port)
"$GWD" --version >/dev/null
valgrind -q --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$VG" \
    "$GWD" --name "$NAME" -b "127.0.0.1:$PORT" -w 2 --readiness notify \
    -- "$TW" >>"$LOG" 2>&1 &
GWD_PID=$!
track "$GWD_PID"
wait_for "[ -S '$CTL' ]" 30 || fail "no control socket under valgrind"
wait_workers 2 30 || fail "no workers under valgrind"

ctl ping >/dev/null || fail "ping"
ctl version >/dev/null || fail "version"
ctl status >/dev/null || fail "status"
ctl --json workers >/dev/null || fail "workers"
ctl config >/dev/null || fail "config"
ctl events -f --timeout 4s >"$T/ev" &
EV=$!
track "$EV"
sleep 1
ctl scale 3 >/dev/null || fail "scale"
wait_workers 3 20 || fail "scale 3"
ctl ttou >/dev/null || fail "ttou"
ctl ttin >/dev/null || fail "ttin"
ctl reload --wait >/dev/null || fail "reload --wait"
ctl reload >/dev/null || fail "reload"
ctl reopen-logs >/dev/null || fail "reopen-logs"
# The reload without --wait is still replacing workers: let it finish, so
# the pid we pick is not retired before we kill it.
wait_for '[ "$(ctl --json status | jq -r .state)" = running ]' 30 ||
    fail "reload did not finish"
pid=$(ctl --json workers | jq '.workers[0].pid')
ctl kill "pid:$pid" >/dev/null || fail "kill"
ctl kill 99 2>/dev/null && fail "kill 99 succeeded"
ctl scale 9999 2>/dev/null && fail "scale 9999 succeeded"
for r in 'garbage' '{"cmd":"nope"}' '{"cmd":"ping","id":[1]}' \
    '{"cmd":"kill","args":{"worker":1,"pid":2}}'; do
	ctl call "$r" >/dev/null 2>&1 && fail "$r accepted"
done
python3 - "$CTL" <<'PY' || fail "hostile clients"
import socket, sys, time
path = sys.argv[1]
# too large
s = socket.socket(socket.AF_UNIX); s.connect(path)
try:
    s.sendall(b"x" * 100000)
except OSError:
    pass
s.close()
# vanishes with a waited reload pending, and with a half request
s = socket.socket(socket.AF_UNIX); s.connect(path)
s.sendall(b'{"cmd":"reload","args":{"wait":true}}\n{"cmd":"pi')
time.sleep(0.2)
s.close()
# subscribes and vanishes
s = socket.socket(socket.AF_UNIX); s.connect(path)
s.sendall(b'{"cmd":"subscribe"}\n')
s.recv(100)
s.close()
# pipelined, then half-closed
s = socket.socket(socket.AF_UNIX); s.connect(path)
s.sendall(b'{"cmd":"ping"}\n' * 100 + b'{"cmd":"status"}')
s.shutdown(socket.SHUT_WR)
n = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    n += b.count(b"\n")
assert n == 101, n
PY
wait "$EV" || fail "events -f"
grep -q ' control ' "$T/ev" || fail "no events seen"
wait_for "\"$GWCTL\" -n $NAME ping" 20 || fail "gwd stopped answering"
ctl stop >/dev/null || fail "stop"
wait_gwd_exit 60 || fail "gwd did not exit under valgrind"
if [ "$GWD_STATUS" != 0 ] || [ -s "$VG" ]; then
	cat "$VG" >&2
	fail "valgrind: exit $GWD_STATUS"
fi
log "ok: valgrind found no error and no leak"
