#!/bin/sh
# install_staged: `make install` into a DESTDIR puts everything under the
# configured prefix, the systemd unit names the installed paths and passes
# `systemd-analyze verify`, and the installed gwd, gwctl and gwd-http run:
# gwd finds the installed gwd-http (../libexec/gwd beside its sbin), serves
# a request through it, and the installed gwctl drives it.
. "$(dirname "$0")/lib.sh"

command -v make >/dev/null || skip "no make"
S=$T/stage
# A make of its own: under `make check` the parent's MAKEFLAGS would make
# it print "Entering directory" into what we read.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
	    -C "$top_builddir" "$@"
}
mk install DESTDIR="$S" >"$T/install.log" 2>&1 ||
    fail "make install failed: $(tail -5 "$T/install.log")"
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sbindir=$(mk -f Makefile -f - print-sbindir <<'MK' 2>/dev/null
print-sbindir: ; @echo $(sbindir)
MK
)
[ -n "$sbindir" ] || sbindir=$prefix/sbin
unitdir=$(mk -f Makefile -f - print-unitdir <<'MK' 2>/dev/null
print-unitdir: ; @echo $(systemdsystemunitdir)
MK
)
for f in "$sbindir/gwd" "$prefix/bin/gwctl" "$prefix/libexec/gwd/gwd-http" \
    "$prefix/share/man/man8/gwd.8" "$prefix/share/man/man1/gwctl.1" \
    "$prefix/share/man/man7/gwd-worker.7" \
    "$prefix/share/bash-completion/completions/gwctl" "$unitdir/gwd@.service" \
    "$unitdir/gwd.service" "$unitdir/gwd.socket"; do
	[ -e "$S$f" ] || fail "not installed: $f ($(cd "$S" && find . -type f | head -20))"
done
# Nothing outside the prefix (but the unit, wherever it was configured).
outside=$(cd "$S" && find . -type f | sed 's|^\.||' | grep -v "^$prefix/" |
    grep -v "^$unitdir/" || true)
[ -z "$outside" ] || fail "installed outside $prefix: $outside"

U=$S$unitdir/gwd@.service
U1=$S$unitdir/gwd.service
for u in "$U" "$U1"; do
	grep -q "^ExecStart=$sbindir/gwd " "$u" || fail "unit: $(grep ExecStart "$u")"
	grep -q "^ExecReload=$prefix/bin/gwctl .*reload --wait\$" "$u" ||
	    fail "unit: $(grep ExecReload "$u")"
	grep -q '@[a-z]*dir@' "$u" && fail "unit keeps a placeholder: $(grep '@' "$u")"
	grep -q '^FileDescriptorStoreMax=[1-9]' "$u" || fail "$u: no fd store"
done
if command -v systemd-analyze >/dev/null; then
	# verify the unit against the staged tree: the paths it names exist.
	mkdir -p "$T/units"
	sed "s|$prefix/|$S$prefix/|g" "$U" >"$T/units/gwd@test.service"
	mkdir -p "$S$prefix/etc/gwd"
	# --man=no: the man pages are not in the system MANPATH here.
	systemd-analyze verify --man=no "$T/units/gwd@test.service" >"$T/verify" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$T/verify")"
	grep -i 'gwd@test' "$T/verify" && fail "verify warns: $(cat "$T/verify")"
	# gwd.service and the gwd.socket that activates it, together.
	sed "s|$prefix/|$S$prefix/|g" "$U1" >"$T/units/gwd.service"
	cp "$S$unitdir/gwd.socket" "$T/units/gwd.socket"
	systemd-analyze verify --man=no "$T/units/gwd.service" \
	    "$T/units/gwd.socket" >"$T/verify" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$T/verify")"
	grep -i 'gwd\.s' "$T/verify" && fail "verify warns: $(cat "$T/verify")"
else
	log "systemd-analyze missing: unit not verified"
fi

# Run what was installed, from the staged tree.
"$S$sbindir/gwd" --version | grep -q "^gwd " || fail "installed gwd --version"
PORT=$(free_port)
GWD=$S$sbindir/gwd
start_gwd -b "127.0.0.1:$PORT" -w 2 --stats-db none
wait_for "[ \"\$(http_get $PORT)\" = ok ]" 10 ||
    fail "installed gwd-http does not answer"
pgrep -P "$GWD_PID" -f "$S$prefix/libexec/gwd/gwd-http" >/dev/null ||
    fail "the workers are not the installed gwd-http"
"$S$prefix/bin/gwctl" -s "$CTL" status >"$T/st" ||
    fail "installed gwctl status failed"
grep -q '^workers .*2 ready of 2' "$T/st" ||
    fail "installed gwctl status: $(cat "$T/st")"
"$S$prefix/bin/gwctl" -s "$CTL" stop --wait >/dev/null ||
    fail "installed gwctl stop --wait failed"
alive "$GWD_PID" && fail "gwd still running after stop --wait"
log "ok"
