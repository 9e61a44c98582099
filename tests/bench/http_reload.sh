#!/bin/sh
# tests/bench/http_reload.sh: failed requests across reloads under
# keep-alive load, gwd (gwd-http) against nginx.
#
#   tests/bench/http_reload.sh [RELOADS] [DURATION]    (defaults: 5, 12s)
#
# wrk -t2 -c100 runs for DURATION against each server (2 workers each)
# while the server is reloaded RELOADS times, one second apart (HUP to the
# master: gwd replaces its workers rolling; nginx starts new workers and
# retires the old ones).  Prints wrk's socket errors and non-2xx counts.
# Starts and stops only its own processes, by pid; loopback only.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
RELOADS=${1:-5}
DUR=${2:-12}
GWD="$top_builddir/gwd"
for t in wrk nginx curl python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not installed"; exit 77; }
done
. "$top/tests/bench/http_servers.inc"
start_gwd
start_nginx
up "$P_GWD"
up "$P_NGX"

# one NAME PORT MASTERPID
one() {
	wrk -t2 -c100 -d"${DUR}s" "http://127.0.0.1:$2/" >"$T/wrk.$1" 2>&1 &
	w=$!
	sleep 2
	i=0
	while [ $i -lt "$RELOADS" ]; do
		kill -HUP "$3"
		sleep 1
		i=$((i + 1))
	done
	wait "$w"
	req=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/wrk.$1")
	err=$(sed -n 's/^ *Socket errors: //p' "$T/wrk.$1")
	non=$(sed -n 's/^ *Non-2xx or 3xx responses: //p' "$T/wrk.$1")
	printf '| %s | %s | %s | %s |\n' "$1" "$req" "${err:-none}" "${non:-0}"
}
echo "reloads under load: wrk -t2 -c100 -d${DUR}s, $RELOADS HUPs one second apart"
echo
echo "| server | requests | socket errors | non-2xx |"
echo "|---|---|---|---|"
one "gwd + gwd-http" "$P_GWD" "$G"
one "nginx-light" "$P_NGX" "$N"
