#!/bin/sh
# tests/bench/fdstore_restart.sh: requests lost when gwd is SIGKILLed and
# started again under load, with systemd's fd store holding its listening
# socket (tests/integration/fake_systemd.py stands in for systemd) and
# without it (the new gwd binds anew, as before the fd store).
#
#   tests/bench/fdstore_restart.sh [GAP] [DURATION] [CLIENTS]
#                                   (defaults: 0.5 s, 6 s, 8)
#
# CLIENTS loopback clients make one request per connection (HTTP/1.0 to
# gwd-http, 2 workers) for DURATION seconds; after 2 s gwd gets SIGKILL
# and GAP seconds later a new gwd starts.  Prints, for each case, the
# requests answered, refused (connect failed), cut (connected, no answer)
# and the slowest answer.  Starts and stops only its own processes, by pid.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
GAP=${1:-0.5}
DUR=${2:-6}
CLIENTS=${3:-8}
GWD=$top_builddir/gwd
command -v python3 >/dev/null 2>&1 || { echo "bench: no python3"; exit 77; }
T=$(mktemp -d /tmp/gwd-bench-fdstore.XXXXXX)
mkdir -m 0700 "$T/run" "$T/state"
RUNTIME_DIRECTORY=$T/run
STATE_DIRECTORY=$T/state
export RUNTIME_DIRECTORY STATE_DIRECTORY
PIDS=
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# load PORT OUT: the clients, in the background.
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
open(out, "w").write("answered %(ok)d, refused %(refused)d, cut %(cut)d, "
                     "slowest %(slowest).2f s\n" % res)
PY
	LOADPID=$!
}

up() {
	i=0
	until curl -s --max-time 1 "http://127.0.0.1:$1/" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: gwd did not come up"; exit 1; }
		sleep 0.05
	done
}

# With the fd store.
P=$(port)
mkdir "$T/sd"
python3 "$top/tests/integration/fake_systemd.py" "$T/sd" "$GWD" --name fs \
    -b "127.0.0.1:$P" -w 2 --stats-db none >"$T/fs.log" 2>&1 &
SD=$!
PIDS="$PIDS $SD"
up "$P"
load "$P" "$T/with"
sleep 2
kill -9 "$(cat "$T/sd/pid")"
sleep "$GAP"
kill -USR1 "$SD"
wait "$LOADPID"
kill -TERM "$SD"; wait "$SD" 2>/dev/null
echo "fd store:    $(cat "$T/with")"

# Without: gwd binds anew.
P=$(port)
"$GWD" --name nofs -b "127.0.0.1:$P" -w 2 --stats-db none >>"$T/nofs.log" 2>&1 &
G=$!
PIDS="$PIDS $G"
up "$P"
load "$P" "$T/without"
sleep 2
kill -9 "$G"; wait "$G" 2>/dev/null
sleep "$GAP"
"$GWD" --name nofs -b "127.0.0.1:$P" -w 2 --stats-db none >>"$T/nofs.log" 2>&1 &
G=$!
PIDS="$PIDS $G"
wait "$LOADPID"
kill -TERM "$G"; wait "$G" 2>/dev/null
echo "no fd store: $(cat "$T/without")"
