#!/bin/sh
# nfd_valgrind: gwd under valgrind with workers that use the notify fd:
# READY=1 and STATUS= through it, split writes, a line too long and bad
# lines (dropped and counted), a child that keeps the fd after its worker
# exited and writes to it (gwd keeps reading, the child gets no SIGPIPE),
# a reload that retires every worker, then stop.  No error and no leak.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind not installed"
command -v jq >/dev/null || skip "no jq (apt-get install jq)"
ldd "$GWD" 2>/dev/null | grep -q 'libasan\|libubsan' &&
    skip "gwd is built with sanitizers, which valgrind cannot run"
ctl() { "$GWCTL" -n "$NAME" --timeout 20s "$@"; }

cat >"$T/w.sh" <<'SH'
#!/bin/sh
fd=$GWD_NOTIFY_FD
# A child that outlives the worker (its own process group, so gwd's
# cleanup of the worker's group spares it) and writes once the worker is
# gone (at most 30 s later).
setsid sh -c 'echo $$ >"$1/grandchild.$3"; i=0
while kill -0 "$3" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo STATUS=late >&$2 && echo wrote >"$1/ok.$3"' sh "$TW_STATE_DIR" "$fd" $$ &
printf 'STA' >&$fd
sleep 0.1
printf 'TUS=split\nREADY=1\n' >&$fd
head -c 10000 /dev/zero | tr '\0' x >&$fd
printf '\nREADY=2\nno equals sign\nGWD_REQUESTS=x\nSTATUS=after\n' >&$fd
exec sleep 1000
SH
chmod 755 "$T/w.sh"
VG=$T/valgrind.log
PORT=$(free_port)
valgrind -q --child-silent-after-fork=yes --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$VG" \
    "$GWD" --name "$NAME" -b "127.0.0.1:$PORT" -w 2 --readiness notify \
    --boot-timeout 30s -- "$T/w.sh" >>"$LOG" 2>&1 &
GWD_PID=$!
track "$GWD_PID"
wait_for "[ -S '$CTL' ]" 30 || fail "no control socket under valgrind"
wait_for '[ "$(ctl --json status | jq .workers.ready)" = 2 ]' 30 ||
    fail "workers not ready through the notify fd under valgrind"
wait_for '[ "$(ctl --json workers | jq -r "[.workers[].status] | unique | join(\",\")")" = after ]' 10 ||
    fail "statuses: $(ctl --json workers | jq -c '[.workers[].status]')"
# Per worker: the long line, READY=2, no '=', a bad GWD_REQUESTS.
[ "$(ctl --json status | jq .notify_dropped)" = 8 ] ||
    fail "notify_dropped is $(ctl --json status | jq .notify_dropped), want 8"
first=$(ctl --json workers | jq -r '.workers[].pid')
ctl reload --wait >/dev/null || fail "reload --wait"
# The first generation's children write after their workers are gone:
# gwd still reads the pipe, so the write succeeds (no SIGPIPE).
for p in $first; do
	wait_for "[ -f $T/tw/ok.$p ]" 10 ||
	    fail "the child of worker $p could not write after its exit"
done
ctl stop >/dev/null || fail "stop"
wait_gwd_exit 60 || fail "gwd did not exit under valgrind"
if [ "$GWD_STATUS" != 0 ] || [ -s "$VG" ]; then
	cat "$VG" >&2
	fail "valgrind: exit $GWD_STATUS"
fi
log "ok: valgrind found no error and no leak"
