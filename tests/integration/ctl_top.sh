#!/bin/sh
# ctl_top: gwctl top.  Not on a terminal it prints one snapshot; live, in a
# detached tmux session of fixed size (a private tmux server), it shows the
# summary and one row per worker, follows a scale-up, sorts by memory on
# `m`, shows requests per second under load, cuts lines to the width after
# a resize, and leaves the terminal as
# it found it on `q`, on Ctrl-C and when gwd goes away (exit 3).
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null 2>&1 ||
    skip "tmux is not installed (bootstrap.sh installs it)"
command -v stty >/dev/null 2>&1 || skip "no stty"
unset TMUX TMUX_PANE

ctl() { "$GWCTL" -n "$NAME" "$@"; }

# Our own tmux server: its socket is in $T, it reads no configuration, and
# cleanup kills our session and then the server, nothing else.
TM_SOCK=$T/tmux.sock
SESSION=gwtop$$
tm() { tmux -S "$TM_SOCK" -f /dev/null "$@"; }
trap 'rc_=$?; set +e; tm kill-session -t "$SESSION" 2>/dev/null;
    tm kill-server 2>/dev/null; (exit $rc_); cleanup' EXIT

pane() { tm capture-pane -p -t "$SESSION"; }
pane_flags() { tm display -p -t "$SESSION" \
    '#{alternate_on} #{cursor_flag} #{wrap_flag}'; }
wait_pane() {	# REGEX [SECONDS]
	wait_for "pane | grep -qE '$1'" "${2:-10}" ||
	    fail "pane never showed /$1/:
$(pane)"
}
# The worker ids of the rows on screen, in order.
pane_ids() {
	pane | awk '$4 ~ /^(ready|booting|spawning|draining|killing)$/ &&
	    $1 ~ /^[0-9]+$/ { printf "%s ", $1 }'
}
# run_top TAG ARGS...: gwctl top in the pane; the shell around it records
# the terminal settings before and after, and gwctl's exit status.
run_top() {
	local tag=$1
	shift
	rm -f "$T/$tag.rc"
	tm respawn-pane -k -t "$SESSION" "stty -g >'$T/$tag.before';
	    '$GWCTL' -n '$NAME' $* top; echo \$? >'$T/$tag.rc';
	    stty -g >'$T/$tag.after'; exec sleep 120"
}
# top_exited TAG STATUS: gwctl exited with STATUS and the terminal is back.
top_exited() {
	wait_for "[ -s '$T/$1.rc' ]" 10 || fail "$1: gwctl top still runs:
$(pane)"
	[ "$(cat "$T/$1.rc")" = "$2" ] ||
	    fail "$1: exit status $(cat "$T/$1.rc"), want $2: $(pane)"
	wait_for "[ -s '$T/$1.after' ]" 5 || fail "$1: no stty after"
	cmp -s "$T/$1.before" "$T/$1.after" ||
	    fail "$1: termios not restored: $(cat "$T/$1.before") vs" \
	    "$(cat "$T/$1.after")"
	[ "$(pane_flags)" = "0 1 1" ] ||
	    fail "$1: alternate/cursor/wrap are $(pane_flags), want 0 1 1"
}

# Slot N holds N*6 MiB more than it starts with, so that the memory order
# (largest first) is the reverse of the slot order.  Slot 2, once ready,
# says a STATUS= that would clear the screen and retitle the window.
cat >"$T/worker.sh" <<EOF
#!/bin/sh
if [ "\$GWD_WORKER_ID" = 2 ]; then
	(sleep 0.5; "$GWCTL" notify "STATUS=\$(printf 'x\\033[2J\\033]2;pwned\\007y')") &
fi
exec "$TW" --leak \$((GWD_WORKER_ID * 6))M --leak-max \$((GWD_WORKER_ID * 6))M
EOF
chmod +x "$T/worker.sh"
PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 3 --readiness notify --stats-interval 1s \
    -- "$T/worker.sh"
wait_for "[ -S '$CTL' ]" 5 || fail "no control socket at $CTL"
wait_workers 3 || fail "no workers"
wait_for "ctl status | grep -Eq '^workers +3 ready of 3'" 10 ||
    fail "workers not ready"

# ---- one snapshot ---------------------------------------------------------
out=$(ctl top) || fail "top (not a tty) exited $?"
echo "$out" | head -n 1 | grep -Eq "^$NAME  gen 1  running  ready 3/3  booting 0  draining 0  backoff -  reload -$" ||
    fail "summary: $out"
echo "$out" | sed -n 2p | grep -Eq '^ +\*ID +PID +GEN STATE +RSS +CPU% +REQ/S RESTARTS +AGE STATUS$' ||
    fail "header: $out"
[ "$(echo "$out" | wc -l)" = 5 ] || fail "want 3 rows: $out"
echo "$out" | sed -n 3p | grep -Eq '^ +1 +[0-9]+ +1 ready +[0-9.]+[KM] +- +- +0 +[0-9.]+m?s serving$' ||
    fail "row: $out"
[ "$(ctl top --once | wc -l)" = 5 ] || fail "--once"
# Worker text cannot drive the terminal (gwd blanks control characters;
# gwctl would show them as '?').
wait_for "ctl top | grep -q 'x.\\[2J.]2;pwned.y\$'" 10 ||
    fail "hostile status: $(ctl top | cat -v)"
ctl top | tr -d '\n' | LC_ALL=C grep -q '[[:cntrl:]]' &&
    fail "control characters: $(ctl top | cat -v)"
wait_for "[ \"\$(ctl top --sort mem | awk 'NR > 2 { printf \"%s \", \$1 }')\" = '3 2 1 ' ]" 10 ||
    fail "--sort mem: $(ctl top --sort mem)"
rc=0; ctl top --sort bogus 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--sort bogus exited $rc"
rc=0; ctl --json top 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--json top exited $rc"
rc=0; err=$("$GWCTL" -s "$T/nope.sock" top 2>&1) || rc=$?
[ "$rc" = 3 ] || fail "no daemon: exit $rc"
echo "$err" | grep -q "$T/nope.sock" || fail "no daemon: $err"

# ---- live, under tmux -------------------------------------------------------
tm new-session -d -s "$SESSION" -x 120 -y 30 "exec sleep 120" ||
    fail "tmux new-session"
run_top q
wait_pane "^$NAME  gen 1  running  ready 3/3  booting 0  draining 0  backoff -  reload -"
wait_pane '^ +\*ID +PID +GEN STATE'
wait_pane 'sort: id  keys: i id, m mem, c cpu, r req/s, q quit'
[ "$(pane_ids)" = "1 2 3 " ] || fail "rows: $(pane)"
[ "$(pane_flags)" = "1 0 0" ] ||
    fail "live: alternate/cursor/wrap are $(pane_flags), want 1 0 0"
pane | grep -q 'x.\[2J.]2;pwned.y' || fail "hostile status: $(pane)"
[ "$(tm display -p -t "$SESSION" '#{pane_title}')" != pwned ] ||
    fail "a worker retitled the window"

# A scale-up shows after a refresh.
ctl scale 4 >/dev/null
wait_pane "ready 4/4  booting 0"
wait_for '[ "$(pane_ids)" = "1 2 3 4 " ]' 10 || fail "after scale: $(pane)"

# m sorts by memory, largest first; i by slot again.
tm send-keys -t "$SESSION" m
wait_pane 'sort: mem' 10
pane | grep -Eq '^ +ID +PID +GEN STATE +\*RSS' || fail "header: $(pane)"
wait_for '[ "$(pane_ids)" = "4 3 2 1 " ]' 10 || fail "by memory: $(pane)"
tm send-keys -t "$SESSION" i
wait_for '[ "$(pane_ids)" = "1 2 3 4 " ]' 10 || fail "by id: $(pane)"

# Requests per second, from the workers' GWD_REQUESTS reports: a little
# load (bounded) makes the column a number; r sorts by it.
( i=0; while [ $i -lt 150 ]; do
	curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$PORT/" || true
	sleep 0.05; i=$((i + 1))
done ) &
LOAD_PID=$!
track "$LOAD_PID"
wait_for "pane | awk '\$4 == \"ready\" && \$7 ~ /^[0-9.]+\$/ && \$7 > 0 { f = 1 }
    END { exit !f }'" 15 || fail "no req/s: $(pane)"
tm send-keys -t "$SESSION" r
wait_pane 'sort: req' 10
pane | grep -Eq '^ +ID +PID .* +\*REQ/S' || fail "header: $(pane)"
kill "$LOAD_PID" 2>/dev/null || true
tm send-keys -t "$SESSION" i

# A narrower window (SIGWINCH): every line is cut, none wraps.
want=$(ctl top | sed -n 2p | cut -c1-50 | sed 's/ *$//')
tm resize-window -t "$SESSION" -x 50 -y 30
wait_for "[ \"\$(pane | sed -n 3p)\" = '$want' ]" 10 ||
    fail "not cut to 50 columns: $(pane)"
pane | awk 'length($0) > 50 { exit 1 }' || fail "wider than 50: $(pane)"
[ "$(pane_ids)" = "1 2 3 4 " ] || fail "rows wrapped: $(pane)"
tm resize-window -t "$SESSION" -x 120 -y 30

# q quits: status 0, the terminal as it was.
tm send-keys -t "$SESSION" q
top_exited q 0

# Ctrl-C too.
run_top intr
wait_pane '^ +\*ID +PID'
tm send-keys -t "$SESSION" C-c
top_exited intr 0

# gwd goes away: top says so, keeps trying for --timeout, then exits 3
# with the reason on the restored screen.
run_top gone --timeout 5s
wait_pane '^ +\*ID +PID'
kill -TERM "$GWD_PID"
wait_gwd_exit 10 || fail "gwd did not stop"
wait_pane 'gwd unreachable \(giving up in ' 10
top_exited gone 3
pane | grep -q "gwctl: top: cannot connect to $CTL" ||
    fail "no reason after exit: $(pane)"
log "ok"
