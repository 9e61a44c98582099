#!/bin/sh
# sd_fdstore_restart: under a service manager gwd gives its listening
# sockets to the fd store (FDSTORE=1, FDNAME=gwd-web, gwd-127.0.0.1_PORT),
# so they outlive a SIGKILL of gwd: connections made while no gwd runs wait
# in the kernel queue, and the gwd the service manager starts next with
# the stored fds (LISTEN_FDS) takes them in place of its binds, without
# binding anew (same socket inode), keeps --bind order and names for its
# workers, stores nothing twice, and serves every queued request.  A
# stored socket the new configuration no longer binds is closed and
# removed from the store.  fake_systemd.py stands in for systemd.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
[ -x "$TW" ] || skip "no test worker"
FS=$top_srcdir/tests/integration/fake_systemd.py
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
D=$T/sd
mkdir "$D"
U=$T/app.sock
python3 "$FS" "$D" "$GWD" --name "$NAME" -b "web=127.0.0.1:$P1" \
    -b "127.0.0.1:$P2" -b "unix:$U" -w 2 --readiness notify -- "$TW" \
    --report-fds "$T/tw/r" >>"$LOG" 2>&1 &
SD=$!
track "$SD"
wait_for "[ -s '$D/pid' ]" 5 || fail "fake systemd started no gwd"
GWD_PID=$(cat "$D/pid")
track "$GWD_PID"
wait_for "grep -q 'READY=1' '$D/msgs'" 10 || fail "no READY=1: $(cat "$LOG")"
wait_for "[ \$(wc -l <'$D/store') -eq 3 ]" 5 ||
    fail "store: $(cat "$D/store" 2>/dev/null); msgs: $(cat "$D/msgs")"
grep -q "^gwd-web [0-9]* 127.0.0.1:$P1\$" "$D/store" ||
    fail "bind web not stored as gwd-web: $(cat "$D/store")"
grep -q "^gwd-127.0.0.1_$P2 [0-9]* 127.0.0.1:$P2\$" "$D/store" ||
    fail "the unnamed bind not stored as gwd-127.0.0.1_$P2: $(cat "$D/store")"
grep -q "FDSTORE=1|FDNAME=gwd-web|FDPOLL=0 +1fd" "$D/msgs" ||
    fail "FDSTORE message: $(grep FDSTORE "$D/msgs")"
INO1=$(awk '$1 == "gwd-web" { print $2 }' "$D/store")
INO2=$(awk -v n="gwd-127.0.0.1_$P2" '$1 == n { print $2 }' "$D/store")
INO3=$(awk -v n="gwd-unix_$U" '$1 == n { print $2 }' "$D/store")
[ -n "$INO3" ] || fail "unix bind not stored: $(cat "$D/store")"

# SIGKILL: gwd cannot hand anything over, its workers die with it.
OLDW=$(children_of "$GWD_PID")
[ -n "$OLDW" ] || fail "no workers"
kill -KILL "$GWD_PID"
wait_for "grep -q EXITED '$D/msgs'" 5 || fail "gwd survived SIGKILL"
for w in $OLDW; do
	wait_gone "$w" 5 || fail "worker $w outlived gwd"
done
http_get "$P1" >/dev/null && fail "something still serves port $P1"

# Requests made while no gwd runs: connect() succeeds (the store holds the
# listening socket), the request waits in the queue.
N=20
python3 - "$P1" "$P2" "$N" "$T/clients" <<'PY' &
import socket, sys, time
p1, p2, n, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", p1 if i % 2 else p2), 2)
    s.sendall(b"GET /q%d HTTP/1.0\r\n\r\n" % i)
    conns.append(s)
open(out + ".connected", "w").write("%d\n" % len(conns))
ok = 0
for s in conns:
    s.settimeout(20)
    data = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        pass
    ok += data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n")[0]
open(out, "w").write("%d\n" % ok)
PY
CL=$!
track "$CL"
wait_for "[ -s '$T/clients.connected' ]" 5 || fail "connect() failed while gwd was down"
sleep 0.3
[ -s "$T/clients" ] && fail "answered while no gwd ran: $(cat "$T/clients")"

# The restart: the stored fds come back as LISTEN_FDS, in store order.
: >"$T/tw/restart"
rm -f "$T"/tw/r.*
kill -USR1 "$SD"
wait_for "[ \"\$(cat '$D/pid')\" != $GWD_PID ]" 5 || fail "no restart"
GWD_PID=$(cat "$D/pid")
track "$GWD_PID"
wait_for "[ -s '$T/clients' ]" 25 || fail "queued requests not answered"
[ "$(cat "$T/clients")" = "$N" ] ||
    fail "$(cat "$T/clients") of $N queued requests answered"
wait "$CL" || true
log_has "cannot bind" && fail "the new gwd bound anew: $(grep 'cannot bind' "$LOG")"
log_has "bind 127.0.0.1:$P1: taken from the fd store" ||
    fail "no 'taken from the fd store' in the log: $(tail -5 "$LOG")"
# The same sockets, not new ones on the same ports.
ls -l "/proc/$GWD_PID/fd" >"$T/fds"
grep -q "socket:\[$INO1\]" "$T/fds" || fail "socket $INO1 of web not adopted"
grep -q "socket:\[$INO2\]" "$T/fds" || fail "socket $INO2 not adopted"
grep -q "socket:\[$INO3\]" "$T/fds" || fail "unix socket $INO3 not adopted"
# The Unix socket's file still leads to it (SIGKILL unlinked nothing).
curl -s --max-time 5 --unix-socket "$U" http://x/ | grep -q '^worker ' ||
    fail "no answer on $U after the restart"
# Nothing stored twice: the new gwd knows they are in the store already.
sed -n '/^RESTART/,$p' "$D/msgs" | grep 'FDSTORE' &&
    fail "stored again after the restart: $(sed -n '/^RESTART/,$p' "$D/msgs")"
[ "$(wc -l <"$D/store")" -eq 3 ] || fail "store: $(cat "$D/store")"
# Workers get --bind order and the binds' names, as after a fresh start.
wait_for "ls '$T'/tw/r.* >/dev/null 2>&1" 10 || fail "no worker report"
f=$(ls "$T"/tw/r.* | head -1)
wait_for "grep -q '^env.LISTEN_FDNAMES=' '$f'" 5 || fail "report $f incomplete"
[ "$(report_env "$f" LISTEN_FDNAMES)" = "web:unknown:unknown" ] ||
    fail "workers' LISTEN_FDNAMES: $(report_env "$f" LISTEN_FDNAMES)"
"$GWCTL" -s "$CTL" --json status >"$T/st" || fail "gwctl status"
[ "$(jq -r '.binds[0].local' "$T/st")" = "127.0.0.1:$P1" ] &&
[ "$(jq -r '.binds[1].local' "$T/st")" = "127.0.0.1:$P2" ] ||
    fail "bind order after the restart: $(jq -c .binds "$T/st")"
[ "$(jq -r '[.binds[].fdstore] | join(" ")' "$T/st")" = \
    "gwd-web gwd-127.0.0.1_$P2 gwd-unix_$U" ] ||
    fail "status does not show the store names: $(jq -c .binds "$T/st")"

# Restart again with a configuration that drops port P2 and the Unix
# socket and adds P3: the stored P2 and Unix sockets are closed and leave
# the store, P3 is bound and stored.
printf '%s\n' "$GWD" --name "$NAME" -b "web=127.0.0.1:$P1" \
    -b "127.0.0.1:$P3" -w 1 --readiness notify -- "$TW" >"$D/args2"
kill -KILL "$GWD_PID"
wait_for "[ \$(grep -c EXITED '$D/msgs') -eq 2 ]" 5 || fail "gwd survived SIGKILL"
kill -USR1 "$SD"
wait_for "[ \"\$(cat '$D/pid')\" != $GWD_PID ]" 5 || fail "no restart"
GWD_PID=$(cat "$D/pid")
track "$GWD_PID"
wait_for "grep -q \"FDSTOREREMOVE=1|FDNAME=gwd-127.0.0.1_$P2\" '$D/msgs'" 10 ||
    fail "stale stored socket not removed: $(sed -n '/^RESTART/,$p' "$D/msgs")"
wait_for "grep -q '^gwd-127.0.0.1_$P3 ' '$D/store'" 10 ||
    fail "new bind not stored: $(cat "$D/store")"
grep -q "FDSTOREREMOVE=1|FDNAME=gwd-unix_$U" "$D/msgs" ||
    fail "stale Unix socket not removed: $(sed -n '/^RESTART/,$p' "$D/msgs")"
[ "$(wc -l <"$D/store")" -eq 2 ] || fail "store: $(cat "$D/store")"
wait_for "http_get $P3 | grep -q '^worker '" 10 || fail "P3 does not answer"
wait_for "! http_get $P2 >/dev/null" 5 || fail "the dropped port P2 still answers"
ls -l "/proc/$GWD_PID/fd" >"$T/fds"
grep -q "socket:\[$INO2\]" "$T/fds" &&
    fail "the dropped socket is still open in gwd"
grep -q "socket:\[$INO1\]" "$T/fds" || fail "web lost its socket"
kill -TERM "$SD"
wait_gone "$SD" 15 || fail "fake systemd did not stop"
log "ok"
