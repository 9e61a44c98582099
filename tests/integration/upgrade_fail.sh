#!/bin/sh
# upgrade_fail: upgrades that must not happen leave the old image serving.
# A missing binary, a file that is not executable, a program that exits 1,
# one that is not gwd, a gwd without in-place upgrade or with another
# state format, and one that never answers are refused, and so is an exec
# that fails after the check, all with
# `gwctl upgrade` exiting 1 and naming the cause; the master keeps its pid,
# its version and its workers and answers gwctl.  An upgrade during a
# reload, after the configuration file changed, or while gwd stops gets
# `conflict`.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
ctl() { "$GWCTL" -s "$CTL" "$@"; }
pids() { ctl --json workers | jq -r '[.workers[].pid] | sort | join(" ")'; }
ready() { [ "$(ctl --json status | jq .workers.ready)" = "$1" ]; }
code() { ctl call "$1" | jq -r .error.code; }

PORT=$(free_port)
cat >"$T/gwd.conf" <<CONF
workers = 2
readiness = notify
graceful-timeout = 10s
CONF
start_gwd -c "$T/gwd.conf" -b "127.0.0.1:$PORT" -- "$TW" --mode serve \
    --boot-delay 2s --term-delay 3s
wait_for "ready 2" 10 || fail "the pool did not become ready"
PIDS0=$(pids)
VER=$("$GWD" --version | cut -d' ' -f2)

# still_serving WHAT: nothing changed.
still_serving() {
	alive "$GWD_PID" || fail "$1: gwd is gone"
	[ "$(ctl --json status | jq -r .version)" = "$VER" ] ||
	    fail "$1: the version changed"
	[ "$(ctl --json status | jq -r .pid)" = "$GWD_PID" ] ||
	    fail "$1: the pid changed"
	[ "$(ctl --json status | jq -r .upgraded_at)" = null ] ||
	    fail "$1: upgraded_at is set"
	[ "$(pids)" = "$PIDS0" ] || fail "$1: the workers changed"
}

# refused BINARY WHY: gwctl upgrade exits 1 and says WHY.
refused() {
	local rc=0 out
	out=$(ctl upgrade --binary "$1" 2>&1) || rc=$?
	log "$out"
	[ "$rc" = 1 ] || fail "upgrade to $1: exit $rc ($out)"
	echo "$out" | grep -q -- "$2" || fail "upgrade to $1: '$out' lacks '$2'"
	still_serving "$1"
}

refused "$T/missing" "No such file or directory"
cp "$GWD" "$T/noexec"
chmod 644 "$T/noexec"
refused "$T/noexec" "Permission denied"
printf '#!/bin/sh\nexit 1\n' >"$T/exit1"
chmod 755 "$T/exit1"
refused "$T/exit1" "exited 1"
printf '#!/bin/sh\necho hello\n' >"$T/notgwd"
chmod 755 "$T/notgwd"
refused "$T/notgwd" "not a gwd binary"
# A gwd from before in-place upgrades, or with another state format,
# could not adopt the workers.
printf '#!/bin/sh\necho gwd 0.0.1\n' >"$T/oldgwd"
chmod 755 "$T/oldgwd"
refused "$T/oldgwd" "gwd 0.0.1 cannot adopt a running master"
printf '#!/bin/sh\necho gwd 9.9\necho upgrade-format 2\n' >"$T/format2"
chmod 755 "$T/format2"
refused "$T/format2" "gwd 9.9 reads upgrade state format 2"
# A gwd that answers --version but would not start on this command line
# and file (a new version that refuses an option, or a binary that only
# knows how to print its version): the check runs the master's own
# command line with --check-config, so it is refused before the exec.
printf '#!/bin/sh\nexec "%s" --drain-delay bogus "$@"\n' "$GWD" >"$T/strict"
chmod 755 "$T/strict"
refused "$T/strict" "it refuses the configuration: --drain-delay: expected a number"
printf '#!/bin/sh\n[ "$1" = --version ] || exit 1\necho gwd 9.9\necho upgrade-format 1\n' \
    >"$T/versiononly"
chmod 755 "$T/versiononly"
refused "$T/versiononly" "its check exited 1"
printf '#!/bin/sh\nexec sleep 30\n' >"$T/hang"
chmod 755 "$T/hang"
refused "$T/hang" "did not answer within 5 s"
refused "$T" "not a regular file"
log_has 'upgrade refused: .*missing: No such file' ||
    fail "no log line for the failed upgrade"

# The configuration file changed: the workers run the old one.
echo "workers = 3" >>"$T/gwd.conf"
[ "$(code '{"cmd":"upgrade"}')" = conflict ] ||
    fail "upgrade with a changed configuration file: not conflict"
ctl upgrade 2>&1 | grep -q "configuration file changed" ||
    fail "the conflict does not name the configuration file"
still_serving "changed file"
sed -i '$d' "$T/gwd.conf"

# During a reload: the new workers take 2 s to boot.
kill -HUP "$GWD_PID"
wait_for '[ "$(ctl --json status | jq -r .state)" = reloading ]' 5 ||
    fail "no reload running"
[ "$(code '{"cmd":"upgrade"}')" = conflict ] ||
    fail "upgrade during a reload: not conflict"
ctl upgrade 2>&1 | grep -q "reload is running" ||
    fail "the conflict does not name the reload"
wait_for '[ "$(ctl --json status | jq -r .state)" = running ]' 20 ||
    fail "the reload did not end"
PIDS0=$(pids)

# The check passes but exec fails (the file is gone by then): the old
# image takes everything back.  The fds it had kept for the exec are
# close-on-exec again, its signals work (TTIN adds a worker), and so does
# its stats writer.
printf '#!/bin/sh\necho gwd 9.9\necho upgrade-format 1\nrm -f "$0"\n' \
    >"$T/vanish"
chmod 755 "$T/vanish"
# The fds of gwd (but 0-2) that would survive an exec: none of its own,
# but what it inherited from whoever started it.
kept_fds() {
	local f fl
	for f in /proc/"$GWD_PID"/fdinfo/*; do
		[ "${f##*/}" -gt 2 ] || continue
		fl=$(sed -n 's/^flags:[[:space:]]*//p' "$f")
		[ -n "$fl" ] && [ $((0$fl & 02000000)) -eq 0 ] && echo "${f##*/}"
	done
	return 0
}
kept0=$(kept_fds)
refused "$T/vanish" "cannot exec $T/vanish: No such file or directory"
[ "$(kept_fds)" = "$kept0" ] ||
    fail "after the failed exec, fds without close-on-exec: $(kept_fds), before: $kept0"
log_has "upgrade: exec $T/vanish" || fail "no exec was tried"
[ "$(ctl --json status | jq -r .stats.state)" = ok ] ||
    fail "the stats writer did not come back: $(ctl --json status | jq .stats)"
kill -TTIN "$GWD_PID"
wait_for "ready 3" 10 || fail "TTIN after the failed exec"
ctl --json stats >/dev/null || fail "stats after the failed exec"

# While stopping (workers take 3 s to go).
ctl stop >/dev/null
wait_for '[ "$(ctl --json status | jq -r .state)" = stopping ]' 5 ||
    fail "not stopping"
[ "$(code '{"cmd":"upgrade"}')" = conflict ] ||
    fail "upgrade while stopping: not conflict"
wait_gwd_exit 15 || fail "gwd did not exit"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"

# While draining (--drain-delay): the drain's timer would not cross the
# exec, and gwd would never stop.
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" --drain-delay 60s -w 1 \
    --hook "scale=/bin/sleep 3" -- "$TW"
wait_for "ready 1" 10 || fail "the second gwd did not become ready"
# While a hook runs: its pipe, time limit and exit status would be lost.
ctl scale 2 >/dev/null || fail "scale"
out=$(ctl upgrade 2>&1) && fail "upgrade while a hook runs: $out"
echo "$out" | grep -q '1 hook is running' ||
    fail "upgrade while a hook runs: '$out'"
wait_log 'hook scale \(pid [0-9]+\) exited 0' 10 || fail "the hook did not end"
kill -TERM "$GWD_PID"
wait_for '[ "$(ctl --json status | jq -r .state)" = draining ]' 5 ||
    fail "not draining"
[ "$(code '{"cmd":"upgrade"}')" = conflict ] ||
    fail "upgrade while draining: not conflict"
kill -TERM "$GWD_PID"	# a second SIGTERM ends the drain
wait_gwd_exit 15 || fail "gwd did not exit after the drain"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS after the drain"
log "ok"
