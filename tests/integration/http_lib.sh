# http_lib.sh: shared by tests/integration/http_*.sh (sourced, not run).
# Starts gwd-http under tests/helpers/http_launch.py (socket activation on
# a random free loopback port, an sd_notify receiver), and gives small
# helpers.  Every wait is bounded; cleanup kills only what we started.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
GWD_HTTP="$top_builddir/gwd-http"
LAUNCH="$top_srcdir/tests/helpers/http_launch.py"

for tool in curl socat python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done
[ -x "$GWD_HTTP" ] || { echo "FAIL: $GWD_HTTP not built"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/gwd-http-test.XXXXXX")
LPID=""
# A gwd started by a test (http_scale_load) keeps its default paths (the
# notify socket, the lock) in $T, never in /run/gwd.
RUNTIME_DIRECTORY=$T
STATE_DIRECTORY=$T
export RUNTIME_DIRECTORY STATE_DIRECTORY
unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES WATCHDOG_USEC \
    WATCHDOG_PID GWD_SOCKET 2>/dev/null || true
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/syspaths.inc"
cleanup() {
	_rc=$?
	if [ -n "$LPID" ] && kill -0 "$LPID" 2>/dev/null; then
		for p in $(cat "$T/pids" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		kill -9 "$LPID" 2>/dev/null
	fi
	syspaths_check "$(basename "$0" .sh)" || _rc=1
	rm -rf "$T"
	exit $_rc
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	if [ -f "$T/stderr" ]; then
		echo "--- worker stderr:"
		cat "$T/stderr"
	fi
	exit 1
}

# wait_for SECONDS COMMAND...: poll every 50 ms until COMMAND succeeds.
wait_for() {
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# start_http [--workers N] [--watchdog-usec U] [--no-notify] -- ARGS...
start_http() {
	_largs=""
	_notify="--notify-log $T/notify"
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		case $1 in
		--no-notify) _notify="" ;;
		*) _largs="$_largs $1" ;;
		esac
		shift
	done
	[ "${1:-}" = "--" ] && shift
	rm -f "$T/port" "$T/pids" "$T/notify"
	# shellcheck disable=SC2086
	python3 "$LAUNCH" $_largs $_notify --port-file "$T/port" \
	    --pid-file "$T/pids" -- "$GWD_HTTP" "$@" 2>"$T/stderr" &
	LPID=$!
	wait_for 10 test -s "$T/pids" || fail "launcher did not start"
	wait_for 10 test -s "$T/port" || fail "no port"
	PORT=$(cat "$T/port")
	WPID=$(head -n 1 "$T/pids")
	if [ -n "$_notify" ]; then
		_want=$(wc -l <"$T/pids")
		wait_for 10 sh -c "[ \$(grep -c ' READY=1\$' '$T/notify' \
		    2>/dev/null || echo 0) -ge $_want ]" ||
		    fail "no READY=1 from the workers"
	else
		wait_for 10 sh -c "curl -s -o /dev/null http://127.0.0.1:$PORT/" ||
		    fail "worker not answering"
	fi
	URL="http://127.0.0.1:$PORT"
}

# stop_http: TERM through the launcher, wait (bounded) for everyone;
# every worker must exit 0.
stop_http() {
	[ -n "$LPID" ] || return 0
	kill -TERM "$LPID" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $LPID 2>/dev/null" ||
	    fail "workers did not stop within 10 s"
	# the launcher exits non-zero if a worker did (a sanitizer report too)
	wait "$LPID" || fail "a worker exited non-zero: $(cat "$T/stderr")"
	LPID=""
}

# raw TEXT: send TEXT (printf format) on one connection, print the reply.
raw() {
	# shellcheck disable=SC2059
	printf "$1" | timeout 10 socat -t 3 - "TCP:127.0.0.1:$PORT"
}

# status_of TEXT: the status code of the first reply to raw TEXT.
status_of() {
	raw "$1" | head -n 1 | cut -d ' ' -f 2
}
