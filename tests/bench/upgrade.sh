#!/bin/sh
# upgrade.sh: how long an in-place upgrade takes, from `gwctl upgrade` to
# the new image's answer, with 4 and with 64 workers (test workers,
# --readiness notify), five upgrades each; and how the time splits
# between the --version check and exec + adoption, from gwd's own log.
#
#   top_builddir=$PWD sh tests/bench/upgrade.sh
#
# Private runtime and state directories; every gwd is stopped by pid.
set -eu
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench-upgrade.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state"
RUNTIME_DIRECTORY=$T/run STATE_DIRECTORY=$T/state
export RUNTIME_DIRECTORY STATE_DIRECTORY
unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES GWD_SOCKET || true
GP=
trap '[ -n "$GP" ] && kill "$GP" 2>/dev/null; rm -rf "$T"' EXIT

ms() { date +%s%3N; }
# The time (ms) of a log line: gwd's clock.
at() { date -d "$(grep -m"$2" -E "$1" "$T/log" | tail -n 1 | cut -d' ' -f1)" +%s%3N; }

for n in 4 64; do
	: >"$T/log"
	"$GWD" --name b$n -w $n -b 127.0.0.1:0 --readiness notify \
	    -- "$TW" --mode serve >>"$T/log" 2>&1 &
	GP=$!
	i=0
	until [ "$("$GWCTL" -n b$n --json status 2>/dev/null |
	    sed -n 's/.*"ready":\([0-9]*\).*/\1/p')" = $n ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "b$n not ready"; exit 1; }
		sleep 0.05
	done
	total= check= exec=
	for k in 1 2 3 4 5; do
		a=$(ms)
		"$GWCTL" -n b$n upgrade >/dev/null
		b=$(ms)
		total="$total $((b - a))"
		c=$(at 'upgrade: checking' $k)
		e=$(at 'upgrade: exec' $k)
		d=$(at 'upgraded in place' $k)
		check="$check $((e - c))"
		exec="$exec $((d - e))"
	done
	echo "$n workers: gwctl upgrade (ms):$total"
	echo "  --version check (ms):$check"
	echo "  stats flush + exec + adoption (ms):$exec"
	kill "$GP"
	wait "$GP" || true
	GP=
done
