#!/bin/sh
# core_json_log: with --log-format json every line of the log is a JSON
# object, and worker events are among them.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 needed to parse JSON"

PORT=$(free_port)
L=$T/j.log
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness notify --log-format json \
    --log-file "$L" -- "$TW"
wait_workers 2 || fail "no workers"
wait_for "[ \$(grep -c ready $L) -ge 2 ]" 5 || fail "no ready events in $L"
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
LOG=$L
python3 - "$L" <<'PY' || fail "log is not one JSON object per line"
import json, sys
n = 0
for i, line in enumerate(open(sys.argv[1]), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit("line %d: %s: %r" % (i, e, line))
    if not isinstance(o, dict):
        sys.exit("line %d is not an object" % i)
    n += 1
if n < 3:
    sys.exit("only %d lines" % n)
print("%d JSON lines" % n)
PY
log "ok"
