#!/bin/sh
# core_backoff_idle: in a crash-loop backoff, with a probe worker booting,
# the master sleeps until its next deadline: no busy loop.  Every time gwd
# reports is right: backoff_until is in the future or null, and gwctl
# status says how long is left.
#   gwd -w 4 --readiness notify --boot-timeout 2s -- sleep 100
# made the planner return a deadline in the past that it did not act on:
# about 11,000 wake-ups a second.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
start_gwd -b "127.0.0.1:$PORT" -w 4 --readiness notify --boot-timeout 1s \
    --stats-db none -- sleep 100
# A second round of boot timeouts: the backoff is on and probes boot in it.
wait_log 'backoff: ([5-9]|[0-9]{2}) consecutive' 10 || fail "no backoff"
# Four workers failing together are one step of the backoff, logged once.
[ "$(log_count 'backoff: 4 consecutive')" -eq 1 ] ||
    fail "one backoff step logged $(log_count 'backoff: 4 consecutive') times"
status=/proc/$GWD_PID/status
# The event loop is gwd's main thread: each wake-up from a sleep in epoll
# is a voluntary context switch of it; a loop that never sleeps (epoll
# with a timeout of 0) shows as CPU time instead.
v0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$status")
c0=$(cpu_ticks "$GWD_PID")
sleep 5
v1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$status")
c1=$(cpu_ticks "$GWD_PID")
wakes=$((v1 - v0))
cpu=$((c1 - c0))
log "5 s of backoff: $wakes wake-ups, $cpu CPU ticks"
# Deadlines in 5 s: a boot timeout and a backoff end per probe (1 s boot
# timeout, backoff up to 60 s), SIGCHLD, the exec pipes: a few dozen at
# most.  The spinning master made tens of thousands.
[ "$wakes" -le 100 ] || fail "$wakes wake-ups in 5 s: the master spins"
[ "$cpu" -le 10 ] || fail "the master used $cpu ticks of CPU in 5 s"

# Times in the status are never in the past, and never wrap.
i=0
while [ $i -lt 10 ]; do
	$GWCTL -s "$CTL" --json status >"$T/st" || fail "gwctl status failed"
	now=$(date +%s)
	jq -e --argjson now "$now" '.backoff_until == null or
	    (.backoff_until > $now - 1 and .backoff_until < $now + 120)' \
	    "$T/st" >/dev/null ||
	    fail "backoff_until is $(jq .backoff_until "$T/st") at $now"
	$GWCTL -s "$CTL" status >"$T/st.txt"
	# The text's own state (the JSON above was an earlier call).
	if grep -q '^state  *backoff$' "$T/st.txt"; then
		grep -Eq '^backoff +until [0-9T:Z-]+ \(in [0-9.]+m?s\)$' \
		    "$T/st.txt" || fail "gwctl status: $(grep '^backoff' "$T/st.txt")"
		grep -q 'in 0ms' "$T/st.txt" && fail "a backoff of 0 ms left"
	fi
	i=$((i + 1))
	sleep 0.3
done
log "ok"
