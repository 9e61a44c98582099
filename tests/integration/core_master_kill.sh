#!/bin/sh
# core_master_kill: SIGKILL of the master leaves no worker behind: each has
# PR_SET_PDEATHSIG = SIGKILL.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 4 -- "$TW" --ignore-term
wait_workers 4 || fail "no workers"
pids=$(workers_of)
track $pids
kill -KILL "$GWD_PID"
wait_gwd_exit 3 || fail "gwd survived SIGKILL?"
for p in $pids; do
	wait_gone "$p" 3 || fail "worker $p survived SIGKILL of the master"
done
# Nothing listens any more: the port is free.
python3 -c "import socket,sys
s=socket.socket()
try: s.connect(('127.0.0.1', $PORT))
except OSError: sys.exit(0)
sys.exit(1)" || fail "something still accepts on $PORT"
log "ok: workers $(echo $pids) gone"
