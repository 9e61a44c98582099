#!/bin/sh
# tests/bench/node.sh: gwd with contrib/node/gwd-worker.js next to Node's
# cluster module and pm2, in one run.
#
#   tests/bench/node.sh [ROUNDS] [DURATION]     (defaults: 5 rounds of 6s)
#
# The same hello handler (200, text/plain, "ok\n") runs, 2 processes each:
#   cluster  node cluster.js: Node's cluster module, 2 workers (default
#            scheduling: the primary accepts and hands connections round
#            robin)
#   pm2      pm2 start hello.js -i 2 (pm2's cluster mode), pm2@latest
#            installed from npm into a scratch folder by this script (a
#            benchmark anchor only: nothing of it ships); PM2_DIR=DIR reuses
#            an existing install
#   gwd      gwd -w 2 --readiness notify -- node example.js
#            (contrib/node/example.js, the module's example server)
#   gwd-bare gwd -w 2 -- node bare.js: hello.js on fd 3, without the
#            module (no readiness, heartbeats or graceful stop): what the
#            module costs
# Each round runs `wrk -t2 -c100 -dDURATION` against each in turn (the
# servers interleave, so background load on a shared machine hits them
# alike), then it prints the medians and the ratios gwd/cluster (target
# >= 1.0) and gwd/pm2 (target >= 1.2).  Everything runs on 127.0.0.1, in a
# private temporary directory (gwd's runtime and state directories, pm2's
# home); only processes this script started are stopped, by pid.  Not part
# of make check.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
ROUNDS=${1:-5}
DUR=${2:-6}
GWD="$top_builddir/gwd"

for t in wrk node npm curl python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not installed"; exit 77; }
done
[ -x "$GWD" ] || { echo "bench: build gwd first"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench-node.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state" "$T/pm2home"
RUNTIME_DIRECTORY=$T/run
STATE_DIRECTORY=$T/state
PM2_HOME=$T/pm2home
export RUNTIME_DIRECTORY STATE_DIRECTORY PM2_HOME
PIDS=""
PM2=""
cleanup() {
	[ -n "$PM2" ] && "$PM2" kill >/dev/null 2>&1
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

up() {	# up PORT: wait (max 20 s) until it answers
	i=0
	while [ $i -lt 200 ]; do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "bench: nothing answers on port $1"
	exit 1
}

# pm2, from npm, into a scratch folder.
if [ -n "${PM2_DIR:-}" ] && [ -x "$PM2_DIR/node_modules/.bin/pm2" ]; then
	PM2=$PM2_DIR/node_modules/.bin/pm2
else
	echo "bench: npm install pm2@latest into $T/pm2 ..."
	npm install --silent --no-audit --no-fund --prefix "$T/pm2" \
	    pm2@latest >"$T/npm.log" 2>&1 ||
	    { cat "$T/npm.log"; echo "bench: cannot install pm2"; exit 77; }
	PM2=$T/pm2/node_modules/.bin/pm2
fi
PM2_VERSION=$("$PM2" --version 2>/dev/null | tail -n 1)

cat >"$T/hello.js" <<'JS'
// The hello server pm2 and cluster.js run: port from argv.
const http = require("http");
const body = Buffer.from("ok\n");
http.createServer((req, res) => {
    res.writeHead(200, {
        "Content-Type": "text/plain",
        "Content-Length": body.length,
    });
    res.end(body);
}).listen(Number(process.env.PORT), "127.0.0.1");
JS
cat >"$T/cluster.js" <<'JS'
const cluster = require("cluster");
if (cluster.isPrimary) {
    for (let i = 0; i < 2; i++)
        cluster.fork();
} else {
    require("./hello.js");
}
JS
cat >"$T/bare.js" <<'JS'
// hello.js on the socket gwd hands over, and nothing else.
const http = require("http");
const body = Buffer.from("ok\n");
http.createServer((req, res) => {
    res.writeHead(200, {
        "Content-Type": "text/plain",
        "Content-Length": body.length,
    });
    res.end(body);
}).listen({ fd: 3 });
JS

P_CL=$(freeport)
PORT=$P_CL node "$T/cluster.js" 2>"$T/cluster.log" &
PIDS="$PIDS $!"

P_PM2=$(freeport)
PORT=$P_PM2 "$PM2" start "$T/hello.js" -i 2 --name hello \
    >"$T/pm2.log" 2>&1 || { cat "$T/pm2.log"; exit 1; }

P_GWD=$(freeport)
"$GWD" -w 2 -b "127.0.0.1:$P_GWD" --readiness notify --stats-db none \
    --name bench -- node "$top/contrib/node/example.js" 2>"$T/gwd.log" &
G=$!
PIDS="$PIDS $G"
mkdir -m 0700 "$T/run2"
P_BARE=$(freeport)
RUNTIME_DIRECTORY=$T/run2 "$GWD" -w 2 -b "127.0.0.1:$P_BARE" --stats-db none \
    --name benchbare -- node "$T/bare.js" 2>"$T/gwd-bare.log" &
PIDS="$PIDS $!"

up "$P_CL"
up "$P_PM2"
up "$P_GWD"
up "$P_BARE"
# pm2 answers once its first instance listens: wait for both.
i=0
while [ "$("$PM2" jlist 2>/dev/null | grep -o '"status":"online"' | wc -l)" -lt 2 ]; do
	[ $i -lt 100 ] || { echo "bench: pm2 did not start 2 instances"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
sleep 2
# Warm up every server (JIT, connection setup); not counted.
for p in "$P_CL" "$P_PM2" "$P_GWD" "$P_BARE"; do
	wrk -t2 -c100 -d2s "http://127.0.0.1:$p/" >/dev/null 2>&1
done

# run NAME PORT: one wrk run; appends its requests/s to $T/res.NAME
run() {
	wrk -t2 -c100 -d"${DUR}s" "http://127.0.0.1:$2/" >"$T/wrk.out" 2>&1
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$T/wrk.out")
	errs=$(grep -E "Socket errors|Non-2xx" "$T/wrk.out" | tr '\n' ' ')
	echo "$rps" >>"$T/res.$1"
	printf '  %-8s %10s req/s  %s\n' "$1" "$rps" "$errs"
}

echo "Node: cluster vs pm2 vs gwd + gwd-worker.js: wrk -t2 -c100 -d${DUR}s, $ROUNDS rounds"
echo "node $(node --version), pm2 $PM2_VERSION, wrk $(wrk -v 2>&1 | head -n 1 | cut -d ' ' -f 2)"
echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r (load $(cut -d ' ' -f 1 /proc/loadavg))"
	# The order rotates each round: whoever runs right after another
	# server finds the machine in a different state (a fixed order made
	# the last one, gwd-bare, look 13% faster than gwd).
	set -- "cluster $P_CL" "pm2 $P_PM2" "gwd $P_GWD" "gwd-bare $P_BARE"
	k=1
	while [ $k -lt $r ]; do
		first=$1
		shift
		set -- "$@" "$first"
		k=$((k + 1))
	done
	for server in "$@"; do
		# shellcheck disable=SC2086
		run $server
	done
	r=$((r + 1))
done

median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
	          else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
c=$(median "$T/res.cluster")
p=$(median "$T/res.pm2")
g=$(median "$T/res.gwd")
b=$(median "$T/res.gwd-bare")
echo
echo "| server | requests/s (median of $ROUNDS) |"
echo "|---|---|"
echo "| node cluster, 2 workers | $c |"
echo "| pm2 start -i 2 | $p |"
echo "| gwd -w 2 + gwd-worker.js | $g |"
echo "| gwd -w 2 + a bare fd-3 server | $b |"
echo
awk -v g="$g" -v c="$c" -v p="$p" -v b="$b" 'BEGIN {
	printf "gwd/cluster = %.2fx (target >= 1.0)\n", g / c
	printf "gwd/pm2     = %.2fx (target >= 1.2)\n", g / p
	printf "gwd/gwd-bare = %.2fx (1.0: the module costs nothing)\n", g / b
}'
# 10 reloads of gwd's pool under the same keep-alive load: no request may
# fail.
wrk -t2 -c100 -d30s --timeout 5s "http://127.0.0.1:$P_GWD/" >"$T/wrk.reload" 2>&1 &
W=$!
PIDS="$PIDS $W"
sleep 1
i=1
t0=$(date +%s)
while [ "$i" -le 10 ]; do
	"$top_builddir/gwctl" -n bench reload --wait >/dev/null ||
	    echo "bench: reload $i failed"
	i=$((i + 1))
done
t1=$(date +%s)
wait "$W"
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.reload")
errs=$(grep -E "Socket errors|Non-2xx" "$T/wrk.reload" | tr '\n' ' ')
echo
echo "reloads: 10 reloads of gwd -w 2 + gwd-worker.js in $((t1 - t0)) s under" \
    "wrk -t2 -c100 -d30s: $n requests, ${errs:-0 failed}"
if grep -qE "exited|timeout|signal" "$T/gwd.log"; then
	echo
	echo "gwd's workers during the run:"
	grep -E "exited|timeout|signal" "$T/gwd.log"
fi
