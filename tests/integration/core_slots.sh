#!/bin/sh
# core_slots: a worker's replacement reuses its slot: kill worker 2, a new
# pid gets GWD_WORKER_ID=2 and the ids stay 1..3.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 3 -- "$TW" --report-fds "$T/tw/r"
wait_workers 3 || fail "no workers"
wait_for "[ \$(ls $T/tw | grep -c '^r\\.[0-9]*\$') -ge 3 ]" 5 || fail "no reports"

id_of() {
	report_env "$T/tw/r.$1" GWD_WORKER_ID
}
ids() {
	for p in $(workers_of); do id_of "$p"; done | sort -n | tr '\n' ' '
}
[ "$(ids)" = "1 2 3 " ] || fail "ids are '$(ids)', want 1 2 3"
victim=
for p in $(workers_of); do
	[ "$(id_of "$p")" = 2 ] && victim=$p
done
[ -n "$victim" ] || fail "no worker with id 2"
kill -KILL "$victim"
wait_gone "$victim" 3 || fail "worker $victim did not die"
wait_for "[ \$(count_workers) -eq 3 ] && ! workers_of | grep -qx $victim" 5 ||
    fail "worker 2 not replaced"
new=
for p in $(workers_of); do
	[ "$(id_of "$p")" = 2 ] && new=$p
done
[ -n "$new" ] && [ "$new" != "$victim" ] || fail "slot 2 not reused"
[ "$(ids)" = "1 2 3 " ] || fail "ids are '$(ids)' after the replacement"
[ "$(report_env "$T/tw/r.$new" GWD_GENERATION)" = 1 ] ||
    fail "replacement changed generation"

# And again through the default stop signal: same slot, same rule.
kill -TERM "$new"
wait_gone "$new" 3 || fail "worker $new did not stop"
wait_for "[ \$(count_workers) -eq 3 ] && ! workers_of | grep -qx $new" 5 ||
    fail "worker 2 not replaced after TERM"
[ "$(ids)" = "1 2 3 " ] || fail "ids are '$(ids)' after the second replacement"
log "ok: slot 2: $victim -> $new -> another"
