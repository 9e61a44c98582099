#!/bin/sh
# safe_syspaths_guard: the guard every test runs at cleanup (syspaths.inc)
# fails a test that creates or removes anything under gwd's system default
# paths (also one that made a file and removed it again, as a gwd does
# with its sockets), and passes one that does not.  The guarded list is pointed at a
# private directory here, so that this test itself touches nothing real.
. "$(dirname "$0")/lib.sh"

G=$T/guarded
mkdir -p "$G/run"
: >"$G/run/old"
for what in create remove transient nothing; do
	cat >"$T/child_$what.sh" <<CHILD
. "$top_srcdir/tests/integration/lib.sh"
case $what in
create)	: >"$G/run/new" ;;
remove)	rm -f "$G/run/old" ;;
transient) sleep 0.02; : >"$G/run/tmp"; rm -f "$G/run/tmp" ;;
esac
exit 0
CHILD
	rc=0
	GWD_GUARD_DIRS="$G/run $G/state" sh "$T/child_$what.sh" \
	    >"$T/out_$what" 2>&1 || rc=$?
	case $what in
	nothing)
		[ "$rc" = 0 ] || { cat "$T/out_$what"; fail "guard failed a clean test ($rc)"; } ;;
	*)
		[ "$rc" = 1 ] || { cat "$T/out_$what"; fail "guard let '$what' pass ($rc)"; }
		grep -q "changed gwd's system default paths" "$T/out_$what" ||
		    fail "no reason given for '$what'"
		# Put things back for the next case.
		rm -f "$G/run/new"; : >"$G/run/old" ;;
	esac
done
log "ok"
