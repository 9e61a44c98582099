#!/bin/sh
# health_options: --ready-min-workers and --drain-delay go through the one
# option table and validate.c: a bad value is refused with exit 2 naming
# the key (command line, FILE:LINE in a file, --check-config), a reload
# that brings one is refused and changes nothing, and both show in
# --check-config and the config command.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "no jq"
[ -x "$TW" ] || skip "no test worker"
PORT=$(free_port)

# refused MESSAGE ARGS...: exit 2, MESSAGE on stderr, nothing started.
refused() {
	local msg=$1 rc=0
	shift
	"$GWD" --name "$NAME" -b "127.0.0.1:$PORT" "$@" -- "$TW" \
	    >"$T/out" 2>&1 </dev/null &
	p=$!
	track "$p"
	wait_for "! alive $p" 5 || fail "$*: still running"
	wait "$p" || rc=$?
	[ "$rc" = 2 ] || fail "$*: exit $rc, not 2: $(cat "$T/out")"
	grep -qF -- "$msg" "$T/out" || fail "$*: '$msg' not in: $(cat "$T/out")"
	[ ! -S "$CTL" ] || fail "$*: a control socket was made"
}

for chk in --check-config ""; do
	refused "gwd: --ready-min-workers: out of range (1..4096)" \
	    --ready-min-workers 0 $chk
	refused "gwd: --ready-min-workers: out of range (1..4096)" \
	    --ready-min-workers 4097 $chk
	refused "gwd: --ready-min-workers: " --ready-min-workers many $chk
	refused "gwd: --ready-min-workers: 3 is more than workers (2): gwd could never be ready" \
	    -w 2 --ready-min-workers 3 $chk
	refused "gwd: --drain-delay: " --drain-delay 5x $chk
	refused "gwd: --drain-delay: " --drain-delay -1s $chk
done
printf 'workers = 2\n# min\nready-min-workers = 3\n' >"$T/bad.conf"
refused "$T/bad.conf:3: ready-min-workers: 3 is more than workers (2)" \
    -c "$T/bad.conf"
refused "$T/bad.conf:3: ready-min-workers: 3 is more than workers (2)" \
    --check-config -c "$T/bad.conf"
printf 'drain-delay = soon\n' >"$T/bad2.conf"
refused "$T/bad2.conf:1: drain-delay: " -c "$T/bad2.conf"

# The effective values.
"$GWD" --name "$NAME" --check-config --ready-min-workers 2 -w 3 \
    --drain-delay 2s >"$T/out" 2>&1 || fail "check-config: $(cat "$T/out")"
grep -qx 'ready-min-workers = 2' "$T/out" || fail "no ready-min-workers: $(cat "$T/out")"
grep -qx 'drain-delay = 2s' "$T/out" || fail "no drain-delay: $(cat "$T/out")"

# A reload that brings a bad value is refused; nothing changes.
printf 'workers = 2\nready-min-workers = 2\ndrain-delay = 1s\n' >"$T/gwd.conf"
start_gwd -c "$T/gwd.conf" -b "127.0.0.1:$PORT" --readiness notify -- "$TW"
wait_workers 2 || fail "no workers"
"$GWCTL" -s "$CTL" --json config >"$T/cfg" || fail "config"
jq -e '."ready-min-workers" == 2 and ."drain-delay" == "1s"' "$T/cfg" \
    >/dev/null || fail "config command: $(cat "$T/cfg")"
printf 'workers = 2\nready-min-workers = 5\n' >"$T/gwd.conf"
"$GWCTL" -s "$CTL" reload >"$T/out" 2>&1 && fail "bad reload accepted"
grep -qF "$T/gwd.conf:2: ready-min-workers: 5 is more than workers (2)" \
    "$T/out" || fail "reload message: $(cat "$T/out")"
[ "$("$GWCTL" -s "$CTL" --json status | jq .generation)" = 1 ] ||
    fail "generation changed"
"$GWCTL" -s "$CTL" --json config | jq -e '."ready-min-workers" == 2' \
    >/dev/null || fail "the refused value was applied"
printf 'workers = 2\nready-min-workers = 0\n' >"$T/gwd.conf"
"$GWCTL" -s "$CTL" reload >"$T/out" 2>&1 && fail "bad reload accepted"
grep -qF "$T/gwd.conf:2: ready-min-workers: out of range (1..4096)" \
    "$T/out" || fail "reload message: $(cat "$T/out")"
echo PASS
