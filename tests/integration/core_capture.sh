#!/bin/sh
# core_capture: with --capture-output, workers' stdout and stderr go through
# gwd's log line by line, tagged with worker id and pid.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
L=$T/cap.log
start_gwd -b "127.0.0.1:$PORT" -w 2 --capture-output --log-file "$L" \
    -- "$TW" --print hello --report-fds "$T/tw/r"
wait_workers 2 || fail "no workers"
LOG=$L
for p in $(workers_of); do
	id=$(report_env "$T/tw/r.$p" GWD_WORKER_ID)
	for stream in out err; do
		wait_for "grep 'hello $stream' $L | grep -q '\\b$p\\b'" 5 ||
		    fail "'hello $stream' of worker $p not in the log with its pid"
		grep "hello $stream" "$L" | grep "\\b$p\\b" | grep -q "\\b$id\\b" ||
		    fail "'hello $stream' of worker $p not tagged with id $id"
	done
	case $(report_get "$T/tw/r.$p" fd.1) in
	pipe:*) ;; *) fail "worker stdout is $(report_get "$T/tw/r.$p" fd.1), not a pipe" ;;
	esac
done
log "ok"
