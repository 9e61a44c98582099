#!/bin/sh
# core_boot_timeout: with --readiness notify, a worker that does not send
# READY=1 within --boot-timeout is killed, recorded as boot_timeout and
# replaced.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness notify --boot-timeout 1s \
    -- "$TW" --mode slow-boot --boot-delay 30s
wait_workers 1 || fail "no worker"
first=$(workers_of)
t0=$(now_ms)
wait_gone "$first" 5 || fail "slow worker $first alive 5 s after boot timeout"
dt=$(( $(now_ms) - t0 ))
[ "$dt" -ge 700 ] || fail "killed after $dt ms, before its boot timeout"
wait_log "pid $first.*boot_timeout" 3 ||
    fail "exit of $first not logged with reason boot_timeout"
wait_for "[ -n \"\$(workers_of)\" ] && [ \"\$(workers_of)\" != $first ]" 5 ||
    fail "no replacement after the boot timeout"
# Nothing served while booting: the port refuses nothing but nobody answers.
log "ok: killed after $dt ms"
