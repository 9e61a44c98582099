#!/bin/sh
# stats_rows.sh: crash, kill, scale and reload workers, then find every
# row in the database, with the sqlite3 shell and with gwctl, while gwd
# runs and after it is gone.
. "$(dirname "$0")/stats_common.inc"

start_gwd --stats-db "$DB" --stats-interval 1s --workers 2 \
    --readiness spawn --graceful-timeout 2s -- sleep 300
wait_eq 10 2 ready_count || fail "2 workers not ready"

# A crash: a signal nobody in gwd sent.
set -- $(worker_pids)
victim=$1
kill -SEGV "$victim"
wait_eq 10 1 q "SELECT count(*) FROM events WHERE event = 'exit' AND pid = $victim" ||
	fail "no exit row for the crashed pid $victim"
row=$(q "SELECT reason || ' ' || coalesce(signal, '-') || ' ' || coalesce(exit_status, '-') FROM events WHERE event = 'exit' AND pid = $victim")
[ "$row" = "crash 11 -" ] || fail "crash row: $row"
q "SELECT json_extract(detail, '\$.uptime_s') FROM events WHERE event = 'exit' AND pid = $victim" |
	grep -Eq '^[0-9.]+$' || fail "no uptime in the exit detail"

# gwctl kill: reason killed.
wait_eq 10 2 ready_count || fail "crashed worker not replaced"
ctl kill 1 KILL >/dev/null || fail "gwctl kill"
wait_eq 10 1 q "SELECT count(*) FROM events WHERE event = 'exit' AND reason = 'killed'" ||
	fail "no exit row with reason killed"

# Scale up and down: scale rows, exits with reason scale.
wait_eq 10 2 ready_count || fail "killed worker not replaced"
ctl scale 4 >/dev/null || fail "scale 4"
wait_eq 10 4 ready_count || fail "not scaled to 4"
ctl scale 2 >/dev/null || fail "scale 2"
wait_eq 10 2 q "SELECT count(*) FROM events WHERE event = 'exit' AND reason = 'scale'" ||
	fail "no 2 exit rows with reason scale"
[ "$(q "SELECT count(*) FROM events WHERE event = 'scale'")" -ge 2 ] ||
	fail "no scale rows"

# Reload: reload_start, reload_done, exits with reason reload.
ctl reload --wait >/dev/null || fail "reload"
wait_eq 10 1 q "SELECT count(*) FROM events WHERE event = 'reload_done'" ||
	fail "no reload_done row"
wait_eq 10 2 q "SELECT count(*) FROM events WHERE event = 'exit' AND reason = 'reload'" ||
	fail "no 2 exit rows with reason reload"
[ "$(q "SELECT count(*) FROM events WHERE event = 'reload_start'")" = 1 ] ||
	fail "no reload_start row"

# The audit trail: control rows with the command and the peer.
row=$(q "SELECT json_extract(detail, '\$.cmd') || ' ' || json_extract(detail, '\$.args.workers') || ' ' || json_extract(detail, '\$.uid') FROM events WHERE event = 'control' AND json_extract(detail, '\$.cmd') = 'scale' ORDER BY id LIMIT 1")
[ "$row" = "scale 4 $(id -u)" ] || fail "control row: $row"

# Samples, with per-worker rows.
wait_ge 5 2 q "SELECT count(*) FROM samples WHERE target = 2 AND ready = 2" ||
	fail "no samples"
[ "$(q "SELECT count(*) FROM worker_samples WHERE rss_kb > 0")" -ge 2 ] ||
	fail "no worker samples"
[ "$(q "SELECT max(master_rss_kb) > 0 FROM samples")" = 1 ] ||
	fail "no master RSS in samples"

# gwctl through the daemon.
spawns=$(q "SELECT count(*) FROM events WHERE event = 'spawn'")
[ "$spawns" -ge 8 ] || fail "only $spawns spawn rows"
ctl --json stats --since 1h >"$T/sum.json" || fail "gwctl stats"
n=$(json 'j["spawns"]' <"$T/sum.json")
[ "$n" -ge 8 ] || fail "gwctl stats spawns: $n"
[ "$(json 'j["exits"]["crash"]' <"$T/sum.json")" = 1 ] || fail "summary crash count"
[ "$(json 'j["reloads"]["ok"]' <"$T/sum.json")" = 1 ] || fail "summary reloads"
ctl stats --since 1h >"$T/sum.txt" || fail "gwctl stats (human)"
grep -q "spawns" "$T/sum.txt" || fail "human summary: $(cat "$T/sum.txt")"
ctl stats --events --since 30m >"$T/ev.txt" || fail "gwctl stats --events"
grep -q "^TIME" "$T/ev.txt" || fail "events table header"
grep -q "SIGSEGV" "$T/ev.txt" || fail "events table shows no SIGSEGV"
ctl stats --samples >"$T/s.txt" || fail "gwctl stats --samples"
grep -q "WORKERS_RSS" "$T/s.txt" || fail "samples table"

# gwctl --db while gwd writes.
"$GWCTL" stats --db "$DB" --json --events --since 1h >"$T/db.json" ||
	fail "gwctl stats --db while gwd runs"
[ "$(json 'len([r for r in j["rows"] if r["event"] == "spawn"])' <"$T/db.json")" -ge 8 ] ||
	fail "gwctl --db rows"

# And with no daemon at all.
stop_gwd
[ "$(q "SELECT count(*) FROM events WHERE event = 'master_stop'")" = 1 ] ||
	fail "no master_stop row"
[ "$(q "SELECT count(*) FROM events WHERE event = 'exit' AND reason = 'shutdown'")" = 2 ] ||
	fail "no shutdown exits"
"$GWCTL" -s "$T/nothing.sock" stats --db "$DB" --since 1h >"$T/sum2.txt" ||
	fail "gwctl stats --db with no daemon"
grep -q "spawns" "$T/sum2.txt" || fail "summary without daemon"
"$GWCTL" stats --db "$DB" --json --events --since 1h |
	json 'j["rows"][-1]["event"]' | grep -qx master_stop ||
	fail "last event is not master_stop"
# gwctl takes the row limit the database takes (gwd-stats(5)), no more.
"$GWCTL" stats --db "$DB" --events --limit 10000 >/dev/null ||
	fail "--limit 10000 refused"
rc=0
"$GWCTL" stats --db "$DB" --events --limit 10001 >/dev/null 2>"$T/lim" || rc=$?
[ "$rc" -eq 2 ] && grep -q '1\.\.10000' "$T/lim" ||
	fail "--limit 10001: exit $rc, $(cat "$T/lim")"
[ "$(q 'PRAGMA user_version')" -ge 2 ] || fail "schema version"
[ "$(q 'PRAGMA journal_mode')" = wal ] || fail "not WAL"
echo "PASS"
