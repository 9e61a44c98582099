#!/bin/sh
# core_boot_timeout: with --readiness notify, a worker that does not send
# READY=1 within --boot-timeout is killed, recorded as boot_timeout and
# replaced.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --boot-timeout 1s \
    --log-level debug \
    -- "$TW" --mode slow-boot --boot-delay 30s
wait_workers 1 || fail "no worker"
first=$(workers_of)
wait_gone "$first" 5 || fail "slow worker $first alive 5 s after boot timeout"
# Measured from gwd's own log (spawn to kill), not from when this script
# happened to notice the worker on a loaded machine.
ts() {
	line=$(grep -m1 "$1" "$T/gwd.log") || fail "no log line matching '$1'"
	date -d "${line%% *}" +%s%3N || fail "bad timestamp in: $line"
}
# From its own spawn: on a loaded machine this script may first see the
# second or third worker.
dt=$(( $(ts "pid $first.*boot timeout") - $(ts "pid $first, gen 1) spawned") ))
[ "$dt" -ge 950 ] || fail "killed $dt ms after its spawn, before its boot timeout"
[ "$dt" -le 3000 ] || fail "killed $dt ms after its spawn, long after its boot timeout"
wait_log "pid $first.*boot_timeout" 3 ||
    fail "exit of $first not logged with reason boot_timeout"
wait_for "[ -n \"\$(workers_of)\" ] && [ \"\$(workers_of)\" != $first ]" 5 ||
    fail "no replacement after the boot timeout"
# Nothing served while booting: the port refuses nothing but nobody answers.
log "ok: killed after $dt ms"
