#!/bin/sh
# recipe_shell: the shell-wrapper recipe of gwd-worker(7) (prepare, then
# `gwctl notify READY=1`, then exec the server, under --readiness notify
# with --readiness-grace) is safe: the server loads its code after READY=1,
# so the worker counts only once it has stayed up for the grace; a reload
# to a server whose import is missing fails (exit 1, a reason) and the old
# workers keep serving; a fixed reload passes; SIGTERM stops gwd with 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe_common.inc"

command -v python3 >/dev/null 2>&1 || skip "no python3 (apt-get install python3)"
documented man/gwd-worker.7 "--readiness notify --readiness-grace 3s -- ./start.sh"

# gwd-worker(7)'s wrapper, as written.
cat >"$T/start.sh" <<'SH'
#!/bin/sh
# prepare, then report readiness, then become the server
./migrate --check || exit 1
gwctl notify READY=1 "STATUS=migrations checked"
exec ./server --listen-fd 3
SH
printf '#!/bin/sh\nexit 0\n' >"$T/migrate"
# A server that knows nothing of gwd: it takes the socket it is told and
# imports its application (app.py) first.
cat >"$T/server" <<'PY'
#!/usr/bin/env python3
import http.server, os, signal, socket, sys
sys.path.insert(0, os.getcwd())
from app import BODY
sock = socket.socket(fileno=int(sys.argv[sys.argv.index("--listen-fd") + 1]))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("", 0), Handler, bind_and_activate=False)
server.socket.close()
server.socket = sock
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
server.serve_forever()
PY
chmod 755 "$T/start.sh" "$T/migrate" "$T/server"

write_app() {
	printf '%s\nBODY = b"%s\\n"\n' "$2" "$1" >"$T/app.py"
}

write_app "shell v1" ""
PORT=$(free_port)
start_gwd -w 2 -b "127.0.0.1:$PORT" --readiness notify --readiness-grace 3s \
    -- ./start.sh
wait_pool 2
answers "shell v1" || fail "first request: '$(get)'"

write_app "shell v2" "import no_such_module_gwd_recipe"
reload_must_fail "shell v1" \
    "exited 1: ModuleNotFoundError: No module named 'no_such_module_gwd_recipe'"

write_app "shell v2" ""
reload_must_pass "shell v2" 2
stop_gracefully 15
log "ok"
