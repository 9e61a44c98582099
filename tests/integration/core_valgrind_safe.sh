#!/bin/sh
# core_valgrind_safe: the safe-by-default paths with gwd under valgrind:
# workers that write to stderr, a reload that fails with evidence (a crash
# in the readiness grace, a boot timeout), a reload refused for a bad
# file, a good reload, the notify socket removed and made again, a killed
# worker, the stop answered and waited for.  No error and no leak.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind not installed"
ldd "$GWD" 2>/dev/null | grep -q 'libasan\|libubsan' &&
    skip "gwd is built with sanitizers, which valgrind cannot run"
ctl() { "$GWCTL" -s "$CTL" --timeout 30s "$@"; }

VG=$T/valgrind.log
PORT=$(free_port)
C=$T/gwd.conf
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
readiness = notify
boot-timeout = 3s
command = $TW --print started
CONF
valgrind -q --child-silent-after-fork=yes --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$VG" "$GWD" --name "$NAME" -c "$C" >>"$LOG" 2>&1 &
GWD_PID=$!
track "$GWD_PID"
wait_for "[ -S '$CTL' ]" 30 || fail "no control socket under valgrind"
wait_for "ctl --json status | jq -e '.workers.ready == 2' >/dev/null" 30 ||
    fail "no ready workers under valgrind"

# A crash with an error on stderr, then a worker that never gets ready.
sed -i "s|^command = .*|command = $TW --mode crash --after 200ms --exit-code 3 --print \"ValueError: bad\"|" "$C"
sed -i "s|^readiness = .*|readiness = spawn|" "$C"
rc=0
ctl reload --wait >"$T/r1" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'exited 3: ValueError: bad' "$T/r1" ||
    fail "reload 1: exit $rc: $(cat "$T/r1")"
sed -i "s|^command = .*|command = $TW --no-ready|; s|^readiness = .*|readiness = notify|" "$C"
rc=0
ctl reload --wait >"$T/r2" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'did not become ready in time' "$T/r2" ||
    fail "reload 2: exit $rc: $(cat "$T/r2")"
# A file that does not load.
echo "no-such-key = 1" >>"$C"
rc=0
ctl reload --wait >"$T/r3" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "reload 3: exit $rc: $(cat "$T/r3")"
sed -i '/no-such-key/d' "$C"
sed -i "s|^command = .*|command = $TW --print again|" "$C"
ctl reload --wait >"$T/r4" 2>&1 || fail "reload 4: $(cat "$T/r4")"
ctl status >/dev/null || fail "status"

# The notify socket goes and comes back; a worker is killed.
rm -f "$T/run/$NAME.notify"
wait_for "[ -S '$T/run/$NAME.notify' ]" 10 || fail "notify socket not re-made"
victim=$(ctl --json workers | jq -r '.workers[0].pid')
ctl kill pid:"$victim" KILL >/dev/null || fail "kill"
wait_for "ctl --json status | jq -e '.workers.ready == 2' >/dev/null" 30 ||
    fail "the killed worker was not replaced"
ctl reopen-logs >/dev/null || fail "reopen-logs"

ctl stop --wait >/dev/null || fail "stop --wait"
wait_gwd_exit 30 || fail "gwd did not exit"
[ "$GWD_STATUS" = 0 ] || fail "gwd under valgrind exited $GWD_STATUS: $(cat "$VG")"
[ ! -s "$VG" ] || fail "valgrind: $(head -60 "$VG")"
log "ok"
