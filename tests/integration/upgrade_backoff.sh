#!/bin/sh
# upgrade_backoff: an upgrade in the middle of a crash loop keeps the
# backoff.  The worker crashes at boot; once the backoff has grown, the
# master is upgraded: backoff_until, the failure count and the spawn count
# are the same right after (to the 10 ms that
# converting monotonic to unix time allows), and the next spawn waits for the same
# deadline instead of starting at once.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
ctl() { "$GWCTL" -s "$CTL" "$@"; }

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --restart-backoff-max 4s -- "$TW" \
    --mode crash --after 0 --exit-code 3
# The backoff reaches its 4 s cap after a handful of failures.
wait_for '[ "$(ctl --json status | jq .failures)" -ge 6 ]' 20 ||
    fail "no crash loop: $(ctl --json status)"
# Just after a spawn failed: the whole backoff is ahead.
f=$(ctl --json status | jq .failures)
wait_for "[ \"\$(ctl --json status | jq .failures)\" -gt $f ]" 10 ||
    fail "the loop stopped"
before=$(ctl --json status | jq -c '{backoff_until, failures, spawns_total}')
log "before: $before"
[ "$(echo "$before" | jq -r '.backoff_until | type')" = number ] ||
    fail "not in backoff: $before"
# --json, and a relative --binary (gwctl makes it absolute).
out=$(cd "$(dirname "$GWD")" && ctl --json upgrade --binary "./$(basename "$GWD")") ||
    fail "upgrade failed: $out"
log "$out"
VER=$("$GWD" --version | cut -d' ' -f2)
[ "$(echo "$out" | jq -c '[.version, .previous_version, .pid, .workers,
    (.upgraded_at | type)]')" = "[\"$VER\",\"$VER\",$GWD_PID,0,\"number\"]" ] ||
    fail "unexpected answer: $out"
after=$(ctl --json status | jq -c '{backoff_until, failures, spawns_total}')
log "after:  $after"
# backoff_until is monotonic time shown as unix time: equal to the ms.
[ "$(echo "$after" | jq -c 'del(.backoff_until)')" = \
  "$(echo "$before" | jq -c 'del(.backoff_until)')" ] ||
    fail "the counts changed: $before -> $after"
jq -n --argjson a "$after" --argjson b "$before" \
    '(($a.backoff_until - $b.backoff_until) | fabs) < 0.01' | grep -q true ||
    fail "backoff_until changed: $before -> $after"
[ "$(ctl --json status | jq -r .state)" = backoff ] || fail "not in backoff"
# The next spawn comes at the deadline, not before.
until_ms=$(echo "$before" | jq '.backoff_until * 1000 | floor')
spawns=$(echo "$before" | jq .spawns_total)
wait_for "[ \"\$(ctl --json status | jq .spawns_total)\" -gt $spawns ]" 10 ||
    fail "no spawn after the backoff"
now=$(now_ms)
log "next spawn $((now - until_ms)) ms after backoff_until"
[ "$now" -ge "$until_ms" ] || fail "spawned before the backoff ended"
log "ok"
