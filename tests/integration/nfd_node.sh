#!/bin/sh
# nfd_node: contrib/node/gwd-worker.js with real Node.  Its example server
# starts and serves under --readiness notify (READY=1 can only come through
# GWD_NOTIFY_FD: Node has no datagram sockets); its heartbeats keep idle
# workers alive past --timeout, and a handler that blocks the event loop
# for longer gets its worker killed for timeout; --max-requests recycles a
# worker (GWD_REQUESTS); on a graceful stop a request in flight is
# answered, an idle keep-alive connection is closed at once (gwd does not
# wait for its keep-alive timeout), and the worker exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
MOD=$top_srcdir/contrib/node/gwd-worker.js
cp "$MOD" "$top_srcdir/contrib/node/example.js" "$T/"
cat >"$T/app.js" <<'JS'
const gw = require("./gwd-worker.js");
gw.serve((req, res) => {
    const u = new URL(req.url, "http://x");
    if (u.pathname === "/block") {      // a stuck event loop
        const end = Date.now() + Number(u.searchParams.get("ms"));
        while (Date.now() < end)
            ;
    }
    if (u.pathname === "/slow")         // a request that takes a while
        return setTimeout(() => res.end("slow done\n"),
            Number(u.searchParams.get("ms")));
    res.end(`pid ${process.pid}\n`);
}, { keepAliveTimeout: 30000 });     // idle connections stay, unless closed
JS

PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify --timeout 3s \
    --boot-timeout 30s -- node example.js
wait_pool 2
answers ok || fail "example.js: '$(get)'"
ctl stop >/dev/null
wait_gwd_exit 15 || fail "gwd did not stop"
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"
log "ok: example.js started, served, stopped"

# Heartbeats: idle workers outlive --timeout; a blocked loop does not.
# (--timeout 3s: heartbeats every second, with room for a loaded machine.)
: >"$LOG"
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify --timeout 3s \
    --boot-timeout 30s -- node app.js
wait_pool 2
before=$(ready_pids)
sleep 5
[ "$(ready_pids)" = "$before" ] ||
    fail "idle workers replaced: '$(ready_pids)', were '$before'"
hb=$(ctl --json workers | jq '[.workers[].last_heartbeat_s] | max')
[ "$hb" != null ] || fail "no heartbeat reached gwd"
awk "BEGIN { exit !($hb < 2.5) }" || fail "last heartbeat $hb s ago"
curl -s --max-time 15 -o /dev/null "http://127.0.0.1:$PORT/block?ms=10000" &
BLOCK=$!
track "$BLOCK"
wait_log 'heartbeat timeout' 12 ||
    fail "a worker whose loop was blocked for 10 s was not killed"
log "ok: blocked loop killed: $(grep 'heartbeat timeout' "$LOG" | head -n 1)"
wait "$BLOCK" 2>/dev/null || true
wait_pool 2
ctl stop >/dev/null
wait_gwd_exit 15 || fail "gwd did not stop"

# --max-requests 20: GWD_REQUESTS reaches gwd, the worker is recycled.
: >"$LOG"
start_gwd -w 1 -b "127.0.0.1:$PORT" --readiness notify --max-requests 20 \
    --boot-timeout 30s -- node app.js
wait_pool 1
first=$(ready_pids)
i=0
while [ $i -lt 30 ]; do
	get >/dev/null
	i=$((i + 1))
done
wait_log "pid ${first% }, gen 1\\) exited: recycle_requests" 5 ||
    fail "worker $first not recycled after 30 requests with --max-requests 20"
wait_pool 1
log "ok: recycled after --max-requests"

# Graceful stop: a slow request in flight gets its answer; an idle
# keep-alive connection does not hold the stop up.
cat >"$T/client.js" <<'JS'
// Open one keep-alive connection, make one request, then sit idle; say
// when the server closes it, and how long after the start that was.
const http = require("http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const t0 = Date.now();
http.get({ port: process.argv[2], host: "127.0.0.1", agent }, (res) => {
    const sock = res.socket;
    res.resume();
    res.on("end", () => {
        console.log("idle");
        sock.on("close", () => {
            console.log(`closed ${Date.now() - t0}`);
            process.exit(0);
        });
    });
});
setTimeout(() => process.exit(1), 15000);
JS
node "$T/client.js" "$PORT" >"$T/client.out" 2>&1 &
CLIENT=$!
track "$CLIENT"
wait_for "grep -q idle $T/client.out" 5 || fail "keep-alive client: $(cat "$T/client.out")"
curl -s --max-time 10 "http://127.0.0.1:$PORT/slow?ms=1500" >"$T/slow.out" &
SLOW=$!
track "$SLOW"
sleep 0.3
t0=$(now_ms)
ctl stop >/dev/null
wait_gwd_exit 15 || fail "gwd did not stop"
dt=$(( $(now_ms) - t0 ))
[ "$GWD_STATUS" = 0 ] || fail "gwd exited $GWD_STATUS"
wait "$SLOW" || fail "the request in flight failed (curl exit $?)"
[ "$(cat "$T/slow.out")" = "slow done" ] ||
    fail "the request in flight got '$(cat "$T/slow.out")'"
wait_for "grep -q closed $T/client.out" 3 ||
    fail "the idle keep-alive connection was not closed"
log "stop took $dt ms; client: $(tr '\n' ' ' <"$T/client.out")"
# The slow request's 1.2 s left, not app.js's 30 s keep-alive timeout: the
# idle connection was closed after 1 s idle.
[ "$dt" -lt 4500 ] || fail "the stop took $dt ms"
log_has 'exited: shutdown \(status 0\)' ||
    fail "the worker did not exit 0: $(grep exited "$LOG")"
log "ok"
