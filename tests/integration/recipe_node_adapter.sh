#!/bin/sh
# recipe_node_adapter: contrib/adapters/node_server.js serving an app
# module under --readiness notify (READY=1 through `gwctl notify`) is safe:
# it loads the app before it listens and notifies, so a reload to an app
# that throws while it loads fails (exit 1, a reason) and the old workers
# keep serving; a fixed reload passes; SIGTERM stops gwd with status 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v node >/dev/null 2>&1 || skip "no node (apt-get install nodejs)"
ADAPTER=$top_srcdir/contrib/adapters/node_server.js
grep -qF -- '--readiness notify -- node node_server.js app.js' "$ADAPTER" ||
    fail "node_server.js no longer shows the recipe this test runs"

write_app() {
	cat >"$T/app.js" <<APP
$2
module.exports = (req, res) => res.end("$1\n");
APP
}

write_app "node_server v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify -- \
    node "$ADAPTER" app.js
wait_pool 2
answers "node_server v1" || fail "first request: '$(get)'"

write_app "node_server v2" 'require("no_such_module_gwd_recipe");'
reload_must_fail "node_server v1" \
    "worker [0-9]+ \\(pid [0-9]+\\) exited 1"

write_app "node_server v2" ""
reload_must_pass "node_server v2" 2
stop_gracefully 15
log "ok"
