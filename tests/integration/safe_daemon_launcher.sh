#!/bin/sh
# safe_daemon_launcher: gwd -D returns only once the daemon serves (its
# pid file exists and names it, its control socket answers at once), or
# once it failed, with an exit status that says which and the daemon's
# message on stderr: 1 for another instance of the name, 1 for a pid file
# that cannot be written or a control socket another program listens on
# (both found after detaching), 2 for a pid file in a missing directory.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "no python3"
# launch NAME ARGS...: gwd -D; its status in rc, its stderr in $T/NAME.err.
launch() {
	_n=$1; shift
	rc=0
	timeout 15 "$GWD" -D --name "$_n" --log-file "$T/$_n.log" "$@" \
	    -- "$TW" >"$T/$_n.err" 2>&1 || rc=$?
}

# Serving when it returns: five times, nothing waited for.
for i in 1 2 3 4 5; do
	launch "d$i" --pid "$T/d$i.pid" -b "127.0.0.1:$(free_port)"
	[ "$rc" = 0 ] || { cat "$T/d$i.err"; fail "d$i: launcher exited $rc"; }
	if [ ! -f "$T/d$i.pid" ]; then
		# Still kill it at cleanup: wait for the late pid file.
		wait_for "[ -s $T/d$i.pid ]" 5 && track "$(cat "$T/d$i.pid")"
		fail "d$i: no pid file when the launcher returned"
	fi
	pid=$(cat "$T/d$i.pid")
	track "$pid"
	got=$(timeout 5 "$GWCTL" -s "$T/run/d$i.sock" --timeout 2s --json status 2>&1 |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' 2>&1) ||
	    fail "d$i: the control socket did not answer at once: $got"
	[ "$got" = "$pid" ] || fail "d$i: pid file says $pid, gwd says $got"
done

# Another instance of the name: refused before detaching, exit 1.
launch d1 -b "127.0.0.1:$(free_port)"
[ "$rc" = 1 ] || fail "second d1: exit $rc, want 1"
grep -q "holds the lock" "$T/d1.err" || { cat "$T/d1.err"; fail "second d1: no reason"; }

# A pid file that cannot be written (a directory is in the way): found
# by the daemon after detaching; the launcher says so.
mkdir "$T/piddir"
launch p --pid "$T/piddir" -b "127.0.0.1:$(free_port)"
[ "$rc" = 1 ] || { cat "$T/p.err"; fail "pid file: exit $rc, want 1"; }
grep -q "cannot write pid file $T/piddir" "$T/p.err" ||
    { cat "$T/p.err"; fail "pid file: stderr does not say why"; }

# A pid file in a folder that does not exist: a configuration error.
launch q --pid "$T/nosuchdir/q.pid" -b "127.0.0.1:$(free_port)"
[ "$rc" = 2 ] || { cat "$T/q.err"; fail "missing folder: exit $rc, want 2"; }
grep -q "$T/nosuchdir" "$T/q.err" || { cat "$T/q.err"; fail "missing folder: no reason"; }

# The control socket path is another program's live socket: the daemon
# fails in its set-up, after detaching.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' "$T/other.sock" &
track $!
wait_for "[ -S $T/other.sock ]" 5 || fail "no other socket"
launch r --control-socket "$T/other.sock" -b "127.0.0.1:$(free_port)"
[ "$rc" = 1 ] || { cat "$T/r.err"; fail "control socket in use: exit $rc, want 1"; }
grep -q "in use" "$T/r.err" || { cat "$T/r.err"; fail "control socket in use: no reason"; }
[ ! -e "$T/run/r.lock" ] || fail "the failed daemon left its lock"

for i in 1 2 3 4 5; do
	kill -TERM "$(cat "$T/d$i.pid")"
done
for i in 1 2 3 4 5; do
	wait_for "[ ! -e $T/d$i.pid ]" 10 || fail "d$i did not stop"
done
log "ok"
