#!/bin/sh
# core_purity.sh: the pure core (actions.c, pool.c, plan*.c) reaches
# no header of libevent, jansson or SQLite, directly or through another
# header (DESIGN.md: the pool and the planner make no system calls and are
# tested with a fake clock).  The compiler lists every header a file pulls
# in (-M), with the flags the build uses.
. "$(dirname "$0")/lib.sh"

mk=$top_builddir/Makefile
[ -r "$mk" ] || skip "no $mk (not configured)"
mkvar() {
	sed -n "s/^$1 = //p" "$mk"
}
CC=$(mkvar CC)
FLAGS="$(mkvar DEFS) -I$top_builddir -include $top_builddir/config.h \
-I$top_srcdir/include -I$top_srcdir/daemon $(mkvar LIBEVENT_CFLAGS) \
$(mkvar JANSSON_CFLAGS) $(mkvar SQLITE_CFLAGS)"

for f in actions.c pool.c plan.c plan_table.c plan_index.c; do
	# shellcheck disable=SC2086
	$CC -M $FLAGS "$top_srcdir/daemon/$f" >"$T/$f.d" 2>"$T/$f.err" ||
	    fail "$CC -M daemon/$f: $(cat "$T/$f.err")"
	tr ' \\' '\n\n' <"$T/$f.d" | grep -v '^$' >"$T/$f.h"
	# The list is real: it names the core's own header.
	grep -q 'daemon/actions\.h$' "$T/$f.h" ||
	    fail "daemon/$f: no actions.h in its dependencies: $(cat "$T/$f.d")"
	bad=$(grep -E \
	    '(/event2/|/event\.h$|/jansson(_config)?\.h$|/sqlite3\.h$)' \
	    "$T/$f.h" | sort -u | tr '\n' ' ')
	[ -z "$bad" ] || fail "daemon/$f is not pure: it reaches $bad"
	log "daemon/$f: $(wc -l <"$T/$f.h") files, none of libevent," \
	    "jansson or SQLite"
done
echo "PASS: $TEST_NAME"
