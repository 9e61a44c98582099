#!/bin/sh
# hooks_timeout: a hook past --hook-timeout gets SIGTERM, one that ignores
# it SIGKILL 1 s later (its whole process group), both logged and recorded
# with timed_out; meanwhile the master answers at once and keeps
# supervising; a hook's orphaned background child is reaped (no zombie).
. "$(dirname "$0")/lib.sh"

cat >"$T/slow.sh" <<'SH'
#!/bin/sh
echo $$ >>"$HOOKDIR/slow.pid"
exec sleep 30
SH
cat >"$T/stubborn.sh" <<'SH'
#!/bin/sh
# Ignored signals stay ignored across exec: sleep ignores TERM too.
trap '' TERM
echo $$ >>"$HOOKDIR/stubborn.pid"
sleep 30
SH
cat >"$T/orphan.sh" <<'SH'
#!/bin/sh
# Leaves a child behind that outlives the hook by a little.
sleep 0.3 &
echo $! >"$HOOKDIR/orphan.pid"
SH
chmod +x "$T/slow.sh" "$T/stubborn.sh" "$T/orphan.sh"
mkdir "$T/h"
export HOOKDIR=$T/h

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness-grace 0 --hook-timeout 1s \
    --stats-db "$T/stats.db" \
    --hook "scale=$T/slow.sh" --hook "scale=$T/stubborn.sh" \
    --hook "ready=$T/orphan.sh" -- "$TW"
wait_workers 1 || fail "no worker"

# The orphan of the ready hook is reaped by gwd (its subreaper).
wait_for "[ -s $T/h/orphan.pid ]" 5 || fail "no ready hook"
orphan=$(cat "$T/h/orphan.pid")
track "$orphan"
wait_for "[ ! -e /proc/$orphan ]" 5 ||
    fail "the hook's orphan $orphan was not reaped ($(cat /proc/$orphan/stat))"

t0=$(now_ms)
"$GWCTL" -s "$CTL" scale 2 >/dev/null || fail "scale"
wait_for "[ -s $T/h/slow.pid ] && [ -s $T/h/stubborn.pid ]" 5 ||
    fail "the scale hooks did not start"
slow=$(head -n 1 "$T/h/slow.pid")
stubborn=$(head -n 1 "$T/h/stubborn.pid")
track "$slow" "$stubborn" $(sed 1d "$T/h/slow.pid" "$T/h/stubborn.pid")
# While both hooks sleep, the master answers and acts at once.
t1=$(now_ms)
"$GWCTL" -s "$CTL" status >/dev/null || fail "status while hooks run"
"$GWCTL" -s "$CTL" scale 3 >/dev/null || fail "scale while hooks run"
t2=$(now_ms)
[ $((t2 - t1)) -lt 800 ] || fail "control took $((t2 - t1)) ms while hooks ran"
wait_workers 3 || fail "no third worker while hooks ran"

# At 1 s: SIGTERM to both; the stubborn one gets SIGKILL at 2 s.
wait_log "hook scale \\(pid $slow\\) killed by SIGTERM" 4 ||
    fail "slow hook not ended by SIGTERM"
log_has "hook scale \\(pid $slow\\) still running at its time limit \\(1(\\.0)?s\\): sending SIGTERM" ||
    fail "the SIGTERM is not logged"
wait_log "hook scale \\(pid $stubborn\\) killed by SIGKILL" 4 ||
    fail "stubborn hook not ended by SIGKILL"
log_has "hook scale \\(pid $stubborn\\) still running 1000 ms after SIGTERM: sending SIGKILL" ||
    fail "the SIGKILL is not logged"
dt=$(( $(log_ms "pid $stubborn\\) killed by SIGKILL") - t0 ))
log "stubborn hook killed $dt ms after the scale"
[ "$dt" -ge 1800 ] || fail "stubborn hook killed after $dt ms, before 2 s"
[ "$dt" -le 4000 ] || fail "stubborn hook killed after $dt ms, late"
wait_for "! alive $slow && ! alive $stubborn" 3 || fail "hooks still alive"
# The sleep of the stubborn hook, in its process group, is gone too.
[ -z "$(pgrep -g "$stubborn" 2>/dev/null)" ] ||
    fail "the stubborn hook's group survived"
wait_for "[ \"\$(sqlite3 $T/stats.db \"select count(*) from events where \
event = 'hook' and json_extract(detail, '\$.timed_out')\")\" -eq 4 ]" 10 ||
    fail "timed-out hooks not recorded"
# The later scale ran its hooks too, and the pool is whole.
[ "$(count_workers)" -eq 3 ] || fail "pool is not 3"
log "ok"
