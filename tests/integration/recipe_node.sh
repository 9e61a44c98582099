#!/bin/sh
# recipe_node: the Node.js recipe of README.md and gwd-worker(7) (a
# server.js that listens on fd 3 and then runs `gwctl notify READY=1`, under
# --readiness notify) is safe: a reload to a server.js that throws at start
# fails (exit 1, a reason) and the old workers keep serving; a fixed reload
# passes; SIGTERM stops gwd with status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
documented README.md "--readiness notify -- node server.js"
documented man/gwd-worker.7 'execFileSync("gwctl", ["notify", "READY=1"]);'

# gwd-worker(7)'s server.js, with the body as its argument; $2 goes
# before it (a throw at start).
write_app() {
	cat >"$T/server.js" <<APP
$2
const http = require("http");
const { execFileSync } = require("child_process");

const server = http.createServer((req, res) => res.end("$1\n"));
server.listen({ fd: 3 }, () => {
    // Node cannot send a Unix datagram by itself: let gwctl do it.
    if (process.env.NOTIFY_SOCKET)
        execFileSync("gwctl", ["notify", "READY=1"]);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
APP
}

write_app "node v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify -- node server.js
wait_pool 2
answers "node v1" || fail "first request: '$(get)'"

write_app "node v2" 'throw new Error("broken at start");'
reload_must_fail "node v1" \
    "worker [0-9]+ \\(pid [0-9]+\\) exited 1"

write_app "node v2" ""
reload_must_pass "node v2" 2
stop_gracefully 15
log "ok"
