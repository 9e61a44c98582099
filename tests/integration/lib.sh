# lib.sh: sourced by every integration test.  Gives each test a private
# temporary directory, a private runtime and state directory for gwd, helpers
# to start gwd, wait for conditions and inspect processes, and a cleanup trap
# that kills only the processes the test started, by pid.
#
# Exit status of a test: 0 pass, 77 skip (with a printed reason), else fail.

set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
GWD=$top_builddir/gwd
GWCTL=$top_builddir/gwctl
TW=$top_builddir/tests/helpers/testworker
TEST_NAME=$(basename "$0" .sh)

T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-$TEST_NAME.XXXXXX")
chmod 755 "$T"		# --user tests: workers must reach their files
mkdir -m 0700 "$T/run"
mkdir -m 0755 "$T/state" "$T/tw"
# gwd's default paths (section 1 of the spec) land in $T, never in /run.
RUNTIME_DIRECTORY=$T/run
STATE_DIRECTORY=$T/state
TW_STATE_DIR=$T/tw
export RUNTIME_DIRECTORY STATE_DIRECTORY TW_STATE_DIR
unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES WATCHDOG_USEC \
    WATCHDOG_PID GWD_SOCKET 2>/dev/null || true
# Fail the test if it touched the system default paths (syspaths.inc).
. "$top_srcdir/tests/integration/syspaths.inc"

NAME=t$$
CTL=$T/run/$NAME.sock
LOG=$T/gwd.log
GWD_PID=
# Every pid this test is responsible for (gwd, workers, grandchildren).
TRACKED=

# Tests that do not need the test worker still want gwd itself.
[ -x "$GWD" ] || { echo "SKIP: $GWD not built"; exit 77; }

now_ms() {
	date +%s%3N
}

log() {
	echo "[$TEST_NAME $(date +%T.%3N)] $*"
}

# Print the reason, the end of gwd's log, and fail.
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -s "$LOG" ]; then
		echo "--- last 50 lines of $LOG ---" >&2
		tail -n 50 "$LOG" >&2
		echo "---" >&2
	fi
	exit 1
}

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

track() {
	TRACKED="$TRACKED $*"
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) ||
	    return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Children of PID (default gwd) that have exec'd the test worker: a child
# that is still between fork and exec is called gwd, not testworker.
workers_of() {
	pgrep -P "${1:-$GWD_PID}" -x testworker 2>/dev/null | sort -n || true
}

count_workers() {
	workers_of "${1:-$GWD_PID}" | grep -c . || true
}

# All live children of PID, whatever they run.
children_of() {
	pgrep -P "$1" 2>/dev/null || true
}

# A TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
		return
	fi
	local p
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || break
	done
	echo "$p"
}

# wait_for 'SHELL CONDITION' [SECONDS]: poll every 50 ms until the condition
# holds (0) or the deadline passes (1).
wait_for() {
	local cond=$1 limit=${2:-10} end
	end=$(( $(now_ms) + limit * 1000 ))
	while ! eval "$cond" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
	return 0
}

# start_gwd ARGS...: gwd in the background with a private name, runtime
# and state directory; stdout and stderr (and so the workers' output) go to
# $LOG.  Sets GWD_PID.
start_gwd() {
	"$GWD" --name "$NAME" "$@" >>"$LOG" 2>&1 &
	GWD_PID=$!
	track "$GWD_PID"
}

# wait_workers N [SECONDS]: until gwd has exactly N test workers.
wait_workers() {
	wait_for "[ \"\$(count_workers)\" -eq $1 ]" "${2:-10}"
}

# gwd_exited: gwd is gone (and reaped by us, so $? is known in GWD_STATUS).
wait_gwd_exit() {
	local limit=${1:-10}
	wait_for "! alive $GWD_PID" "$limit" || return 1
	GWD_STATUS=0
	wait "$GWD_PID" 2>/dev/null || GWD_STATUS=$?
	return 0
}

http_get() {
	curl -s --max-time 2 "http://127.0.0.1:$1${2:-/}"
}

# Lines in gwd's log matching an extended regular expression.
log_count() {
	grep -cE "$1" "$LOG" 2>/dev/null || true
}

log_has() {
	grep -qE "$1" "$LOG" 2>/dev/null
}

# log_ms REGEX: the time (ms since the epoch) of the first log line that
# matches; gwd's own clock, so waits measured with it do not depend on how
# quickly this script noticed anything.
log_ms() {
	date -d "$(grep -m1 -E "$1" "$LOG" | cut -d' ' -f1)" +%s%3N
}

wait_log() {
	wait_for "log_has '$1'" "${2:-10}"
}

# sd_stand_in [SECONDS]: a stand-in for systemd's notify socket at
# S=$T/systemd.notify, for SECONDS (default 60): every datagram becomes one
# line of $T/msgs, "TIME KEY=VALUE|KEY=VALUE".  Sets S and RECV.
sd_stand_in() {
	S=$T/systemd.notify
	python3 - "$S" "$T/msgs" "${1:-60}" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + float(sys.argv[3])
with open(sys.argv[2], "w", buffering=1) as out:
    while time.time() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        out.write("%.3f %s\n" % (time.time(),
                  data.decode(errors="replace").replace("\n", "|")))
PY
	RECV=$!
	track "$RECV"
	wait_for "[ -S '$S' ]" 5 || fail "no stand-in notify socket"
}

# refused_everywhere LABEL TEXT: the file $T/gwd.conf can never work, and
# every door says so alike: --check-config and a start exit 2 with the same
# message, which contains TEXT (a fixed string, such as FILE:LINE: KEY); a
# reload of the running gwd (started from that file) exits 1 with TEXT; and
# its workers do not change.
refused_everywhere() {
	local rc out before
	before=$(workers_of)
	rc=0
	"$GWD" --name "check$$" -c "$T/gwd.conf" --check-config \
	    >/dev/null 2>"$T/check.err" || rc=$?
	[ "$rc" = 2 ] || fail "$1: --check-config exit $rc, want 2"
	grep -qF -- "$2" "$T/check.err" ||
	    fail "$1: --check-config said: $(cat "$T/check.err")"
	rc=0
	timeout 10 "$GWD" --name "start$$" -c "$T/gwd.conf" \
	    >/dev/null 2>"$T/start.err" || rc=$?
	[ "$rc" = 2 ] || fail "$1: start exit $rc, want 2"
	cmp -s "$T/check.err" "$T/start.err" ||
	    fail "$1: start said '$(cat "$T/start.err")', --check-config '$(cat "$T/check.err")'"
	rc=0
	out=$(timeout 10 "$GWCTL" -s "$CTL" reload --wait 2>&1) || rc=$?
	[ "$rc" = 1 ] || fail "$1: reload exit $rc, want 1 ($out)"
	echo "$out" | grep -qF -- "$2" || fail "$1: reload said: $out"
	[ "$(workers_of)" = "$before" ] || fail "$1: the workers changed"
	log "$1: refused: $(cat "$T/check.err")"
}

# CPU ticks (utime + stime) a process has used.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# The pgid of a process (field 5 of /proc/PID/stat).
pgid_of() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $3 }'
}

# The value of KEY in a test worker report (--report-fds FILE.PID).
report_get() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# The environment variable KEY a test worker report recorded.
report_env() {
	sed -n "s/^env\\.$2=//p" "$1" | head -n 1
}

# Wait for a process to be gone; 1 if it outlives the limit.
wait_gone() {
	wait_for "! alive $1" "${2:-5}"
}

# Kill what we started: gwd first (it should take its workers along), then
# anything it left behind.  Only pids this test started or saw as children.
cleanup() {
	local p pids kids san rc=$?
	set +e
	pids=$TRACKED
	for p in $TRACKED; do
		kids=$(children_of "$p")
		pids="$pids $kids"
		for k in $kids; do
			pids="$pids $(children_of "$k")"
		done
	done
	for f in "$T"/tw/grandchild.* "$T"/gc.*; do
		[ -f "$f" ] && pids="$pids $(cat "$f")"
	done
	if [ -n "$GWD_PID" ] && alive "$GWD_PID"; then
		kill -TERM "$GWD_PID" 2>/dev/null
		wait_for "! alive $GWD_PID" 5 || kill -KILL "$GWD_PID" 2>/dev/null
	fi
	for p in $pids; do
		alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	for p in $TRACKED; do
		wait "$p" 2>/dev/null
	done
	# In a sanitizer build, gwd's reports land in its log: they fail the
	# test even when everything else passed.
	san=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$T"/*.log 2>/dev/null || true)
	if [ -n "$san" ]; then
		echo "FAIL: $TEST_NAME: sanitizer report in $san:" >&2
		grep -hE -A30 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		    $san | head -n 60 >&2
		rc=1
	fi
	syspaths_check "$TEST_NAME" || rc=1
	if [ "${KEEP_TMP:-}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$TW" ] || skip "$TW not built"
