#!/bin/sh
# safe_runtime_dir: gwd makes a missing runtime directory 0700 (0711 when
# workers run as another user), never changes the mode of one it did not
# make, starts as a non-root user in an existing writable root-owned
# directory (a Kubernetes emptyDir), refuses at start (exit 2) workers of
# another user who could not reach the notify socket, and an instance with
# --user keeps reloading while another instance starts in the same
# directory, and a reload that adds --user widens a directory gwd made.  The parts that change user need root.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "no jq"
mode() { stat -c %a "$1"; }
# run_gwd DIR NAME ARGS...: a gwd with DIR as its runtime directory.
run_gwd() {
	_d=$1 _n=$2; shift 2
	RUNTIME_DIRECTORY=$_d "$GWD" --name "$_n" --log-file "$T/$_n.log" "$@" &
	GWD_PID=$!
	track "$GWD_PID"
}
ready_in() { timeout 10 "$GWCTL" -s "$1" --json status 2>/dev/null | jq -r .workers.ready; }
stop_in() {
	timeout 10 "$GWCTL" -s "$1" stop >/dev/null 2>&1
	wait_for "[ ! -e $1 ]" 10 || fail "gwd on $1 did not stop"
}

# 1. An existing directory keeps its mode.
mkdir -m 0755 "$T/rd"
run_gwd "$T/rd" a -b "127.0.0.1:$(free_port)" -- "$TW"
wait_for "[ \"\$(ready_in $T/rd/a.sock)\" = 1 ]" 10 || fail "1: not ready"
[ "$(mode "$T/rd")" = 755 ] || fail "1: gwd changed $T/rd to $(mode "$T/rd")"
stop_in "$T/rd/a.sock"

# 2. A missing one (and its missing parent) is made 0700.
run_gwd "$T/new/rd" b -b "127.0.0.1:$(free_port)" -- "$TW"
wait_for "[ \"\$(ready_in $T/new/rd/b.sock)\" = 1 ]" 10 || fail "2: not ready"
[ "$(mode "$T/new/rd")" = 700 ] || fail "2: made $(mode "$T/new/rd"), want 700"
[ "$(mode "$T/new")" = 700 ] || fail "2: parent made $(mode "$T/new")"
stop_in "$T/new/rd/b.sock"

[ "$(id -u)" = 0 ] || { log "ok (not root: the --user parts skipped)"; exit 0; }
id nobody >/dev/null 2>&1 || { log "ok (no user nobody)"; exit 0; }

# 3. With --user, a missing one is made 0711.
run_gwd "$T/u/rd" c -b "127.0.0.1:$(free_port)" -u nobody -w 1
wait_for "[ \"\$(ready_in $T/u/rd/c.sock)\" = 1 ]" 10 || fail "3: workers as nobody not ready"
[ "$(mode "$T/u/rd")" = 711 ] || fail "3: made $(mode "$T/u/rd"), want 711"
stop_in "$T/u/rd/c.sock"

# 4. An existing directory that nobody cannot search: refused at start.
mkdir -m 0700 "$T/closed"
rc=0
RUNTIME_DIRECTORY=$T/closed timeout 10 "$GWD" --name d -u nobody \
    -b "127.0.0.1:$(free_port)" >"$T/d.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || { cat "$T/d.out"; fail "4: exit $rc, want 2"; }
grep -q "$T/closed (mode 0700" "$T/d.out" ||
    { cat "$T/d.out"; fail "4: the reason does not name the directory"; }
[ "$(mode "$T/closed")" = 700 ] || fail "4: mode changed"
[ -z "$(ls "$T/closed")" ] || fail "4: left files: $(ls "$T/closed")"

# 5. Non-root gwd, existing root-owned writable directory (an emptyDir).
mkdir -m 0777 "$T/empty"
chmod 0755 "$T"
setpriv --reuid nobody --regid nogroup --clear-groups env \
    RUNTIME_DIRECTORY="$T/empty" STATE_DIRECTORY="$T/empty" \
    "$GWD" --name e --log-file "$T/empty/e.log" \
    -b "127.0.0.1:$(free_port)" -- "$TW" &
GWD_PID=$!
track "$GWD_PID"
wait_for "[ \"\$(ready_in $T/empty/e.sock)\" = 1 ]" 10 ||
    { cat "$T/empty/e.log"; fail "5: non-root gwd did not start in an emptyDir"; }
[ "$(mode "$T/empty")" = 777 ] || fail "5: mode changed to $(mode "$T/empty")"
stop_in "$T/empty/e.sock"

# 6. Two instances share a directory; the one with --user keeps reloading
#    after the other (no --user) started there.
mkdir -m 0755 "$T/shared"
run_gwd "$T/shared" www -b "127.0.0.1:$(free_port)" -u nobody -w 1
wait_for "[ \"\$(ready_in $T/shared/www.sock)\" = 1 ]" 10 || fail "6: www not ready"
run_gwd "$T/shared" root -b "127.0.0.1:$(free_port)" -w 1
wait_for "[ \"\$(ready_in $T/shared/root.sock)\" = 1 ]" 10 || fail "6: root not ready"
out=$(timeout 20 "$GWCTL" -s "$T/shared/www.sock" reload --wait 2>&1) ||
    { cat "$T/www.log"; fail "6: reload of the --user instance failed: $out"; }
[ "$(mode "$T/shared")" = 755 ] || fail "6: mode changed to $(mode "$T/shared")"
stop_in "$T/shared/root.sock"
stop_in "$T/shared/www.sock"

# 7. A reload that adds --user: gwd widens the directory it made itself
#    (0700 -> 0711), and the new workers become ready.
P7=$(free_port)
printf 'bind = 127.0.0.1:%s\n' "$P7" >"$T/grow.conf"
run_gwd "$T/grow/rd" g -c "$T/grow.conf" -w 1
wait_for "[ \"\$(ready_in $T/grow/rd/g.sock)\" = 1 ]" 10 || fail "7: not ready"
[ "$(mode "$T/grow/rd")" = 700 ] || fail "7: made $(mode "$T/grow/rd"), want 700"
printf 'bind = 127.0.0.1:%s\nuser = nobody\n' "$P7" >"$T/grow.conf"
out=$(timeout 20 "$GWCTL" -s "$T/grow/rd/g.sock" reload --wait 2>&1) ||
    { cat "$T/g.log"; fail "7: reload adding --user failed: $out"; }
[ "$(mode "$T/grow/rd")" = 711 ] || fail "7: now $(mode "$T/grow/rd"), want 711"
stop_in "$T/grow/rd/g.sock"
log "ok"
