#!/bin/sh
# tests/bench/nfd_scale.sh: what the notify fd costs gwd with many workers.
#
#   tests/bench/nfd_scale.sh [WORKERS]      (default 4096)
#
# gwd runs WORKERS shell workers under --readiness notify; each says
# READY=1 through its notify fd and then execs `sleep`, which keeps the fd
# open and silent.  Prints how long the pool took to be ready, the master's
# descriptors and resident memory, and the CPU it used in 10 idle seconds
# (the notify fds must cost nothing while silent).  Private runtime and
# state directories; stops only the gwd it started (its workers die with
# it).  Not part of make check: it forks WORKERS processes.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
N=${1:-4096}
GWD="$top_builddir/gwd"
GWCTL="$top_builddir/gwctl"
[ -x "$GWD" ] || { echo "bench: build gwd first"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-bench-nfd.XXXXXX")
mkdir -m 0700 "$T/run" "$T/state"
RUNTIME_DIRECTORY=$T/run
STATE_DIRECTORY=$T/state
export RUNTIME_DIRECTORY STATE_DIRECTORY
G=
cleanup() {
	if [ -n "$G" ]; then
		kill -TERM "$G" 2>/dev/null
		i=0
		while kill -0 "$G" 2>/dev/null && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$G" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

t0=$(date +%s%3N)
"$GWD" -n nfdscale -w "$N" --readiness notify --boot-timeout 120s \
    --stats-db none -b "127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')" -- sh -c \
    'echo READY=1 >&$GWD_NOTIFY_FD; exec sleep 3600' 2>"$T/gwd.log" &
G=$!
i=0
while :; do
	r=$("$GWCTL" -n nfdscale --json status 2>/dev/null |
	    sed -n 's/.*"ready": *\([0-9]*\).*/\1/p')
	[ "${r:-0}" -ge "$N" ] && break
	[ $i -lt 1800 ] || { echo "bench: only ${r:-0} of $N ready"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
t1=$(date +%s%3N)
sleep 2
fds=$(ls "/proc/$G/fd" | wc -l)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$G/status")
c0=$(ticks "$G")
sleep 10
c1=$(ticks "$G")
echo "workers: $N, all ready (READY=1 on the notify fd) in $((t1 - t0)) ms"
echo "master: $fds descriptors, RSS $rss kB; CPU in 10 s idle: $((c1 - c0)) ticks of $(getconf CLK_TCK)/s"
echo "(stats sampling is off: --stats-db none; load $(cut -d ' ' -f 1-3 /proc/loadavg))"
grep -cE "no notify fd|cannot" "$T/gwd.log" | sed 's/^/warnings about descriptors or spawns: /'
