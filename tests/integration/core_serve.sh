#!/bin/sh
# core_serve: a pool of 3 test workers answers HTTP on the inherited
# socket; every slot 1..3 answers, all of generation 1, from gwd's children.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 3 --readiness notify -- "$TW"
wait_workers 3 || fail "3 workers never ran"
wait_for "http_get $PORT | grep -q '^worker '" 10 || fail "no HTTP answer"

seen=
i=0
while [ $i -lt 300 ]; do
	body=$(http_get "$PORT") || fail "request $i failed"
	case $body in
	"worker "[123]" pid "*" gen 1") ;;
	*) fail "unexpected body: '$body'" ;;
	esac
	id=$(echo "$body" | cut -d' ' -f2)
	pid=$(echo "$body" | cut -d' ' -f4)
	workers_of | grep -qx "$pid" || fail "pid $pid is not a child of gwd"
	case " $seen " in *" $id "*) ;; *) seen="$seen $id" ;; esac
	[ "$(echo $seen | wc -w)" -eq 3 ] && break
	i=$((i + 1))
done
[ "$(echo $seen | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "1 2 3 " ] ||
    fail "worker ids seen: '$seen', wanted 1 2 3"

# Readiness by READY=1 is logged per worker (SPEC section 12's format).
wait_for "[ \$(log_count 'worker [1-3] \\(pid [0-9]+, gen 1\\) ready') -ge 3 ]" 5 ||
    fail "no 'worker N (pid P, gen 1) ready' lines"
# The master's process name says which instance it is.
comm=$(cat /proc/$GWD_PID/comm)
[ "$comm" = "$(printf 'gwd %s' "$NAME" | cut -c1-15)" ] ||
    fail "master's process name is '$comm'"
log "ok: ids$seen answered after $((i + 1)) requests"
