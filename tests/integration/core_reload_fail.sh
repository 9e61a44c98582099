#!/bin/sh
# core_reload_fail: a reload whose new workers cannot become ready is
# aborted: the old generation keeps serving, the failure is logged.  A
# reload with an invalid configuration file, or one naming a user that does
# not exist, changes nothing (not even the binds).
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
C=$T/gwd.conf
cat >"$C" <<CONF
bind = 127.0.0.1:$PORT
workers = 2
readiness = notify
boot-timeout = 2s
command = $TW --report-fds $T/tw/r
CONF
start_gwd -c "$C"
wait_workers 2 || fail "no workers"
old=$(workers_of)
wait_for "http_get $PORT | grep -q 'gen 1\$'" 5 || fail "gen 1 does not answer"

# Generation 2 exits at boot.
sed -i "s|^command = .*|command = $TW --mode exit-at-boot|" "$C"
kill -HUP "$GWD_PID"
wait_log 'reload.*fail|fail.*reload' 10 || fail "failed reload not logged"
sleep 0.5
[ "$(workers_of | tr '\n' ' ')" = "$(echo "$old" | tr '\n' ' ')" ] ||
    fail "the old workers were replaced: $(workers_of | tr '\n' ' ') vs $(echo $old)"
i=0
while [ $i -lt 5 ]; do
	http_get "$PORT" | grep -q 'gen 1$' || fail "gen 1 stopped serving"
	i=$((i + 1))
done

# An invalid file: nothing changes, the error is logged.
echo "no-such-key = 1" >>"$C"
lines=$(log_count 'no-such-key')
kill -HUP "$GWD_PID"
wait_for "[ \$(log_count 'no-such-key') -gt $lines ]" 5 ||
    fail "invalid configuration on reload not logged"
sleep 0.5
alive "$GWD_PID" || fail "gwd died of an invalid configuration on reload"
[ "$(workers_of | tr '\n' ' ')" = "$(echo "$old" | tr '\n' ' ')" ] ||
    fail "workers changed on an invalid reload"
# The refused reload is the last reload, with its reason.
"$GWCTL" -s "$CTL" status >"$T/st" || fail "gwctl status failed"
grep -Eq '^last reload +generation 1 failed at .*no-such-key' "$T/st" ||
    fail "a refused reload is not shown: $(grep 'last reload' "$T/st")"

# A valid file that cannot be applied (no such user) with a new bind: the
# reload is refused and the binds stay as they were.
sed -i '/no-such-key/d' "$C"
PORT2=$(free_port)
cp "$C" "$T/good.conf"
sed -i "s|^bind = .*|bind = 127.0.0.1:$PORT2|" "$C"
echo "user = no-such-user-$$" >>"$C"
lines=$(log_count 'unknown user')
kill -HUP "$GWD_PID"
wait_for "[ \$(log_count 'unknown user') -gt $lines ]" 5 ||
    fail "unknown user on reload not logged"
sleep 0.5
http_get "$PORT" | grep -q 'gen 1$' || fail "old bind stopped serving"
ss -Htln "sport = :$PORT2" | grep -q . &&
    fail "a refused reload opened the new bind $PORT2"
[ "$(workers_of | tr '\n' ' ')" = "$(echo "$old" | tr '\n' ' ')" ] ||
    fail "workers changed on a refused reload"
cp "$T/good.conf" "$C"

# A good file again: generation goes up and replaces the old ones.
sed -i "s|^command = .*|command = $TW --report-fds $T/tw/r|" "$C"
kill -HUP "$GWD_PID"
for p in $old; do
	wait_gone "$p" 10 || fail "old worker $p not replaced by a good reload"
done
wait_for "http_get $PORT | grep -q 'gen [0-9]*\$' && ! http_get $PORT | grep -q 'gen 1\$'" 5 ||
    fail "new generation does not answer"
log "ok"
