#!/bin/sh
# core_env: --env, --umask and --chdir reach the workers.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
mkdir "$T/wd"
start_gwd -b "127.0.0.1:$PORT" -w 1 -e FOO=bar --env "SPACED=a b c" \
    --umask 027 --chdir "$T/wd" -- "$TW" --report-fds "$T/tw/r"
wait_workers 1 || fail "no worker"
w=$(workers_of)
R=$T/tw/r.$w
wait_for "[ -s $R ]" 5 || fail "no report"
[ "$(report_env "$R" FOO)" = bar ] || fail "FOO='$(report_env "$R" FOO)', want bar"
[ "$(report_env "$R" SPACED)" = "a b c" ] || fail "SPACED='$(report_env "$R" SPACED)'"
[ "$(report_get "$R" umask)" = 0027 ] || fail "umask $(report_get "$R" umask), want 0027"
[ "$(report_get "$R" cwd)" = "$T/wd" ] || fail "cwd $(report_get "$R" cwd), want $T/wd"
log "ok"
