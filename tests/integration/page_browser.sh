#!/bin/sh
# page_browser: the status page in a real browser (Debian's chromium,
# headless).  gwd runs three test workers whose STATUS= is HTML, with a
# stats history (a kill, a reload, a failed reload whose worker wrote a
# <script> to stderr, samples every second); chromium loads / with live
# data and the test checks the DOM: one row per worker, the charts drawn
# with data, the workers' text shown as text (no element made of it), no
# script error; the same for 7 d picked by the URL (#7d); then a
# screenshot (kept with KEEP_SHOT=FILE).  Any console message fails the
# test.  Skipped when chromium is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_common.inc"

CHROME=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null 2>&1 && { CHROME=$c; break; }
done
[ -n "$CHROME" ] || skip "chromium is not installed (bootstrap.sh installs it)"
command -v jq >/dev/null 2>&1 || skip "jq is not installed"

PORT=$(free_port)
URL=http://127.0.0.1:$MPORT/
XSS='<img src=x onerror=alert(1)><b id=xss>bold</b>'
CONF=$T/gwd.conf
# STATUS= from a child of the worker, after the test worker's own.
cat >"$CONF" <<EOF
command = /bin/sh -c '(sleep 1; exec "\$0" notify "STATUS=$XSS") & exec "\$1" --heartbeat 200ms' $GWCTL $TW
EOF

# chrome [ARGS...]: headless chromium with a private profile, bounded.
chrome() {
	HOME=$T timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --no-default-browser-check --disable-extensions \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --user-data-dir="$T/chrome" "$@"
}

start_gwd -c "$CONF" -w 3 -b "127.0.0.1:$PORT" \
    --metrics-bind "127.0.0.1:$MPORT" --readiness notify --capture-output \
    --stats-interval 1s --timeout 5s
wait_workers 3 || fail "no workers"
wait_idle || fail "not running"
"$GWCTL" -s "$CTL" kill 2 >/dev/null || fail "kill"
wait_for '[ "$("$GWCTL" -s "$CTL" --json status | jq .workers.ready)" = 3 ]' 10 ||
    fail "worker 2 not replaced"
kill -HUP "$GWD_PID"
wait_log 'reload: generation 2 ready' 20 || fail "reload"
wait_idle || fail "reload did not end"
# A failed reload: its worker's stderr must show as text.
cat >"$CONF" <<EOF
command = $TW --mode crash --after 0 --print '<script>document.title="pwned"</script>'
EOF
kill -HUP "$GWD_PID"
wait_log 'reload: generation 3 failed' 20 || fail "no failed reload"
wait_idle || fail "failed reload did not end"
wait_for '"$GWCTL" -s "$CTL" --json workers | grep -q "id=xss"' 10 ||
    fail "no HTML STATUS= reached gwd"
# History: a few samples more.
wait_for '[ "$("$GWCTL" -s "$CTL" --json stats --samples | jq ".rows | length")" -ge 4 ]' 15 ||
    fail "no samples"
curl -sf --max-time 5 "${URL}api/history?range=1h" >"$T/h.json" ||
    fail "/api/history"

# --- the DOM after 5 s of (virtual) time ---------------------------------
chrome --virtual-time-budget=5000 --enable-logging=stderr --v=0 \
    --dump-dom "$URL" >"$T/dom.html" 2>"$T/chrome.log" ||
	fail "chromium --dump-dom failed: $(tail -5 "$T/chrome.log")"
DOM=$T/dom.html
grep -q '<tbody id="wbody">' "$DOM" || fail "no worker table: $(head -c 500 "$DOM")"
rows=$(grep -o '<tr class="worker" data-id="[0-9]*"' "$DOM" | wc -l)
[ "$rows" = 3 ] || fail "$rows worker rows, not 3"
for id in 1 2 3; do
	grep -q "<tr class=\"worker\" data-id=\"$id\"" "$DOM" ||
	    fail "no row for worker $id"
done
grep -q 'id="page-error"' "$DOM" &&
    fail "script error: $(grep -o 'page error:[^<]*' "$DOM")"
grep -Eq 'data-live="[1-9]' "$DOM" || fail "no live refresh happened"
# The workers' text is text: escaped, no element made of it.
grep -q 'id="xss"' "$DOM" && fail "STATUS= became HTML"
grep -q '&lt;img src=x onerror=alert(1)&gt;&lt;b id=xss&gt;bold&lt;/b&gt;' \
    "$DOM" || fail "STATUS= not shown as text"
grep -q '&lt;script&gt;document.title' "$DOM" ||
    fail "the failed reload's stderr is not shown as text"
grep -q '<title>gwd status</title>' "$DOM" || fail "title changed"
grep -q 'class="bad">failed' "$DOM" || fail "last reload not shown failed"
# Charts: each svg has data points and what draws them.
chart() {
	sed -n "s/.*<svg id=\"$1\"[^>]*data-points=\"\([0-9]*\)\".*/\1/p" \
	    "$DOM" | head -n 1
}
for c in chart-ready chart-rss chart-exits chart-req; do
	n=$(chart "$c")
	[ -n "$n" ] && [ "$n" -gt 0 ] || fail "$c has no data points ($n)"
done
sed 's/>/>\n/g' "$DOM" | awk '/<svg id="chart-ready"/,/<\/svg>/' |
    grep -q '<path d="M' || fail "chart-ready draws no line"
sed 's/>/>\n/g' "$DOM" | awk '/<svg id="chart-rss"/,/<\/svg>/' |
    grep -q '<path d="M' || fail "chart-rss draws no line"
sed 's/>/>\n/g' "$DOM" | awk '/<svg id="chart-exits"/,/<\/svg>/' |
    grep -q '<rect' || fail "chart-exits draws no bar"
for r in killed reload; do
	grep -q "<span><i [^>]*></i>$r</span>" "$DOM" ||
	    fail "exit reason $r not in the legend"
done

# --- console: the page logs nothing, so any message is an error ----------
if grep -E 'CONSOLE|Uncaught|Refused to|Content Security Policy' \
    "$T/chrome.log" >"$T/console.txt"; then
	fail "console messages: $(head -5 "$T/console.txt")"
fi

# --- the 7 d range, picked by the URL's fragment -------------------------
chrome --virtual-time-budget=5000 --enable-logging=stderr --v=0 \
    --dump-dom "${URL}#7d" >"$T/dom7.html" 2>"$T/chrome7.log" ||
	fail "chromium --dump-dom #7d failed: $(tail -5 "$T/chrome7.log")"
grep -q 'data-range="7d"' "$T/dom7.html" || fail "#7d did not pick 7 d"
grep -q '<button data-r="7d" class="on">' "$T/dom7.html" ||
    fail "the 7 d button is not on"
grep -q 'one per 20m9s' "$T/dom7.html" || fail "7 d: not 500 points of 20m9s"
grep -q 'id="exit-step">per 1h0m' "$T/dom7.html" || fail "7 d: exits not per hour"
grep -q 'id="page-error"' "$T/dom7.html" && fail "7 d: script error"
DOM=$T/dom7.html
for c in chart-ready chart-rss chart-exits; do
	n=$(chart "$c")
	[ -n "$n" ] && [ "$n" -gt 0 ] || fail "7 d: $c has no data points ($n)"
done
grep -E 'CONSOLE|Uncaught|Refused to' "$T/chrome7.log" >"$T/console7.txt" &&
    fail "7 d: console messages: $(head -5 "$T/console7.txt")"

# --- a screenshot -------------------------------------------------------
chrome --virtual-time-budget=5000 --hide-scrollbars --window-size=1280,900 \
    --screenshot="$T/shot.png" "$URL" >"$T/shot.log" 2>&1 ||
	fail "chromium --screenshot failed: $(tail -5 "$T/shot.log")"
[ -s "$T/shot.png" ] || fail "no screenshot"
head -c 8 "$T/shot.png" | od -An -c | grep -q 'P   N   G' ||
    fail "the screenshot is not a PNG"
[ "$(stat -c %s "$T/shot.png")" -gt 20000 ] || fail "the screenshot is blank"
[ -n "${KEEP_SHOT:-}" ] && cp "$T/shot.png" "$KEEP_SHOT"
log "ok: $rows rows, charts drawn, no console message"
exit 0
