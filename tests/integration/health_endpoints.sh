#!/bin/sh
# health_endpoints: /livez and /readyz on --metrics-bind, the read-only
# `health` command and gwctl health's exit statuses tell one story:
# ready once --ready-min-workers workers are ready (at most the target),
# "N of M required workers ready" while fewer are, "no workers" at target
# 0, "backoff: ..." while a crash loop backs off; 3 when gwd is gone.
# A read-only peer may ask; a stranger is refused.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || skip "no curl"
command -v jq >/dev/null || skip "no jq"
[ -x "$TW" ] || skip "no test worker"
PORT=$(free_port)
MPORT=$(free_port)
M=http://127.0.0.1:$MPORT

# code PATH [CURL ARGS]: the status code; the body goes to $T/body.
code() {
	local p=$1
	shift
	curl -s --max-time 5 -o "$T/body" -w '%{http_code}' "$@" "$M$p"
}
health() {
	"$GWCTL" -s "$CTL" health "$@" >"$T/hout" 2>"$T/herr" && echo 0 ||
	    echo $?
}

# Bash completion knows the command and its flag.
if command -v bash >/dev/null; then
	c=$top_srcdir/contrib/bash-completion/gwctl
	got=$(bash -c '. "$1"; COMP_WORDS=(gwctl heal); COMP_CWORD=1; _gwctl
	    echo "${COMPREPLY[*]}"; COMP_WORDS=(gwctl health --l); COMP_CWORD=2
	    _gwctl; echo "${COMPREPLY[*]}"' _ "$c")
	[ "$got" = "health
--live" ] || fail "bash completion: $got"
fi

# Slot 2 never becomes ready: 1 of 2 required, for as long as we like.
cat >"$T/w.sh" <<SH
#!/bin/sh
[ "\$GWD_WORKER_ID" = 2 ] && exec "$TW" --no-ready
exec "$TW"
SH
chmod +x "$T/w.sh"
start_gwd -b "127.0.0.1:$PORT" -w 2 --ready-min-workers 2 \
    --readiness notify --boot-timeout 1h --metrics-bind "127.0.0.1:$MPORT" \
    -- "$T/w.sh"
wait_for "[ \"\$(code /livez)\" = 200 ]" 10 || fail "no /livez"
[ "$(cat "$T/body")" = ok ] || fail "/livez body: $(cat "$T/body")"
[ "$(code /livez -I)" = 200 ] || fail "HEAD /livez"
[ ! -s "$T/body" ] || grep -q '^HTTP' "$T/body" || fail "HEAD with a body"
wait_for "\"$GWCTL\" -s '$CTL' --json status | jq -e '.workers.ready == 1'" 10 ||
    fail "worker 1 not ready"
[ "$(code /readyz)" = 503 ] || fail "/readyz with 1 of 2: $(cat "$T/body")"
[ "$(cat "$T/body")" = "1 of 2 required workers ready" ] ||
    fail "/readyz reason: $(cat "$T/body")"
code '/readyz?verbose' >/dev/null
grep -qx 'ready_workers: 1' "$T/body" && grep -qx 'min_ready: 2' "$T/body" ||
    fail "/readyz?verbose: $(cat "$T/body")"
[ "$(health)" = 1 ] || fail "gwctl health not 1 with 1 of 2"
[ "$(cat "$T/herr")" = "gwctl: health: 1 of 2 required workers ready" ] ||
    fail "gwctl health reason: $(cat "$T/herr")"
[ "$(health --live)" = 0 ] || fail "gwctl health --live not 0"
"$GWCTL" -s "$CTL" --json health >"$T/j" || true
jq -e '.live == true and .ready == false and .ready_workers == 1 and
    .min_ready == 2 and .target == 2 and .state == "running" and
    .reason == "1 of 2 required workers ready"' "$T/j" >/dev/null ||
    fail "health result: $(cat "$T/j")"

# Scaled to 1, one ready worker is enough: min-ready is capped by the
# target, or a scale would take gwd out of service.
"$GWCTL" -s "$CTL" scale 1 >/dev/null || fail "scale 1"
wait_for "[ \"\$(code /readyz)\" = 200 ]" 10 ||
    fail "/readyz at target 1: $(cat "$T/body")"
[ "$(cat "$T/body")" = ok ] || fail "/readyz body: $(cat "$T/body")"
[ "$(health)" = 0 ] || fail "gwctl health not 0 when ready"
[ "$(cat "$T/hout")" = "ready: 1 of 1 workers ready" ] ||
    fail "gwctl health output: $(cat "$T/hout")"
[ "$(code /readyz -I)" = 200 ] || fail "HEAD /readyz"

# Target 0 (WINCH): never ready, whatever min-ready says.
kill -WINCH "$GWD_PID"
wait_for "[ \"\$(code /readyz)\" = 503 ]" 10 || fail "/readyz at target 0"
[ "$(cat "$T/body")" = "no workers: the target is 0" ] ||
    fail "/readyz at 0: $(cat "$T/body")"
[ "$(health)" = 1 ] || fail "gwctl health at target 0"

# A read-only peer may ask; a stranger may not (needs root for runuser).
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null &&
    id nobody >/dev/null 2>&1 && getent group daemon >/dev/null; then
	mkdir -m 0755 "$T/pub"
	ok=1
	d=$top_builddir
	while [ "$d" != / ]; do
		case $(stat -c %A "$d" | cut -c10) in x|t) ;; *) ok=0 ;; esac
		d=$(dirname "$d")
	done
	if [ $ok = 1 ]; then
		"$GWCTL" -s "$CTL" stop --wait >/dev/null || fail "stop"
		P2=$(free_port)
		start_gwd -b "127.0.0.1:$P2" -w 1 --readiness notify \
		    --control-socket "$T/pub/c.sock" --control-mode 0666 \
		    --control-read-group daemon -- "$TW"
		wait_for "runuser -u nobody -g daemon -- '$GWCTL' -s '$T/pub/c.sock' health" 10 ||
		    fail "a read-only peer cannot use health"
		runuser -u nobody -g nogroup -- "$GWCTL" -s "$T/pub/c.sock" \
		    health >/dev/null 2>"$T/herr" && fail "stranger health"
		grep -q 'may not use the control socket' "$T/herr" ||
		    fail "stranger: $(cat "$T/herr")"
		CTL=$T/pub/c.sock
	else
		log "build tree not searchable by nobody: peer check skipped"
	fi
else
	log "not root: peer check skipped"
fi
"$GWCTL" -s "$CTL" stop --wait >/dev/null || fail "stop"
wait_gwd_exit 10 || fail "gwd did not exit"
CTL=$T/run/$NAME.sock
# Nothing answers: 3, with or without --live.
[ "$(health)" = 3 ] || fail "gwctl health of a stopped gwd not 3"
[ "$(health --live)" = 3 ] || fail "gwctl health --live of a stopped gwd"

# A crash loop: backoff, and it says so.
: >"$LOG"
start_gwd -b "127.0.0.1:$PORT" -w 1 --readiness spawn \
    --metrics-bind "127.0.0.1:$MPORT" -- /bin/false
wait_for "[ \"\$(code /readyz)\" = 503 ] && grep -q '^backoff: ' '$T/body'" 10 ||
    fail "no backoff in /readyz: $(cat "$T/body")"
grep -Eq '^backoff: 0 of 1 required workers ready after [0-9]+ consecutive failures; next attempt in ' \
    "$T/body" || fail "backoff reason: $(cat "$T/body")"
[ "$(health)" = 1 ] || fail "gwctl health in backoff"
grep -q '^gwctl: health: backoff: ' "$T/herr" || fail "backoff: $(cat "$T/herr")"
[ "$(code /livez)" = 200 ] || fail "/livez in backoff"
echo PASS
