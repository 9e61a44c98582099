#!/bin/sh
# sd_fdstore_reload: a reload keeps the fd store in step with the binds:
# a removed bind leaves it (FDSTOREREMOVE=1), an added one joins it, a
# renamed one is removed and stored again under its new name (systemd
# would ignore a second copy of the same socket); a kept socket is not
# sent again.  A Unix socket in the store keeps its file when gwd stops
# (the store keeps the socket alive for the next gwd); without a service
# manager nothing is stored and gwd removes its socket file as before.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
[ -x "$TW" ] || skip "no test worker"
FS=$top_srcdir/tests/integration/fake_systemd.py
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
U=$T/u.sock
C=$T/gwd.conf
cat >"$C" <<CONF
bind = web=127.0.0.1:$P1
bind = 127.0.0.1:$P2
bind = unix:$U
workers = 1
readiness = notify
command = $TW
CONF
D=$T/sd
mkdir "$D"
python3 "$FS" "$D" "$GWD" --name "$NAME" -c "$C" >>"$LOG" 2>&1 &
SD=$!
track "$SD"
wait_for "[ -s '$D/pid' ]" 5 || fail "fake systemd started no gwd"
GWD_PID=$(cat "$D/pid")
track "$GWD_PID"
wait_for "grep -q 'READY=1' '$D/msgs'" 10 || fail "no READY=1: $(cat "$LOG")"
wait_for "[ \$(wc -l <'$D/store') -eq 3 ]" 5 || fail "store: $(cat "$D/store")"
grep -q "^gwd-unix_$U [0-9]* $U\$" "$D/store" ||
    fail "unix bind not stored as gwd-unix_$U: $(cat "$D/store")"
INO1=$(awk '$1 == "gwd-web" { print $2 }' "$D/store")
[ -n "$INO1" ] || fail "web not stored: $(cat "$D/store")"
before=$(grep -c FDSTORE "$D/msgs")

sed -i -e "s|^bind = web=|bind = www=|" \
    -e "s|^bind = 127.0.0.1:$P2|bind = 127.0.0.1:$P3|" "$C"
"$GWCTL" -s "$CTL" reload --wait >/dev/null || fail "reload failed"
wait_for "grep -q 'FDNAME=gwd-127.0.0.1_$P3' '$D/msgs'" 5 ||
    fail "added bind not stored: $(cat "$D/msgs")"
grep -q "FDSTOREREMOVE=1|FDNAME=gwd-127.0.0.1_$P2\$" "$D/msgs" ||
    fail "removed bind not removed from the store: $(cat "$D/msgs")"
r=$(grep -n 'FDSTOREREMOVE=1|FDNAME=gwd-web$' "$D/msgs" | cut -d: -f1)
s=$(grep -n 'FDSTORE=1|FDNAME=gwd-www|' "$D/msgs" | cut -d: -f1)
[ -n "$r" ] && [ -n "$s" ] && [ "$r" -lt "$s" ] ||
    fail "renamed bind not removed, then stored: $(cat "$D/msgs")"
[ "$(grep -c FDSTORE "$D/msgs")" -eq $((before + 4)) ] ||
    fail "sent more than the changes: $(cat "$D/msgs")"
wait_for "[ \$(wc -l <'$D/store') -eq 3 ]" 5 || fail "store: $(cat "$D/store")"
[ "$(awk '$1 == "gwd-www" { print $2 }' "$D/store")" = "$INO1" ] ||
    fail "www is not the socket web had: $(cat "$D/store")"
grep -q "^gwd-127.0.0.1_$P2 " "$D/store" && fail "P2 still stored"

# An in-place upgrade keeps knowing what is stored: nothing is sent
# again, and the Unix socket's file still stays at exit.
sent=$(grep -c FDSTORE "$D/msgs")
"$GWCTL" -s "$CTL" upgrade >/dev/null || fail "upgrade failed"
"$GWCTL" -s "$CTL" reload --wait >/dev/null || fail "reload after upgrade"
[ "$(grep -c FDSTORE "$D/msgs")" -eq "$sent" ] ||
    fail "stored again after the upgrade: $(tail -3 "$D/msgs")"
[ "$("$GWCTL" -s "$CTL" --json status | jq -r '.binds[2].fdstore')" = \
    "gwd-unix_$U" ] || fail "the upgraded image lost the store names"

"$GWCTL" -s "$CTL" stop --wait >/dev/null || fail "stop --wait failed"
wait_for "grep -q EXITED '$D/msgs'" 10 || fail "gwd did not exit"
[ -S "$U" ] || fail "the stored Unix socket's file was removed at exit"
kill -TERM "$SD"
wait_gone "$SD" 10 || fail "fake systemd did not stop"

# No service manager: nothing stored, and the file goes with gwd.
V=$T/v.sock
start_gwd -b "unix:$V" -w 1 --readiness notify -- "$TW"
wait_workers 1 || fail "no worker: $(cat "$LOG")"
[ -S "$V" ] || fail "no socket file $V"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
[ -e "$V" ] && fail "without a service manager $V was left behind"
log_has "fd store" && fail "fd store without a service manager: $(grep 'fd store' "$LOG")"
log "ok"
