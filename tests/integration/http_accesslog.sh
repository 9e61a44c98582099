#!/bin/sh
# http_accesslog.sh: gwd-http --access-log writes the combined format,
# escapes what could forge a line, and reopens the file on SIGUSR1 (log
# rotation); with no --access-log nothing is written.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

LOG="$T/access.log"
start_http -- --access-log "$LOG"
curl -s -o /dev/null -A 'test-agent/1.0' -e 'http://ref.example/' \
    "$URL/hello?x=1" || fail "request"
curl -s -o /dev/null -I "$URL/head"
curl -s -o /dev/null -X DELETE "$URL/del"
curl -s -o /dev/null -A 'evil" 200 "x' "$URL/quote"
wait_for 5 sh -c "[ \$(wc -l <'$LOG') -ge 4 ]" || fail "lines: $(cat "$LOG")"

re='^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\] "GET /hello\?x=1 HTTP/1\.1" 200 3 "http://ref\.example/" "test-agent/1\.0"$'
grep -Eq "$re" "$LOG" || fail "combined format: $(cat "$LOG")"
grep -Eq '"HEAD /head HTTP/1\.1" 200 0 ' "$LOG" || fail "HEAD line"
grep -Eq '"DELETE /del HTTP/1\.1" 405 ' "$LOG" || fail "405 line"
grep -Fq '"evil\x22 200 \x22x"' "$LOG" || fail "quote not escaped: $(cat "$LOG")"

# rotation: move the file away, USR1, the next line goes to a new file
mv "$LOG" "$LOG.1"
kill -USR1 "$WPID"
wait_for 5 test -f "$LOG" || fail "not reopened on USR1"
curl -s -o /dev/null "$URL/after"
wait_for 5 grep -q '"GET /after HTTP/1.1" 200' "$LOG" || fail "new file: $(cat "$LOG")"
grep -q "/after" "$LOG.1" && fail "line written to the rotated file"
[ "$(wc -l <"$LOG.1")" -ge 4 ] || fail "rotated file lost lines"
kill -0 "$WPID" || fail "USR1 killed the worker"
stop_http

# off by default: nothing is created anywhere we can see
start_http --
( cd "$T" && curl -s -o /dev/null "$URL/" )
stop_http
[ -z "$(find "$T" -name '*.log' -newer "$LOG")" ] || fail "a log without --access-log"
# an unwritable log is an error at start
"$GWD_HTTP" --listen 127.0.0.1:0 --access-log /nonexistent/dir/x.log 2>"$T/e" &&
    fail "started with an unwritable log"
grep -q "access-log" "$T/e" || fail "message: $(cat "$T/e")"
echo "PASS"
