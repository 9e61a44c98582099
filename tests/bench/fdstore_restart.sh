#!/bin/sh
# tests/bench/fdstore_restart.sh: requests lost when gwd is SIGKILLed and
# started again under load, with systemd's fd store holding its listening
# socket (tests/integration/fake_systemd.py stands in for systemd) and
# without it (the new gwd binds anew, as before the fd store: the anchor,
# in the same run).
#
#   tests/bench/fdstore_restart.sh [GAP] [DURATION] [CLIENTS] [ROUNDS]
#                                   (defaults: 0.5 s, 6 s, 8, 1)
#
# CLIENTS loopback clients make one request per connection (HTTP/1.0 to
# gwd-http, 2 workers) for DURATION seconds; after 2 s gwd gets SIGKILL
# and GAP seconds later a new gwd starts.  Prints, for each case, the
# requests answered, refused (connect failed), cut (connected, no answer)
# and the slowest answer.  ROUNDS rounds alternate the order of the two
# cases (the fd store first in odd rounds); with more than one round, the
# medians at the end.  Private runtime and state directories
# (http_servers.inc); starts and stops only its own processes, by pid.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
GAP=${1:-0.5}
DUR=${2:-6}
CLIENTS=${3:-8}
ROUNDS=${4:-1}
GWD=$top_builddir/gwd
for t in python3 curl; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: no $t"; exit 77; }
done
. "$top/tests/bench/http_servers.inc"	# T, PIDS, cleanup, freeport, up, ...

# load PORT OUT: the clients, in the background (LOADPID); OUT gets
# "answered refused cut slowest_s".
load() {
	python3 - "$1" "$DUR" "$CLIENTS" "$2" <<'PY' &
import socket, sys, threading, time
port, dur, n, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
end = time.time() + dur
res = {"ok": 0, "refused": 0, "cut": 0, "slowest": 0.0}
lock = threading.Lock()
def client():
    while time.time() < end:
        t0 = time.time()
        try:
            s = socket.create_connection(("127.0.0.1", port), 5)
        except OSError:
            with lock:
                res["refused"] += 1
            time.sleep(0.01)
            continue
        try:
            s.settimeout(15)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            ok = data.startswith(b"HTTP/1.") and b" 200 " in data[:16]
        except OSError:
            ok = False
        s.close()
        with lock:
            if ok:
                res["ok"] += 1
                res["slowest"] = max(res["slowest"], time.time() - t0)
            else:
                res["cut"] += 1
ts = [threading.Thread(target=client) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
open(out, "w").write("%(ok)d %(refused)d %(cut)d %(slowest).2f\n" % res)
PY
	LOADPID=$!
}

# show FILE: one case's result, for people.
show() {
	read -r ok ref cut slow <"$1"
	echo "answered $ok, refused $ref, cut $cut, slowest $slow s"
}

# with_store: gwd under the stand-in systemd, which keeps its listening
# socket in the fd store across the SIGKILL and the restart.
with_store() {
	P=$(freeport)
	mkdir "$T/sd.$r"
	python3 "$top/tests/integration/fake_systemd.py" "$T/sd.$r" "$GWD" \
	    --name fs -b "127.0.0.1:$P" -w 2 --stats-db none >"$T/fs.log" 2>&1 &
	SD=$!
	PIDS="$PIDS $SD"
	up "$P"
	load "$P" "$T/with"
	sleep 2
	kill -9 "$(cat "$T/sd.$r/pid")"
	sleep "$GAP"
	kill -USR1 "$SD"
	wait "$LOADPID"
	stop_pid "$SD"		# it stops its gwd
	cat "$T/with" >>"$T/res.with"
	echo "  fd store:    $(show "$T/with")"
}

# without_store: gwd alone; the new one binds the port anew.
without_store() {
	P=$(freeport)
	"$GWD" --name nofs -b "127.0.0.1:$P" -w 2 --stats-db none >>"$T/nofs.log" 2>&1 &
	G=$!
	PIDS="$PIDS $G"
	up "$P"
	load "$P" "$T/without"
	sleep 2
	kill -9 "$G"; wait "$G" 2>/dev/null
	PIDS=$(for p in $PIDS; do [ "$p" = "$G" ] || printf '%s ' "$p"; done)
	sleep "$GAP"
	"$GWD" --name nofs -b "127.0.0.1:$P" -w 2 --stats-db none >>"$T/nofs.log" 2>&1 &
	G=$!
	PIDS="$PIDS $G"
	wait "$LOADPID"
	stop_pid "$G"
	cat "$T/without" >>"$T/res.without"
	echo "  no fd store: $(show "$T/without")"
}

echo "# gwd SIGKILLed and restarted after ${GAP}s under load: $CLIENTS clients, HTTP/1.0, ${DUR}s, $ROUNDS rounds"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d ' ' -f 1-3 /proc/loadavg)"
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r"
	if [ $((r % 2)) -eq 1 ]; then with_store; without_store
	else without_store; with_store; fi
	r=$((r + 1))
done
if [ "$ROUNDS" -gt 1 ]; then
	echo
	echo "| medians of $ROUNDS rounds | answered | refused | cut | slowest answer |"
	echo "|---|---|---|---|---|"
	for c in with without; do
		printf '| %s | %s | %s | %s | %s s |\n' \
		    "$([ $c = with ] && echo 'fd store' || echo 'no fd store')" \
		    "$(median "$T/res.$c" 1)" "$(median "$T/res.$c" 2)" \
		    "$(median "$T/res.$c" 3)" "$(median "$T/res.$c" 4)"
	done
fi
