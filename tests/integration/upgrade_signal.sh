#!/bin/sh
# upgrade_signal: SIGUSR2 upgrades in place like `gwctl upgrade`, to the
# path gwd was started as, after a package update replaced the file there
# (so /proc/PID/exe names a deleted file).  Under a stand-in for systemd's
# notify socket, the new image still talks to systemd (STATUS=, watchdog
# pings) and nothing else: no READY=1, no RELOADING=1, no MAINPID=.  A
# SIGUSR2 to a broken binary at that path leaves the running image alone.
. "$(dirname "$0")/lib.sh"

GWD_NEXT=$top_builddir/gwd-next
[ -x "$GWD_NEXT" ] || skip "$GWD_NEXT not built"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
ctl() { "$GWCTL" -s "$CTL" "$@"; }
pids() { ctl --json workers | jq -r '[.workers[].pid] | sort | join(" ")'; }
ready() { [ "$(ctl --json status | jq .workers.ready)" = "$1" ]; }
VER=$("$GWD" --version | cut -d' ' -f2)
NEXT=$("$GWD_NEXT" --version | cut -d' ' -f2)

sd_stand_in 40

# The installed binary, as a package manager would have put it.
mkdir "$T/sbin"
cp "$GWD" "$T/sbin/gwd"
GWD=$T/sbin/gwd
PORT=$(free_port)
NOTIFY_SOCKET=$S WATCHDOG_USEC=400000 start_gwd -b "127.0.0.1:$PORT" -w 3 \
    --pid "$T/gwd.pid" --stats-db "$T/stats.db" -- "$TW" --mode serve
wait_for "ready 3" 10 || fail "the pool did not become ready"
wait_for "grep -q 'READY=1' '$T/msgs'" 5 || fail "no READY=1"
PIDS0=$(pids)

# The package update: a new file renamed over the old one.
cp "$GWD_NEXT" "$T/sbin/gwd.new"
mv "$T/sbin/gwd.new" "$T/sbin/gwd"
readlink "/proc/$GWD_PID/exe" | grep -q deleted ||
    fail "the running binary is not shown as deleted"
: >"$T/msgs"
kill -USR2 "$GWD_PID"
wait_for '[ "$(ctl --json status | jq -r .version)" = "$NEXT" ]' 10 ||
    fail "SIGUSR2 did not upgrade to $NEXT"
[ "$(ctl --json status | jq -r .pid)" = "$GWD_PID" ] || fail "pid changed"
[ "$(pids)" = "$PIDS0" ] || fail "workers changed: $PIDS0 -> $(pids)"
[ "$(cat "$T/gwd.pid")" = "$GWD_PID" ] || fail "the pid file changed"
[ "$(readlink "/proc/$GWD_PID/exe")" = "$T/sbin/gwd" ] ||
    fail "not running the new file: $(readlink "/proc/$GWD_PID/exe")"
log_has "gwd $NEXT: upgraded in place from gwd $VER, pid $GWD_PID, 3 workers adopted" ||
    fail "no log line for the upgrade"
[ "$(ctl --json status | jq -c '.last_upgrade | [.ok, .from, .to]')" = \
    "[true,\"$VER\",\"$NEXT\"]" ] ||
    fail "status.last_upgrade: $(ctl --json status | jq -c .last_upgrade)"
# What systemd saw: the status, and heartbeats from the new image.
wait_for "grep -q 'STATUS=upgraded to gwd $NEXT' '$T/msgs'" 5 ||
    fail "no STATUS= from the new image: $(cat "$T/msgs")"
n=$(grep -c 'WATCHDOG=1' "$T/msgs" || true)
sleep 1
[ "$(grep -c 'WATCHDOG=1' "$T/msgs")" -gt "$n" ] ||
    fail "no watchdog pings from the new image"
! grep -qE 'READY=1|RELOADING=1|MAINPID=|STOPPING=1' "$T/msgs" ||
    fail "systemd was told more than the status: $(cat "$T/msgs")"

# A broken file at that path: SIGUSR2 changes nothing.
printf '#!/bin/sh\nexit 1\n' >"$T/sbin/gwd.new"
chmod 755 "$T/sbin/gwd.new"
mv "$T/sbin/gwd.new" "$T/sbin/gwd"
kill -USR2 "$GWD_PID"
wait_log "upgrade failed: $T/sbin/gwd: its check exited 1" 10 ||
    fail "the broken binary was not refused"
# Nobody asked through gwctl: status and the stats say it too.
[ "$(ctl --json status | jq -r '.last_upgrade.ok')" = false ] ||
    fail "status.last_upgrade: $(ctl --json status | jq -c .last_upgrade)"
ctl --json status | jq -r .last_upgrade.error | grep -q 'its check exited 1' ||
    fail "status.last_upgrade.error: $(ctl --json status | jq -c .last_upgrade)"
ctl status | grep -q '^last upgrade   failed at .*its check exited 1' ||
    fail "gwctl status: $(ctl status | grep upgrade)"
wait_for "ctl --json stats --events | jq -e '[.rows[] | select(.event == \"upgrade\") | .detail | fromjson? // . | select(.ok == false)] | length == 1'" 10 ||
    fail "no failed upgrade event: $(ctl --json stats --events | jq -c '[.rows[] | select(.event == "upgrade")]')"
[ "$(ctl --json status | jq -r .version)" = "$NEXT" ] || fail "version"
[ "$(pids)" = "$PIDS0" ] || fail "workers changed after the refusal"
ctl stop >/dev/null || fail "stop"
wait_gwd_exit 15 || fail "gwd did not exit"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"
log "ok"
