#!/bin/sh
# safe_validate: what a start refuses, --check-config refuses, and a reload
# refuses: for each bad value in a configuration file, --check-config and
# a start both exit 2 with the same message, which names FILE:LINE: KEY;
# a reload to it is refused with that message (gwctl exits 1), nothing
# changes, and the old generation keeps serving.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null 2>&1 || skip "no jq"
ctl() { timeout 10 "$GWCTL" -s "$CTL" "$@"; }
gen() { ctl --json status | jq -r .generation; }
: >"$T/notexec"
chmod 0644 "$T/notexec"
PORT=$(free_port)
# conf LINE: a good file whose third line is LINE (the worker command
# comes last unless LINE sets it).
conf() {
	printf 'bind = 127.0.0.1:%s\nworkers = 2\n%s\n' "$PORT" "$1" >"$T/gwd.conf"
	case $1 in
	command*) ;;
	*) printf 'command = %s\n' "$TW" >>"$T/gwd.conf" ;;
	esac
}

conf "readiness = spawn"
start_gwd -c "$T/gwd.conf"
wait_workers 2 || fail "no workers"
pids=$(workers_of)
g=$(gen)

while read -r key value; do
	[ -n "$key" ] || continue
	conf "$key = $value"
	refused_everywhere "$key = $value" "$T/gwd.conf:3: $key: "
	[ "$(gen)" = "$g" ] || fail "$key = $value: the generation changed"
	[ "$(workers_of)" = "$pids" ] || fail "$key = $value: the workers changed"
done <<LIST
user nosuchuser$$
group nosuchgroup$$
control-group nosuchgroup$$
control-read-group nosuchgroup$$
chdir $T/nonexistent
command $T/nonexistent/app
command $T/notexec
command nosuchprogram$$
log-file $T/nonexistent/gwd.log
access-log $T/nonexistent/access.log
pid $T/nonexistent/gwd.pid
static $T/nonexistent
stats-db $T/nonexistent/gwd.db
control-socket $T/nonexistent/gwd.sock
LIST
# A typo in a path never creates it.
[ ! -e "$T/nonexistent" ] || fail "$T/nonexistent was created"
http_get "$PORT" | grep -q '^worker ' || fail "the old workers do not serve"
log "ok"
