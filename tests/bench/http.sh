#!/bin/sh
# tests/bench/http.sh: gwd-http next to nginx and gunicorn, in one run.
#
#   tests/bench/http.sh [ROUNDS] [DURATION]     (defaults: 3 rounds of 8s)
#
# Each round runs `wrk -t2 -c100 -dDURATION --latency` against, in turn:
#   gwd    gwd -w 2 with gwd-http (hello mode)
#   nginx  nginx-light, 2 workers, `return 200 "ok\n"`, access log off
#   gunicorn  gunicorn -w 2 -k sync with a hello WSGI app
# all on 127.0.0.1, and prints the median requests/s and p99 latency of
# each, and the ratios gwd/nginx and gwd/gunicorn.  Rounds interleave the
# servers so that background load on a shared machine hits them alike.
# Starts and stops only its own processes, by pid; everything is bounded.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
ROUNDS=${1:-3}
DUR=${2:-8}
GWD="$top_builddir/gwd"

for t in wrk nginx gunicorn curl python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not installed"; exit 77; }
done
[ -x "$GWD" ] || { echo "bench: build gwd first"; exit 1; }

. "$top/tests/bench/http_servers.inc"
start_gwd
start_nginx

# gunicorn, sync worker
P_GUN=$(freeport)
cat >"$T/app.py" <<'PY'
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "3")])
    return [b"ok\n"]
PY
gunicorn -w 2 -k sync -b "127.0.0.1:$P_GUN" --chdir "$T" \
    --error-logfile "$T/gunicorn.log" app:app &
PIDS="$PIDS $!"

up "$P_GWD"
up "$P_NGX"
up "$P_GUN"
sleep 1

# run NAME PORT: one wrk run; appends "rps p99_ms" to $T/NAME
run() {
	wrk -t2 -c100 -d"${DUR}s" --latency "http://127.0.0.1:$2/" >"$T/wrk.out" 2>&1
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$T/wrk.out")
	p99=$(awk '$1 == "99%" { v = $2;
	    if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 }
	    else if (v ~ /ms$/) { sub(/ms$/, "", v) }
	    else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }
	    printf "%.2f", v }' "$T/wrk.out")
	errs=$(grep -E "Socket errors|Non-2xx" "$T/wrk.out" | tr '\n' ' ')
	echo "$rps $p99" >>"$T/res.$1"
	printf '  %-9s %10s req/s  p99 %8s ms  %s\n' "$1" "$rps" "$p99" "$errs"
}

echo "gwd-http vs nginx vs gunicorn: wrk -t2 -c100 -d${DUR}s, $ROUNDS rounds"
echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r"
	run gwd "$P_GWD"
	run nginx "$P_NGX"
	run gunicorn "$P_GUN"
	r=$((r + 1))
done

g=$(median "$T/res.gwd" 1); gp=$(median "$T/res.gwd" 2)
n=$(median "$T/res.nginx" 1); np=$(median "$T/res.nginx" 2)
u=$(median "$T/res.gunicorn" 1); up=$(median "$T/res.gunicorn" 2)
echo
echo "| server | requests/s (median) | p99 latency (median) |"
echo "|---|---|---|"
echo "| gwd + gwd-http, 2 workers | $g | $gp ms |"
echo "| nginx-light, 2 workers | $n | $np ms |"
echo "| gunicorn sync, 2 workers | $u | $up ms |"
echo
awk -v g="$g" -v n="$n" -v u="$u" -v gp="$gp" -v np="$np" 'BEGIN {
	printf "throughput gwd/nginx    = %.2fx (target >= 1.0)\n", g / n
	printf "throughput gwd/gunicorn = %.1fx (target >= 10)\n", g / u
	printf "p99 gwd/nginx           = %.2fx (target <= 1.0)\n", gp / np
}'
# Anything that happened to gwd's workers during the run (there should be
# nothing: a worker exit would show up above as socket errors).
if grep -qE "exited|crash|signal" "$T/gwd.log"; then
	echo
	echo "gwd's workers during the run:"
	grep -E "exited|crash|signal" "$T/gwd.log"
fi
