#!/bin/sh
# tests/bench/python.sh: FastAPI on gwd + the Python adapter, next to a
# single uvicorn and gunicorn with uvicorn's worker class, in one run.
#
#   tests/bench/python.sh [ROUNDS] [DURATION]   (defaults: 3 rounds of 10s)
#
# The app answers PlainTextResponse("ok") at /.  Each round runs
# `wrk -t2 -c100 -dDURATION` against, in turn (interleaved, so that
# background load on a shared machine hits them alike):
#   uvicorn   python3 -m uvicorn main:app (one process)
#   gunicorn  gunicorn -w 4 -k uvicorn.workers.UvicornWorker main:app
#   gwd       gwd -w 4 --readiness notify -- python3 -m gwd_worker --asgi main:app
# and prints the median requests/s of each, the ratios, and the masters'
# resident memory and the CPU they used during their wrk runs (gwd's master
# next to gunicorn's arbiter), from /proc.  All servers use uvloop and
# httptools when installed (uvicorn's "auto").  Not part of make check.
# Starts and stops only its own processes, by pid; private runtime and
# state directories; loopback only.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
ROUNDS=${1:-3}
DUR=${2:-10}
GWD="$top_builddir/gwd"
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

for t in wrk gunicorn curl; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not installed"; exit 77; }
done
for m in fastapi uvicorn gunicorn; do
	"$PY" -c "import $m" 2>/dev/null || { echo "bench: $PY cannot import $m"; exit 77; }
done
[ -x "$GWD" ] || { echo "bench: build gwd first"; exit 1; }

. "$top/tests/bench/http_servers.inc"	# also $T/run and $T/state, exported
unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID WATCHDOG_USEC 2>/dev/null || true

cat >"$T/main.py" <<'PY'
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()

@app.get("/")
async def root():
    return PlainTextResponse("ok")
PY

T0=$(date +%s)
P_UVI=$(freeport)
(cd "$T" && exec "$PY" -m uvicorn --port "$P_UVI" --log-level warning \
    --no-access-log main:app) 2>"$T/uvicorn.log" &
U=$!
PIDS="$PIDS $U"

P_GUN=$(freeport)
(cd "$T" && exec "$PY" "$(command -v gunicorn)" -w 4 \
    -k uvicorn.workers.UvicornWorker -b "127.0.0.1:$P_GUN" \
    --log-level warning main:app) 2>"$T/gunicorn.log" &
A=$!
PIDS="$PIDS $A"

P_GWD=$(freeport)
"$GWD" -n bench -w 4 -b "127.0.0.1:$P_GWD" --readiness notify \
    --chdir "$T" -e "PYTHONPATH=$top/contrib/python" -- \
    "$PY" -m gwd_worker --asgi main:app 2>"$T/gwd.log" &
G=$!
PIDS="$PIDS $G"

up "$P_UVI"
up "$P_GUN"
up "$P_GWD"
i=0
until "$top_builddir/gwctl" -s "$T/run/bench.sock" --json status 2>/dev/null |
    grep -q '"ready": *4'; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "bench: gwd not ready"; cat "$T/gwd.log"; exit 1; }
	sleep 0.1
done
sleep 1

ticks() {	# utime + stime of PID, in clock ticks
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
HZ=$(getconf CLK_TCK)

# run NAME PORT MASTER_PID: one wrk run; appends "rps master_cpu_ms" to
# $T/res.NAME
run() {
	c0=$(ticks "$3")
	wrk -t2 -c100 -d"${DUR}s" "http://127.0.0.1:$2/" >"$T/wrk.out" 2>&1
	c1=$(ticks "$3")
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$T/wrk.out")
	cpu=$(( (c1 - c0) * 1000 / HZ ))
	errs=$(grep -E "Socket errors|Non-2xx" "$T/wrk.out" | tr '\n' ' ')
	echo "$rps $cpu" >>"$T/res.$1"
	printf '  %-9s %10s req/s  master CPU %5s ms  %s\n' "$1" "$rps" "$cpu" "$errs"
}

median() {	# median of column $2 of file $1
	cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
	          else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "bench: python: $ROUNDS rounds of wrk -t2 -c100 -d${DUR}s," \
    "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(ls /proc | grep -c '^[0-9]') processes on the host"
echo "  $("$PY" -c 'import sys, uvicorn, fastapi, gunicorn
try:
    import uvloop, httptools; x = "uvloop %s, httptools %s" % (uvloop.__version__, httptools.__version__)
except ImportError:
    x = "asyncio, h11"
print("python %s, uvicorn %s, fastapi %s, gunicorn %s, %s" % (sys.version.split()[0],
      uvicorn.__version__, fastapi.__version__, gunicorn.__version__, x))')"
# warm-up, not counted
for p in "$P_UVI" "$P_GUN" "$P_GWD"; do
	wrk -t2 -c100 -d2s "http://127.0.0.1:$p/" >/dev/null 2>&1
done
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "round $r"
	# the order rotates, so that no server always runs first or last
	case $((r % 3)) in
	1) run uvicorn "$P_UVI" "$U"; run gunicorn "$P_GUN" "$A"; run gwd "$P_GWD" "$G" ;;
	2) run gunicorn "$P_GUN" "$A"; run gwd "$P_GWD" "$G"; run uvicorn "$P_UVI" "$U" ;;
	0) run gwd "$P_GWD" "$G"; run uvicorn "$P_UVI" "$U"; run gunicorn "$P_GUN" "$A" ;;
	esac
	r=$((r + 1))
done

mu=$(median "$T/res.uvicorn" 1)
mg=$(median "$T/res.gunicorn" 1)
mw=$(median "$T/res.gwd" 1)
echo "medians (req/s): uvicorn $mu, gunicorn -w 4 $mg, gwd -w 4 $mw"
awk -v u="$mu" -v g="$mg" -v w="$mw" 'BEGIN {
	printf "ratios: gwd/gunicorn %.2fx, gwd/uvicorn %.2fx, gunicorn/uvicorn %.2fx\n",
	    w / g, w / u, g / u }'
echo "masters: gunicorn arbiter RSS $(rss_kb "$A") kB, CPU $(median "$T/res.gunicorn" 2) ms per ${DUR}s run (median);" \
    "gwd master RSS $(rss_kb "$G") kB, CPU $(median "$T/res.gwd" 2) ms per ${DUR}s run"
echo "masters' CPU since start: gunicorn arbiter $(( $(ticks "$A") * 1000 / HZ )) ms," \
    "gwd master $(( $(ticks "$G") * 1000 / HZ )) ms" \
    "(over $(( $(date +%s) - T0 )) s)"

# 10 reloads of gwd's pool under the same keep-alive load: no request may
# fail.
wrk -t2 -c100 -d30s --timeout 5s "http://127.0.0.1:$P_GWD/" >"$T/wrk.reload" 2>&1 &
W=$!
PIDS="$PIDS $W"
sleep 1
i=1
t0=$(date +%s)
while [ "$i" -le 10 ]; do
	"$top_builddir/gwctl" -s "$T/run/bench.sock" reload --wait >/dev/null ||
	    echo "bench: reload $i failed"
	i=$((i + 1))
done
t1=$(date +%s)
wait "$W"
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.reload")
errs=$(grep -E "Socket errors|Non-2xx" "$T/wrk.reload" | tr '\n' ' ')
echo "reloads: 10 reloads of gwd -w 4 in $((t1 - t0)) s under wrk -t2 -c100 -d30s:" \
    "$n requests, ${errs:-0 failed}"
