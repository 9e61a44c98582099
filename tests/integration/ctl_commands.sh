#!/bin/sh
# ctl_commands: every control command through gwctl against the real gwd,
# human and --json output, and the result fields of SPEC section 7.
. "$(dirname "$0")/lib.sh"

ctl() { "$GWCTL" -n "$NAME" "$@"; }
has_keys() {	# JSON KEY...: every key is present
	local j=$1 k
	shift
	for k in "$@"; do
		echo "$j" | jq -e "has(\"$k\")" >/dev/null ||
		    fail "no '$k' in $j"
	done
}

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 2 --readiness notify -- "$TW"
wait_for "[ -S '$CTL' ]" 5 || fail "no control socket at $CTL"
wait_workers 2 || fail "no workers"
[ "$(stat -c %a "$CTL")" = 600 ] || fail "socket mode $(stat -c %a "$CTL")"

# ping, version
ctl ping | grep -q "^pong from $CTL in " || fail "ping: $(ctl ping)"
[ "$(ctl --json ping)" = '{"pong":true}' ] || fail "ping --json"
v=$(ctl --json version)
[ "$(echo "$v" | jq -r .protocol)" = 1 ] || fail "version: $v"
[ "$(echo "$v" | jq -r .version)" = "$("$GWD" --version | awk '{print $2}')" ] ||
    fail "version $v vs $("$GWD" --version)"
ctl version | grep -q '^gwd .* (protocol 1)$' || fail "version human"

# status
s=$(ctl --json status)
has_keys "$s" name pid version started_at uptime_s generation state workers \
    binds control_socket notify_socket stats_db last_reload backoff_until \
    upgraded_at
has_keys "$(echo "$s" | jq .workers)" target ready booting draining total
[ "$(echo "$s" | jq .pid)" = "$GWD_PID" ] || fail "status pid"
[ "$(echo "$s" | jq -r .state)" = running ] || fail "status state"
[ "$(echo "$s" | jq -r .control_socket)" = "$CTL" ] || fail "control_socket"
ctl status | grep -Eq '^state +running$' || fail "status human"
ctl status | grep -Eq "^workers +2 ready of 2 " || fail "status workers line"

# workers and its alias
w=$(ctl --json workers)
[ "$(echo "$w" | jq '.workers | length')" = 2 ] || fail "workers: $w"
has_keys "$(echo "$w" | jq '.workers[0]')" id pid generation state \
    state_since age_s last_heartbeat_s requests rss_kb cpu_s restarts status
ctl workers | head -n 1 | grep -Eq '^ID +PID GEN STATE +AGE BEAT REQS +RSS +CPU RESTARTS STATUS$' ||
    fail "workers header: $(ctl workers | head -n 1)"
[ "$(ctl ps | wc -l)" = 3 ] || fail "ps: $(ctl ps)"
ctl workers | awk 'length($0) > 80 { exit 1 }' || fail "workers wider than 80"

# scale is exact: 2 -> 16 at once
[ "$(ctl --json scale 16)" = '{"target":16,"previous":2}' ] || fail "scale 16"
wait_workers 16 10 || fail "pool is $(count_workers), want 16"
[ "$(ctl scale -- -4)" = "target 12 (was 16)" ] || fail "scale -4"
[ "$(ctl scale +1)" = "target 13 (was 12)" ] || fail "scale +1"
[ "$(ctl ttou 10)" = "target 3 (was 13)" ] || fail "ttou 10"
[ "$(ctl ttou 5)" = "target 1 (was 3)" ] || fail "ttou stops at 1"
[ "$(ctl ttin)" = "target 2 (was 1)" ] || fail "ttin"
[ "$(ctl --json ttin 2)" = '{"target":4,"previous":2}' ] || fail "ttin 2"
[ "$(ctl --json scale 2)" = '{"target":2,"previous":4}' ] || fail "scale 2"
wait_workers 2 10 || fail "pool is $(count_workers), want 2"

# reload, with and without --wait
[ "$(ctl --json reload | jq .generation)" = 2 ] || fail "reload"
# A reload asked for while one runs joins it: let generation 2 finish (its
# workers prove themselves for --readiness-grace first).
wait_for "ctl --json status | jq -e '.state == \"running\" and .generation == 2' >/dev/null" 10 ||
    fail "reload to generation 2 did not finish"
r=$(ctl --json reload --wait)
has_keys "$r" generation ok duration_s started retired error
[ "$(echo "$r" | jq .ok)" = true ] || fail "reload --wait: $r"
[ "$(echo "$r" | jq .generation)" = 3 ] || fail "reload --wait gen: $r"
ctl reload --wait | grep -q '^reloaded: generation 4 in ' || fail "reload human"
wait_workers 2 10 || fail "pool after reloads"

# kill by id and by pid, with a signal
w=$(ctl --json workers)
id=$(echo "$w" | jq '.workers[0].id')
pid=$(echo "$w" | jq '.workers[0].pid')
[ "$(ctl kill "$id")" = "sent TERM to pid $pid" ] || fail "kill $id"
wait_gone "$pid" || fail "worker $pid survived kill"
wait_workers 2 10 || fail "killed worker not replaced"
pid=$(ctl --json workers | jq '.workers[1].pid')
[ "$(ctl --json kill "pid:$pid" KILL)" = "{\"pid\":$pid}" ] || fail "kill pid:"
wait_gone "$pid" || fail "worker $pid survived SIGKILL"
wait_workers 2 10 || fail "killed worker not replaced"
log_has "reason=killed|: killed" || log_has "killed" || fail "kill not recorded"

# config
c=$(ctl --json config)
[ "$(echo "$c" | jq -r '."control-socket" // .control_socket')" = "$CTL" ] ||
    fail "config: $c"
ctl config | grep -q "^control-socket = $CTL\$" || fail "config human"

# reopen-logs
[ "$(ctl reopen-logs)" = "logs reopened" ] || fail "reopen-logs"
[ "$(ctl --json reopen-logs)" = '{}' ] || fail "reopen-logs --json"

# events -f: the audit event and the scale it caused
ctl events -f --timeout 3s >"$T/ev" 2>&1 &
EVPID=$!
track "$EVPID"
sleep 0.5
ctl scale 3 >/dev/null
wait "$EVPID" || fail "events -f exited $?"
grep -Eq ' control +gen [0-9]+ \{"cmd":"scale","args":\{"workers":3\},"uid":[0-9]+,"pid":[0-9]+\}' "$T/ev" ||
    fail "no control event: $(cat "$T/ev")"
grep -Eq ' scale ' "$T/ev" || fail "no scale event: $(cat "$T/ev")"
ctl --json events -f --timeout 2s >"$T/evj" &
EVPID=$!
track "$EVPID"
sleep 0.5
ctl ttou >/dev/null
wait "$EVPID" || fail "events -f --json"
jq -s -e 'map(select(.event == "control")) | .[0].detail.cmd == "ttou"' "$T/evj" \
    >/dev/null || fail "events --json: $(cat "$T/evj")"

# call: one raw request, the raw answer
[ "$(ctl call '{"id":"x","cmd":"ping"}')" = '{"id":"x","ok":true,"result":{"pong":true}}' ] ||
    fail "call"

# the audit trail is in the log with the peer's uid and pid
log_has "control: scale \\{\"workers\":16\\} from uid $(id -u) pid [0-9]+" ||
    fail "scale not logged with uid and pid"

# stop: {} then gwd exits 0 and removes its socket
[ "$(ctl stop)" = "gwd is stopping" ] || fail "stop"
wait_gwd_exit 15 || fail "gwd still running after stop"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"
[ ! -e "$CTL" ] || fail "socket left behind"
log "ok"
