#!/bin/sh
# recipe_node_spawn: gwd-worker(7)'s Node.js server without the
# execFileSync (no READY=1), run with --readiness spawn as the page says,
# is safe: a worker counts only once it has stayed up for the default
# --readiness-grace, so a reload to a server.js that throws at start fails
# (exit 1, a reason) and the old workers keep serving; a fixed reload
# passes; SIGTERM stops gwd with status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
# gwd-worker(7), Node.js: "Without the execFileSync, run it with
# --readiness spawn".
grep -A4 '^Without the$' "$top_srcdir/man/gwd-worker.7" |
    grep -q 'readiness spawn' ||
    fail "gwd-worker(7) no longer shows the recipe this test runs"

write_app() {
	cat >"$T/server.js" <<APP
$2
const http = require("http");

const server = http.createServer((req, res) => res.end("$1\n"));
server.listen({ fd: 3 });
process.on("SIGTERM", () => server.close(() => process.exit(0)));
APP
}

write_app "node spawn v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness spawn -- node server.js
wait_pool 2
answers "node spawn v1" || fail "first request: '$(get)'"

write_app "node spawn v2" 'throw new Error("broken at start");'
reload_must_fail "node spawn v1" \
    "worker [0-9]+ \\(pid [0-9]+\\) exited 1"

write_app "node spawn v2" ""
reload_must_pass "node spawn v2" 2
stop_gracefully 15
log "ok"
