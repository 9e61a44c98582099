#!/bin/sh
# metrics_events: the counters kept since the master started.  A crash, a
# kill, a failed reload, an invalid one and a good one show in
# gwd_worker_exits_total{reason} and gwd_reloads_total{result}.  A reload
# moves --metrics-bind (TCP to unix: and back), removes it, and is refused
# when the new address is in use (then nothing changes).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

PORT=$(free_port)
C=$T/gwd.conf
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
readiness = notify
boot-timeout = 2s
command = $TW
metrics-bind = 127.0.0.1:$MPORT
CONF
start_gwd -c "$C"
wait_metric 'gwd_workers{state="ready"}' 2 || fail "not ready"
sleep 1.2	# ready long enough that a crash is not a boot failure

# A crash (a signal nobody sent) and a kill.
set -- $(workers_of)
kill -SEGV "$1"
wait_metric 'gwd_worker_exits_total{reason="crash"}' 1 ||
    fail "crash not counted: $(grep exits "$MOUT")"
wait_metric 'gwd_workers{state="ready"}' 2 || fail "not replaced"
"$GWCTL" -s "$CTL" kill 2 >/dev/null || fail "gwctl kill"
wait_metric 'gwd_worker_exits_total{reason="killed"}' 1 ||
    fail "kill not counted"
[ "$(metric gwd_spawns_total)" -ge 3 ] || fail "spawns"

# A reload whose workers exit at boot: failed.
sed -i "s|^command = .*|command = $TW --mode exit-at-boot|" "$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="failed"}' 1 ||
    fail "failed reload not counted: $(grep reload "$MOUT")"
[ "$(metric 'gwd_worker_exits_total{reason="boot_failed"}')" -ge 1 ] ||
    fail "boot failures not counted"
promtool_check "$MOUT"

# An invalid file: refused, counted as invalid.
echo "no-such-key = 1" >>"$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="invalid"}' 1 || fail "invalid"
sed -i '/no-such-key/d' "$C"

# A good reload: ok, and the old workers exit for reload.
sed -i "s|^command = .*|command = $TW|" "$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="ok"}' 1 15 || fail "ok reload"
wait_metric 'gwd_worker_exits_total{reason="reload"}' 2 || fail "reload exits"
[ "$(metric gwd_generation)" -ge 3 ] || fail "generation"
[ "$(metric 'gwd_reloads_total{result="failed"}')" = 1 ] || fail "failed lost"

# Move the metrics to a Unix socket: the port closes, counters stay.
MS=$T/run/m.sock
sed -i "s|^metrics-bind = .*|metrics-bind = unix:$MS|" "$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="ok"}' 2 15 "unix:$MS" ||
    fail "no metrics on unix:$MS after reload"
ss -Htln "sport = :$MPORT" | grep -q . && fail "old metrics port still open"
[ "$(metric 'gwd_worker_exits_total{reason="crash"}')" = 1 ] ||
    fail "counters lost"

# Remove it: the socket file goes.
sed -i '/^metrics-bind/d' "$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_for "[ ! -e '$MS' ]" 10 || fail "$MS not removed"

# An address in use: the reload is refused and nothing changes.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
time.sleep(20)' "$MPORT" &
HOLDER=$!
track "$HOLDER"
wait_for "ss -Htln 'sport = :$MPORT' | grep -q ." 5 || fail "no holder"
gen=$("$GWCTL" -s "$CTL" --json status | jq .generation)
echo "metrics-bind = 127.0.0.1:$MPORT" >>"$C"
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_log "reload: metrics-bind: cannot bind 127.0.0.1:$MPORT" 5 ||
    fail "refused reload not logged"
[ "$("$GWCTL" -s "$CTL" --json status | jq .generation)" = "$gen" ] ||
    fail "generation changed by a refused reload"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null || true

# Back on TCP.
wait_idle 60 || fail "a reload does not end"
kill -HUP "$GWD_PID"
wait_metric 'gwd_reloads_total{result="invalid"}' 2 10 ||
    fail "back on TCP: $(cat "$MOUT")"
promtool_check "$MOUT"
log "ok"
