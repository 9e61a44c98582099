#!/bin/sh
# core_fds: what a worker inherits is exactly the worker protocol: fd 0 is
# /dev/null, 1 and 2 gwd's stderr, 3.. the listeners in --bind order, the
# notify fd right after them (GWD_NOTIFY_FD, a pipe), and nothing else (not
# even an fd gwd itself inherited); LISTEN_*, NOTIFY_SOCKET, WATCHDOG_*,
# GWD_* set; an empty signal mask, default dispositions, its own
# process group.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
# gwd's own systemd notify socket must not reach the workers.
: >"$T/outer.notify"
# An fd open in gwd's parent (fd 7) that gwd must not pass on.
exec 7<"$T/outer.notify"
# Ignored signals survive exec: gwd must reset them for its workers.
trap '' PIPE XFSZ USR2 40
export NOTIFY_SOCKET=$T/outer.notify
start_gwd -b "web=127.0.0.1:$PORT" \
    -b "unix:$T/u.sock" -w 1 -- "$TW" --report-fds "$T/tw/r"
exec 7<&-
unset NOTIFY_SOCKET
trap - PIPE XFSZ USR2 40
wait_workers 1 || fail "no worker"
w=$(workers_of)
R=$T/tw/r.$w
wait_for "[ -s $R ]" 5 || fail "worker $w wrote no report"

[ "$(report_get "$R" fds)" = "0 1 2 3 4 5" ] ||
    fail "worker fds are '$(report_get "$R" fds)', want '0 1 2 3 4 5'"
[ "$(report_get "$R" fd.0)" = /dev/null ] || fail "fd 0 is $(report_get "$R" fd.0)"
case $(report_get "$R" fd.3) in socket:*) ;; *) fail "fd 3 is not a socket" ;; esac
case $(report_get "$R" fd.4) in socket:*) ;; *) fail "fd 4 is not a socket" ;; esac
# fd 3 is the TCP listener, fd 4 the unix one (bind order): compare inodes
# with what ss reports for the port.
ino3=$(report_get "$R" fd.3 | tr -dc 0-9)
ss -Htlne "sport = :$PORT" | grep -q "ino:$ino3 " ||
    fail "fd 3 is not the listener on port $PORT"
ino4=$(report_get "$R" fd.4 | tr -dc 0-9)
ss -Hxlne | grep -q " $ino4 " || ss -Hxlp | grep -q "$T/u.sock" ||
    fail "fd 4 is not the unix listener"

case $(report_get "$R" fd.5) in pipe:*) ;; *) fail "fd 5 is not a pipe" ;; esac
[ "$(report_env "$R" GWD_NOTIFY_FD)" = 5 ] ||
    fail "GWD_NOTIFY_FD=$(report_env "$R" GWD_NOTIFY_FD), want 5"
[ "$(report_env "$R" LISTEN_FDS)" = 2 ] || fail "LISTEN_FDS=$(report_env "$R" LISTEN_FDS)"
[ "$(report_env "$R" LISTEN_PID)" = "$w" ] || fail "LISTEN_PID=$(report_env "$R" LISTEN_PID), pid $w"
names=$(report_env "$R" LISTEN_FDNAMES)
case $names in web:*) ;; *) fail "LISTEN_FDNAMES='$names', want web:..." ;; esac
[ "$(echo "$names" | tr ':' '\n' | grep -c .)" = 2 ] ||
    fail "LISTEN_FDNAMES='$names' does not name 2 fds"
ns=$(report_env "$R" NOTIFY_SOCKET)
[ -n "$ns" ] || fail "NOTIFY_SOCKET unset"
[ "$ns" != "$T/outer.notify" ] || fail "gwd passed its own NOTIFY_SOCKET on"
[ -S "$ns" ] || case $ns in @*) ;; *) fail "NOTIFY_SOCKET $ns is not a socket" ;; esac
# The default --timeout of 30 s is in force.
[ "$(report_env "$R" WATCHDOG_USEC)" = 30000000 ] ||
    fail "WATCHDOG_USEC=$(report_env "$R" WATCHDOG_USEC), want 30000000"
[ "$(report_env "$R" WATCHDOG_PID)" = "$w" ] || fail "WATCHDOG_PID wrong"
[ "$(report_env "$R" GWD_WORKER_ID)" = 1 ] || fail "GWD_WORKER_ID wrong"
[ "$(report_env "$R" GWD_GENERATION)" = 1 ] || fail "GWD_GENERATION wrong"
[ "$(report_env "$R" GWD_MASTER_PID)" = "$GWD_PID" ] || fail "GWD_MASTER_PID wrong"
[ "$(report_env "$R" GWD_NAME)" = "$NAME" ] || fail "GWD_NAME wrong"
[ "$(report_get "$R" SigBlk)" = 0000000000000000 ] ||
    fail "signal mask not empty: SigBlk=$(report_get "$R" SigBlk)"
# Signals 32 and 33 (mask 0x180000000) are glibc's own (SIGCANCEL,
# SIGSETXID): sigaction() refuses them, and whatever ran make may have
# left them ignored.  Every other signal must be at its default.
ign=$(report_get "$R" SigIgn)
[ $((0x$ign & ~0x180000000)) -eq 0 ] ||
    fail "ignored signals inherited: SigIgn=$ign"
[ "$(report_get "$R" pgid)" = "$w" ] ||
    fail "worker $w is in process group $(report_get "$R" pgid)"
[ "$(report_get "$R" ppid)" = "$GWD_PID" ] || fail "worker's parent is not gwd"
log "ok"
