#!/bin/sh
# http_static.sh: gwd-http --static: index.html, Content-Type, Last-Modified
# and 304, Range (206, 416), directory redirect, a large file through
# sendfile, and every way out of the root answered 404: "..", encoded dots
# and slashes, symlinks leading out, hidden files.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/http_lib.sh"

R="$T/root"
mkdir -p "$R/sub" "$R/.git"
printf '<p>home</p>\n' >"$R/index.html"
printf 'body{}\n' >"$R/style.css"
printf '{"a":1}\n' >"$R/data.json"
printf '0123456789' >"$R/sub/digits.txt"
printf '<p>sub</p>\n' >"$R/sub/index.html"
printf 'secret\n' >"$T/secret.txt"
printf 'git\n' >"$R/.git/config"
ln -s "$T/secret.txt" "$R/abs-out"
ln -s ../secret.txt "$R/rel-out"
ln -s .. "$R/up"
ln -s sub/digits.txt "$R/inside"
head -c 3000000 /dev/urandom >"$R/big.bin"
touch -d '2020-01-02 03:04:05 UTC' "$R/sub/digits.txt"

start_http -- --static "$R"

code() { curl -s -o /dev/null -w '%{http_code}' --path-as-is "$@"; }

# index.html for the root and for a directory; types by extension
[ "$(curl -s "$URL/")" = "<p>home</p>" ] || fail "root index"
[ "$(curl -s "$URL/sub/")" = "<p>sub</p>" ] || fail "sub index"
[ "$(code "$URL/sub")" = 301 ] || fail "directory without slash not 301"
curl -s -D - -o /dev/null "$URL/sub" | grep -qi "^Location: /sub/" || fail "Location"
ct() { curl -s -o /dev/null -w '%{content_type}' "$URL/$1"; }
[ "$(ct index.html)" = "text/html; charset=utf-8" ] || fail "html type"
[ "$(ct style.css)" = "text/css; charset=utf-8" ] || fail "css type: $(ct style.css)"
[ "$(ct data.json)" = "application/json" ] || fail "json type"
[ "$(ct big.bin)" = "application/octet-stream" ] || fail "bin type"
[ "$(curl -s "$URL/inside")" = 0123456789 ] || fail "symlink inside the root"
[ "$(code "$URL/missing")" = 404 ] || fail "missing not 404"

# Last-Modified; If-Modified-Since gives 304, an older date 200
curl -s -D "$T/h" -o /dev/null "$URL/sub/digits.txt"
grep -q "^Last-Modified: Thu, 02 Jan 2020 03:04:05 GMT" "$T/h" ||
    fail "Last-Modified: $(cat "$T/h")"
[ "$(code -H 'If-Modified-Since: Thu, 02 Jan 2020 03:04:05 GMT' "$URL/sub/digits.txt")" = 304 ] ||
    fail "same date not 304"
[ "$(code -H 'If-Modified-Since: Fri, 03 Jan 2020 00:00:00 GMT' "$URL/sub/digits.txt")" = 304 ] ||
    fail "later date not 304"
[ "$(code -H 'If-Modified-Since: Wed, 01 Jan 2020 00:00:00 GMT' "$URL/sub/digits.txt")" = 200 ] ||
    fail "earlier date not 200"
[ "$(code -H 'If-Modified-Since: garbage' "$URL/sub/digits.txt")" = 200 ] ||
    fail "bad date not ignored"

# Range: one byte, a span, a suffix; unsatisfiable; several = everything
[ "$(curl -s -r 3-3 "$URL/sub/digits.txt")" = 3 ] || fail "single byte range"
[ "$(code -r 3-3 "$URL/sub/digits.txt")" = 206 ] || fail "range not 206"
curl -s -D - -o /dev/null -r 3-3 "$URL/sub/digits.txt" |
    grep -q "^Content-Range: bytes 3-3/10" || fail "Content-Range"
[ "$(curl -s -r 2-5 "$URL/sub/digits.txt")" = 2345 ] || fail "span"
[ "$(curl -s -r -3 "$URL/sub/digits.txt")" = 789 ] || fail "suffix"
[ "$(code -r 10-20 "$URL/sub/digits.txt")" = 416 ] || fail "unsatisfiable not 416"
curl -s -D - -o /dev/null -r 10-20 "$URL/sub/digits.txt" |
    grep -q "^Content-Range: bytes \*/10" || fail "416 Content-Range"
[ "$(curl -s -r 0-1,4-5 "$URL/sub/digits.txt")" = 0123456789 ] || fail "multi-range"

# a large file arrives intact (sendfile), and HEAD sends no body
curl -s -o "$T/big.out" "$URL/big.bin" || fail "big download"
cmp -s "$R/big.bin" "$T/big.out" || fail "big file differs"
curl -s -I "$URL/big.bin" | grep -q "^Content-Length: 3000000" || fail "HEAD big"
[ "$(curl -s -r 2999999- "$URL/big.bin" | wc -c)" = 1 ] || fail "range at end"

# nothing outside the root, nothing hidden
for p in "/../secret.txt" "/sub/../../secret.txt" "/%2e%2e/secret.txt" \
    "/%2E%2E/secret.txt" "/.%2e/secret.txt" "/sub/%2e%2e/%2e%2e/secret.txt" \
    "/..%2fsecret.txt" "/sub%2f..%2f..%2fsecret.txt" "/%2f..%2fsecret.txt" \
    "/abs-out" "/rel-out" "/up/secret.txt" "/up/root/index.html" \
    "/.git/config" "/%2egit/config" "/sub/./digits.txt" "/a%00b"; do
	c=$(code "$URL$p")
	[ "$c" = 404 ] || fail "$p gave $c"
done
# and the same over a raw socket, where no client normalises anything
raw 'GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    head -n 1 | grep -q " 404 " || fail "raw traversal"
raw 'GET http://x/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    head -n 1 | grep -q " 404 " || fail "absolute-form traversal"
[ "$(code "$URL/%zz")" = 400 ] || fail "bad escape not 400"
stop_http
echo "PASS"
