#!/bin/sh
# export_prefixes.sh: every name a file of daemon/, ctl/ or lib/ exports
# carries that file's prefix (STYLE.md, habit 1: pool_on_exit in pool.c,
# control_accept in control.c), so that a name says where it lives and two
# programs' names cannot collide.  The names come from the built objects
# (nm --defined-only -g: functions and data); a file named M_part.c (e.g.
# notify_msg.c, render_stats.c) may also use its module's prefix M_.
# The few exceptions are listed below, each with its reason; an exception
# that no longer matches anything is an error too, so the list only
# shrinks.
. "$(dirname "$0")/lib.sh"

command -v nm >/dev/null 2>&1 || skip "no nm (binutils)"

# FILE-GLOB SYMBOL-GLOB: why.  Paths are relative to the source tree.
cat >"$T/allow" <<'ALLOW'
# Program entry points (gwctl.c; main.c passes anyway).
*.c main
# tmux's allocator wrappers that never return NULL, known by these names.
lib/xmalloc.c x*
# libgw is shared by gwd, gwctl and gwd-http: its names are gw_*, the
# namespace of its headers (include/gw/).
lib/*.c gw_*
# parse.h is the value syntax both ways: each parse_X has its format_X.
lib/parse.c format_*
# gwd-http is its own program; its names are http_* (http_parse_request).
daemon/http/*.c http_*
# log.h follows OpenSMTPD's log.h: log_* and fatal().
daemon/log.c fatal
# The configuration's names are config_* (config_load, config_free): the
# module is "the configuration"; gwconfig.h only avoids autoconf's name.
daemon/gwconfig.c config_*
# supervisor.h is the one interface the inputs (commands, control, web)
# call: its entry points are sup_* whichever of the supervisor's files
# carries one out (a reload, an upgrade, a status answer).
daemon/supervisor.c sup_*
daemon/reload.c sup_*
daemon/reexec.c sup_*
daemon/status.c sup_*
ALLOW

objects=0
: >"$T/bad"
: >"$T/used"
for src in "$top_srcdir"/daemon/*.c "$top_srcdir"/daemon/http/*.c \
    "$top_srcdir"/ctl/*.c "$top_srcdir"/lib/*.c; do
	rel=${src#"$top_srcdir"/}
	dir=$(dirname "$rel")
	base=$(basename "$rel" .c)
	obj=$top_builddir/$dir/$base.o
	if [ ! -f "$obj" ]; then
		# Built only with per-program flags: PROGRAM-base.o.
		obj=$(ls "$top_builddir/$dir/"*-"$base.o" 2>/dev/null |
		    head -n 1)
		[ -n "$obj" ] || fail "$rel: no object in" \
		    "$top_builddir/$dir (run make first)"
	fi
	objects=$((objects + 1))
	module=${base%%_*}
	# Names with a leading "__" are the implementation's (ASan adds
	# __odr_asan.NAME next to each global NAME).
	for sym in $(nm --defined-only -g "$obj" |
	    awk 'NF == 3 && $3 !~ /^__/ { print $3 }'); do
		case $sym in
		"$base"|"$base"_*|"$module"_*) continue ;;
		esac
		ok=0
		while read -r fglob sglob; do
			case $fglob in ''|'#'*) continue ;; esac
			# shellcheck disable=SC2254
			case $rel in $fglob) ;; *) continue ;; esac
			# shellcheck disable=SC2254
			case $sym in $sglob) ;; *) continue ;; esac
			ok=1
			echo "$fglob $sglob" >>"$T/used"
			break
		done <"$T/allow"
		[ $ok = 1 ] || echo "$rel: $sym" >>"$T/bad"
	done
done
[ "$objects" -ge 40 ] || fail "only $objects objects found"
if [ -s "$T/bad" ]; then
	cat "$T/bad" >&2
	fail "$(wc -l <"$T/bad") exported names without their file's prefix" \
	    "(above)"
fi
stale=$(grep -v '^#' "$T/allow" | grep -v '^$' | while read -r f s; do
	grep -qxF "$f $s" "$T/used" || echo "$f $s"
done)
[ -z "$stale" ] ||
    fail "exceptions that match nothing any more (remove them): $stale"
log "$objects objects: each exported name has its file's prefix or a reason"
echo "PASS: $TEST_NAME"
