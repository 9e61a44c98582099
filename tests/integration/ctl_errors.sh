#!/bin/sh
# ctl_errors: the error codes of SPEC section 7 on the real socket, and
# gwctl's exit statuses 0, 1, 2 and 3 with messages that say what to do.
. "$(dirname "$0")/lib.sh"

ctl() { "$GWCTL" -n "$NAME" "$@"; }
# code JSON: the error code gwd answers to one raw request line.
code() { "$GWCTL" -n "$NAME" call "$1" | jq -r '.error.code // "ok"'; }
# st CMD...: the exit status of a command.
st() { "$@" >"$T/out" 2>"$T/err" && echo 0 || echo $?; }

PORT=$(free_port)
cat >"$T/gwd.conf" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
CONF
start_gwd -c "$T/gwd.conf" --readiness notify -- "$TW"
wait_for "[ -S '$CTL' ]" 5 || fail "no control socket"
wait_workers 2 || fail "no workers"

# --- error codes -----------------------------------------------------------
[ "$(code 'garbage')" = bad_request ] || fail "garbage"
[ "$(code '[1]')" = bad_request ] || fail "array"
[ "$(code '{"id":{},"cmd":"ping"}')" = bad_request ] || fail "object id"
[ "$(code '{"cmd":"ping","more":1}')" = bad_request ] || fail "extra key"
[ "$(code '{"cmd":"frobnicate"}')" = unknown_command ] || fail "unknown"
[ "$(code '{"cmd":"upgrade","args":{"binary":1}}')" = invalid_argument ] ||
    fail "upgrade binary 1"
[ "$(code '{"cmd":"upgrade","args":{"binary":"gwd"}}')" = invalid_argument ] ||
    fail "upgrade relative binary"
[ "$(code '{"cmd":"scale","args":{"workers":5000}}')" = invalid_argument ] ||
    fail "scale 5000"
[ "$(code '{"cmd":"scale","args":{"workers":"2"}}')" = invalid_argument ] ||
    fail "scale string"
[ "$(code '{"cmd":"ttin","args":{"n":0}}')" = invalid_argument ] || fail "ttin 0"
[ "$(code '{"cmd":"kill","args":{"worker":99}}')" = not_found ] || fail "kill 99"
[ "$(code '{"cmd":"kill","args":{"pid":1}}')" = not_found ] || fail "kill pid 1"
[ "$(code '{"cmd":"ping","id":[1]}')" = bad_request ] || fail "array id"
"$GWCTL" -n "$NAME" call '{"id":3.5,"cmd":"ping"}' | grep -q '^{"id":3.5,"ok":true' ||
    fail "id not echoed"

# conflict: a reload with a broken file changes nothing
gen=$(ctl --json status | jq .generation)
echo "workers = lots" >>"$T/gwd.conf"
[ "$(st ctl reload)" = 1 ] || fail "broken reload exit $(st ctl reload)"
grep -q "^gwctl: reload: .*gwd.conf" "$T/err" || fail "reload message: $(cat "$T/err")"
[ "$(code '{"cmd":"reload","args":{"wait":true}}')" = conflict ] || fail "conflict"
[ "$(ctl --json status | jq .generation)" = "$gen" ] || fail "generation moved"
wait_workers 2 || fail "pool changed after a failed reload"
sed -i '$d' "$T/gwd.conf"

# too_large: a 200 KB line, then the connection is closed
python3 - "$CTL" >"$T/big" <<'PY' || fail "too_large: $(cat "$T/big")"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"cmd":"ping","id":"' + b"x" * 200000 + b'"}\n')
except OSError:
    pass
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.decode().strip())
assert b'"too_large"' in data and data.count(b"\n") == 1, data
PY

# busy: 64 clients in use (subscribed) and the next is turned away
python3 - "$CTL" "$T/busy.ready" <<'PY' &
import socket, sys, time, os
conns = []
for i in range(64):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b'{"cmd":"subscribe"}\n')
    assert b'"ok":true' in s.recv(4096)
    conns.append(s)
open(sys.argv[2], "w").close()
time.sleep(4)
PY
BUSY=$!
track "$BUSY"
wait_for "[ -e '$T/busy.ready' ]" 10 || fail "64 subscribers did not connect"
[ "$(st ctl ping)" = 1 ] || fail "65th client: exit $(st ctl ping)"
grep -q "^gwctl: ping: too many control clients" "$T/err" ||
    fail "busy message: $(cat "$T/err")"
kill "$BUSY"
wait "$BUSY" 2>/dev/null || true
wait_for "\"$GWCTL\" -n $NAME ping" 5 || fail "no answer once the clients left"

# --- exit statuses ---------------------------------------------------------
# 0
[ "$(st ctl ping)" = 0 ] || fail "ping exit"
[ "$(st "$GWCTL" --help)" = 0 ] || fail "--help exit"
grep -q '^  scale N|+K|-K ' "$T/out" || fail "usage lacks scale"
[ "$(st "$GWCTL" --version)" = 0 ] || fail "--version exit"
# 1: gwd answered with an error, said on stderr as gwctl: CMD: message
[ "$(st ctl scale 5000)" = 1 ] || fail "scale 5000 exit"
[ "$(cat "$T/err")" = "gwctl: scale: workers must be 0..4096" ] ||
    fail "scale 5000 message: $(cat "$T/err")"
[ "$(st ctl kill 99)" = 1 ] || fail "kill 99 exit"
[ "$(cat "$T/err")" = "gwctl: kill: no live worker with id 99" ] ||
    fail "kill 99 message: $(cat "$T/err")"
[ "$(st ctl call '{"cmd":"nope"}')" = 1 ] || fail "call error exit"
# 2: usage
for args in "" "frob" "scale" "scale abc" "scale 1 2" "kill" "kill x" \
    "kill pid:x" "kill 1 NOSIG" "ttin -x" "reload --frob" "stop now" \
    "--timeout xyz ping" "events --limit 0" "notify" "notify FOO" \
    "call" "--frob ping"; do
	# shellcheck disable=SC2086
	[ "$(st "$GWCTL" -n "$NAME" $args)" = 2 ] ||
	    fail "'gwctl $args' exit $(st "$GWCTL" -n "$NAME" $args)"
	[ -s "$T/err" ] || fail "'gwctl $args' says nothing"
done
[ "$(st "$GWCTL" -s /x -n y ping)" = 2 ] || fail "-s and -n"
[ "$(st env -u NOTIFY_SOCKET "$GWCTL" notify READY=1)" = 2 ] ||
    fail "notify without NOTIFY_SOCKET"
grep -q 'NOTIFY_SOCKET is not set' "$T/err" || fail "notify message"
# 3: cannot be reached, naming the socket
[ "$(st "$GWCTL" -n nosuch$$ status)" = 3 ] || fail "no daemon exit"
grep -q "^gwctl: cannot connect to $T/run/nosuch$$.sock: No such file or directory (is gwd running? use -s PATH or -n NAME)\$" \
    "$T/err" || fail "no daemon message: $(cat "$T/err")"
[ "$(st env GWD_SOCKET="$T/none.sock" "$GWCTL" ping)" = 3 ] ||
    fail "GWD_SOCKET exit"
grep -q "$T/none.sock" "$T/err" || fail "GWD_SOCKET not used"
[ "$(st env GWD_SOCKET="$CTL" "$GWCTL" ping)" = 0 ] || fail "GWD_SOCKET"
# ... a socket that never answers: --timeout bounds the wait
python3 - "$T/mute.sock" "$T/mute.ready" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
open(sys.argv[2], "w").close()
conns = []
deadline = time.time() + 6
s.settimeout(0.2)
while time.time() < deadline:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    conns.append(c)
    if len(conns) == 2:
        c.sendall(b"hello\n")
    if len(conns) == 3:
        c.close()
PY
MUTE=$!
track "$MUTE"
wait_for "[ -e '$T/mute.ready' ]" 15 || fail "mute server"
t0=$(now_ms)
[ "$(st "$GWCTL" -s "$T/mute.sock" --timeout 500ms ping)" = 3 ] ||
    fail "timeout exit"
[ $(( $(now_ms) - t0 )) -lt 3000 ] || fail "--timeout 500ms took too long"
grep -q "^gwctl: ping: no answer from $T/mute.sock within 500ms" "$T/err" ||
    fail "timeout message: $(cat "$T/err")"
[ "$(st "$GWCTL" -s "$T/mute.sock" ping)" = 3 ] || fail "garbage exit"
grep -q "unreadable answer from $T/mute.sock" "$T/err" ||
    fail "garbage message: $(cat "$T/err")"
[ "$(st "$GWCTL" -s "$T/mute.sock" ping)" = 3 ] || fail "hang-up exit"
grep -q "closed the connection before answering" "$T/err" ||
    fail "hang-up message: $(cat "$T/err")"
kill "$MUTE" 2>/dev/null || true

# notify from a worker script: gwctl notify reaches gwd for that worker
ctl stop >/dev/null
wait_gwd_exit 10 || fail "gwd did not stop"
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify -- sh -c \
    "\"$GWCTL\" notify READY=1 'STATUS=hello from sh' && exec sleep 600"
wait_for "\"$GWCTL\" -n $NAME --json workers | jq -e '.workers[0].state == \"ready\"'" 10 ||
    fail "gwctl notify READY=1 did not make the worker ready"
ctl workers | grep -q 'hello from sh$' || fail "STATUS not shown: $(ctl workers)"
log "ok"
