#!/bin/sh
# stats_fs.sh: the database on a read-only file system, and on a full one
# (a small tmpfs, in a private mount namespace): gwd logs once, keeps
# supervising, shows it in status, and recovers once there is room.
if [ -z "${GWD_TEST_NS:-}" ]; then
	# A private mount namespace: mounts vanish with the test.
	if unshare -m --propagation private true 2>/dev/null; then
		GWD_TEST_NS=1 exec unshare -m --propagation private sh "$0"
	elif unshare -r -m --propagation private true 2>/dev/null; then
		GWD_TEST_NS=1 exec unshare -r -m --propagation private sh "$0"
	fi
	echo "SKIP: cannot make a mount namespace here (unshare -m)"
	exit 77
fi
. "$(dirname "$0")/stats_common.inc"

# 1. Read-only: a file gwd made, then the directory remounted read-only.
mkdir "$T/ro"
start_gwd --stats-db "$T/ro/stats.db" --stats-interval 1s --workers 2 \
    --readiness spawn -- sleep 300
wait_eq 10 ok stats_field state || fail "ro: not ok at first"
stop_gwd
mount --bind "$T/ro" "$T/ro" && mount -o remount,bind,ro "$T/ro" ||
	fail "cannot remount read-only"
start_gwd --stats-db "$T/ro/stats.db" --stats-interval 1s --workers 2 \
    --readiness spawn -- sleep 300
wait_eq 10 2 ready_count || fail "ro: workers not ready"
wait_eq 10 error stats_field state || fail "ro: no error shown"
echo "read-only: $(stats_field error)"
set -- $(worker_pids)
kill -KILL "$1"
wait_until 5 replaced "$1" 2 || fail "ro: not replaced"
# Reading still works: gwctl through gwd, and from the file.
ctl --json stats >/dev/null || fail "ro: stats through gwd"
sleep 2
[ "$(grep -c 'warning: stats:' "$LOG")" = 1 ] || fail "ro: not logged once"
stop_gwd
umount "$T/ro"
rm -f "$LOG"

# 2. Full: a 512 KiB tmpfs, filled up once gwd has its file.
mkdir "$T/full"
mount -t tmpfs -o size=512k tmpfs "$T/full" || fail "cannot mount a tmpfs"
DB="$T/full/stats.db"
start_gwd --stats-db "$DB" --stats-interval 1s --workers 2 \
    --readiness spawn -- sleep 300
wait_eq 10 ok stats_field state || fail "full: not ok at first"
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
wait_eq 20 error stats_field state || fail "full: no error shown"
stats_field error | grep -q full || fail "full: error is '$(stats_field error)'"
set -- $(worker_pids)
victim=$1
kill -KILL "$victim"
wait_until 5 replaced "$victim" 2 || fail "full: not replaced"
ctl ping >/dev/null || fail "full: no ping"
# Room again: the queued rows, the exit among them, are written.
rm -f "$T/full/filler"
wait_eq 70 ok stats_field state || fail "full: no recovery"
wait_eq 5 1 q "SELECT count(*) FROM events WHERE event = 'exit' AND pid = $victim" ||
	fail "full: the exit row was lost"
[ "$(grep -c 'warning: stats:' "$LOG")" = 1 ] || fail "full: not logged once"
stop_gwd
umount "$T/full"
echo "PASS"
