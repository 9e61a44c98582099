#!/bin/sh
# upgrade.sh: upgrading the master's binary in place.
#
#   top_builddir=$PWD sh tests/bench/upgrade.sh [ROUNDS] [DURATION] [AT]
#                                        (defaults: 5 rounds, 10 s, 3 s)
#
# Part 1 (gwd alone): how long `gwctl upgrade` takes, from the request to
# the new image's answer, with 4 and with 64 workers (test workers,
# --readiness notify), five upgrades each; and how the time splits between
# the --version check and exec + adoption, from gwd's own log.
#
# Part 2 (gwd against nginx, the anchor, in the same run): an upgrade
# under keep-alive load.  For each server (2 workers each, on loopback),
# `wrk -t2 -c32 -dDURATION` runs and, AT seconds in, the master's binary
# is replaced by the same binary:
#   gwd    `gwctl upgrade` (the master re-executes itself, keeps its pid and
#          its gwd-http workers); done when gwctl returns
#   nginx  its documented binary upgrade ("Upgrading Executable on the
#          Fly"): USR2 to the master (a new master starts with the old
#          listeners and its own workers), once the new master has its
#          workers WINCH to the old master (its workers stop gracefully),
#          once they are gone QUIT to the old master; done when the old
#          master has exited (nginx must be daemonized: it ignores WINCH
#          in the foreground)
# and prints wrk's socket errors (connect, read, write, timeout) and
# non-2xx answers, the time until the upgrade is complete, whether the
# master's pid stayed (systemd's MainPID) and how many workers kept
# serving through it.  ROUNDS rounds alternate the order (gwd first in odd
# rounds, nginx first in even ones); medians at the end.
#
# Private runtime and state directories (http_servers.inc); every process
# is started here and stopped by pid; loopback only; bounded in time.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_builddir:=$top}"
ROUNDS=${1:-5}
DUR=${2:-10}
AT=${3:-3}
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
for t in wrk nginx curl python3 pgrep; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t not installed"; exit 77; }
done
for f in "$GWD" "$GWCTL" "$TW" "$top_builddir/gwd-http"; do
	[ -x "$f" ] || { echo "bench: build $f first"; exit 1; }
done
. "$top/tests/bench/http_servers.inc"	# T, PIDS, cleanup, start_*, ...

ms() { date +%s%3N; }
# at PATTERN N [LOG]: the time (ms) of the Nth line of gwd's log (default
# $T/log) matching PATTERN: gwd's clock.
at() {
	date -d "$(grep -m"$2" -E "$1" "${3:-$T/log}" | tail -n 1 | cut -d' ' -f1)" +%s%3N
}
# wait_for SECONDS CMD...: poll CMD every 10 ms; 1 if it never held.
wait_for() {
	n=$(($1 * 100)); shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.01
	done
}

echo "# upgrade in place: $(nproc) CPUs, $(uname -r), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $("$GWD" --version | head -n 1), $(nginx -v 2>&1)"
echo

# --- Part 1: gwd alone, 4 and 64 test workers ------------------------------
echo "## 1. gwctl upgrade, no load (5 upgrades each)"
echo
for n in 4 64; do
	: >"$T/log"
	"$GWD" --name b$n -w $n -b 127.0.0.1:0 --readiness notify \
	    -- "$TW" --mode serve >>"$T/log" 2>&1 &
	GP=$!
	PIDS="$PIDS $GP"
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
		"$GWCTL" -n b$n upgrade >/dev/null || { echo "b$n: upgrade failed"; exit 1; }
		b=$(ms)
		total="$total $((b - a))"
		c=$(at 'upgrade: checking' $k)
		e=$(at 'upgrade: exec' $k)
		d=$(at 'upgraded in place' $k)
		check="$check $((e - c))"
		exec="$exec $((d - e))"
	done
	echo "- $n workers: gwctl upgrade (ms):$total"
	echo "  - --version check (ms):$check"
	echo "  - stats flush + exec + adoption (ms):$exec"
	stop_pid "$GP"
done
echo

# --- Part 2: under load, gwd against nginx ---------------------------------

# wrk_counts FILE: "SOCKET_ERRORS NON2XX REQUESTS DETAIL" from wrk's output
# (DETAIL: connect/read/write/timeout joined by '/').
wrk_counts() {
	awk '/requests in/ { req = $1 }
	    /Socket errors:/ { gsub(",", ""); c = $4; r = $6; w = $8; t = $10 }
	    /Non-2xx or 3xx responses:/ { non = $5 }
	    END { printf "%d %d %d %d/%d/%d/%d\n", c + r + w + t, non, req,
	          c, r, w, t }' "$1"
}

# worker_pids: the pids of gwd's workers, sorted, one line.
worker_pids() {
	"$GWCTL" -s "$T/gwd.sock" --json workers 2>/dev/null |
	    grep -o '"pid":[0-9]*' | cut -d: -f2 | sort -n | tr '\n' ' '
}
# kept "A" "B": how many words of A are also in B.
kept() {
	k=0
	for p in $1; do
		case " $2 " in *" $p "*) k=$((k + 1)) ;; esac
	done
	echo $k
}

# run_gwd ROUND: appends "errors non2xx ms pidstayed kept requests detail"
# to $T/res.gwd.
run_gwd() {
	start_gwd
	up "$P_GWD"
	wait_for 10 test -S "$T/gwd.sock" || { echo "bench: no control socket"; exit 1; }
	wrk -t2 -c32 -d"${DUR}s" "http://127.0.0.1:$P_GWD/" >"$T/wrk.gwd" 2>&1 &
	w=$!
	PIDS="$PIDS $w"
	sleep "$AT"
	before=$(worker_pids)
	a=$(ms)
	"$GWCTL" -s "$T/gwd.sock" --json upgrade >"$T/up.json" 2>&1 ||
	    echo "round $1: gwctl upgrade failed: $(cat "$T/up.json")"
	b=$(ms)
	after=$(worker_pids)
	newpid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$T/up.json")
	wait "$w"
	PIDS=$(for p in $PIDS; do [ "$p" = "$w" ] || printf '%s ' "$p"; done)
	set -- $(wrk_counts "$T/wrk.gwd")
	stayed=no; [ "$newpid" = "$G" ] && stayed=yes
	k=$(kept "$before" "$after")
	# Where the time went, from gwd's log: the --version check, then the
	# stats flush, the exec and the adoption.
	c=$(at 'upgrade: checking' 1 "$T/gwd.log")
	e=$(at 'upgrade: exec' 1 "$T/gwd.log")
	d=$(at 'upgraded in place' 1 "$T/gwd.log")
	echo "$1 $2 $((b - a)) $stayed $k/2 $3 $4 $((e - c)) $((d - e))" >>"$T/res.gwd"
	printf '| %s | gwd | %s | %s | %s | %s (check %s, exec+adopt %s) | %s -> %s (%s) | %s |\n' \
	    "$r" "$3" "$1 ($4)" "$2" "$((b - a))" "$((e - c))" "$((d - e))" \
	    "$G" "$newpid" "$stayed" "$k/2"
	# Anything that happened to the workers: there should be nothing.
	grep -E 'exited|crash|signal|error' "$T/gwd.log" | sed 's/^/    gwd log: /'
	cp "$T/gwd.log" "$T/gwd.log.$r"
	stop_pid "$G"
}

# run_nginx ROUND: the same for nginx's binary upgrade, into $T/res.nginx.
run_nginx() {
	NGX_DAEMON=on start_nginx
	up "$P_NGX"
	old=$N
	wrk -t2 -c32 -d"${DUR}s" "http://127.0.0.1:$P_NGX/" >"$T/wrk.nginx" 2>&1 &
	w=$!
	PIDS="$PIDS $w"
	sleep "$AT"
	a=$(ms)
	kill -USR2 "$old"
	# The old master renames its pid file to nginx.pid.oldbin, the new one
	# (its child, not daemonized) writes nginx.pid and starts 2 workers.
	new_up() {
		[ -s "$T/nginx/nginx.pid" ] || return 1
		new=$(cat "$T/nginx/nginx.pid" 2>/dev/null)
		[ -n "$new" ] && [ "$new" != "$old" ] &&
		    [ "$(pgrep -c -P "$new")" -ge 2 ]
	}
	wait_for 10 new_up || echo "round $1: nginx: no new master"
	PIDS="$PIDS $new"
	kill -WINCH "$old"
	old_workers_gone() {
		[ "$(pgrep -P "$old" | grep -cvx "$new")" -eq 0 ]
	}
	wait_for 10 old_workers_gone || echo "round $1: nginx: old workers stay"
	kill -QUIT "$old"
	old_gone() { ! alive "$old"; }
	wait_for 10 old_gone || echo "round $1: nginx: old master stays"
	b=$(ms)
	PIDS=$(for p in $PIDS; do [ "$p" = "$old" ] || printf '%s ' "$p"; done)
	wait "$w"
	PIDS=$(for p in $PIDS; do [ "$p" = "$w" ] || printf '%s ' "$p"; done)
	set -- $(wrk_counts "$T/wrk.nginx")
	stayed=no; [ "$new" = "$old" ] && stayed=yes
	echo "$1 $2 $((b - a)) $stayed 0/2 $3 $4" >>"$T/res.nginx"
	printf '| %s | nginx | %s | %s | %s | %s | %s -> %s (%s) | 0/2 |\n' \
	    "$r" "$3" "$1 ($4)" "$2" "$((b - a))" "$old" "$new" "$stayed"
	stop_pid "$new"
}

echo "## 2. upgrade under load: wrk -t2 -c32 -d${DUR}s, upgrade at ${AT}s, $ROUNDS rounds"
echo
echo "| round | server | requests | socket errors (connect/read/write/timeout) | non-2xx | upgrade complete (ms) | master pid | workers kept |"
echo "|---|---|---|---|---|---|---|---|"
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) -eq 1 ]; then
		run_gwd $r; run_nginx $r
	else
		run_nginx $r; run_gwd $r
	fi
	r=$((r + 1))
done

echo
echo "medians over $ROUNDS rounds (load now $(cut -d ' ' -f 1-3 /proc/loadavg)):"
echo
echo "| server | socket errors | non-2xx | upgrade complete (ms) | requests | master pid kept (rounds) |"
echo "|---|---|---|---|---|---|"
for s in gwd nginx; do
	printf '| %s | %s | %s | %s | %s | %s of %s |\n' "$s" \
	    "$(median "$T/res.$s" 1)" "$(median "$T/res.$s" 2)" \
	    "$(median "$T/res.$s" 3)" "$(median "$T/res.$s" 6)" \
	    "$(grep -c ' yes ' "$T/res.$s")" "$ROUNDS"
done
echo
echo "gwd's split (medians): --version check $(median "$T/res.gwd" 8) ms, stats flush + exec + adoption $(median "$T/res.gwd" 9) ms"
awk -v g="$(median "$T/res.gwd" 3)" -v n="$(median "$T/res.nginx" 3)" \
    -v ge="$(median "$T/res.gwd" 1)" -v ne="$(median "$T/res.nginx" 1)" 'BEGIN {
	printf "upgrade time gwd/nginx = %.2fx\n", g / n
	if (ge > 0) printf "socket errors gwd/nginx = %.2fx\n", ge / ne
	else printf "socket errors: gwd 0, nginx %s (median)\n", ne
}'
