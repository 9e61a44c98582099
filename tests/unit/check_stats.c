/*
 * check_stats.c: the stats writer thread: events and samples reach the
 * file, queries answer on the loop, a full queue drops and counts, and
 * every kind of trouble (no directory, read-only, corrupt, locked, full)
 * is reported once, retried, and never blocks the caller.
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "gw/statsdb.h"
#include "gw/util.h"
#include "log.h"
#include "stats.h"
#include "suites.h"

static char			 dir[64];
static char			 path[160];
static char			 logpath[160];
static struct event_base	*base;

static void
setup(void)
{
	struct stats_tuning	t;

	snprintf(dir, sizeof dir, "/tmp/check_stats.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(path, sizeof path, "%s/s.db", dir);
	snprintf(logpath, sizeof logpath, "%s/gwd.log", dir);
	ck_assert_int_eq(log_open("test", logpath, LOG_INFO, LOG_TEXT), 0);
	base = event_base_new();
	stats_tuning_defaults(&t);
	t.retry_min_ms = 20;
	t.retry_max_ms = 80;
	stats_tune(&t);
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", dir);

	stats_stop();
	stats_tune(NULL);
	event_base_free(base);
	log_close();
	(void)!system(cmd);
	free(cmd);
}

static void
emit(const char *name, int wid, pid_t pid, const char *reason, int sig)
{
	struct gw_event	 e = {
		.ts = gw_wall_time(), .master_pid = getpid(), .generation = 1,
		.worker_id = wid, .pid = pid, .event = name, .reason = reason,
		.exit_status = -1, .signal = sig,
	};
	json_t		*d = json_pack("{s:i, s:s}", "uptime_ms", 1234,
	    "status", "serving");

	e.detail = d;
	events_emit(&e);
	json_decref(d);
}

/* An integer field of stats_status_json(). */
static long long
status_int(const char *key)
{
	json_t		*o = stats_status_json();
	long long	 v = json_integer_value(json_object_get(o, key));

	json_decref(o);
	return v;
}

static char *
status_str(const char *key)
{
	json_t	*o = stats_status_json();
	json_t	*v = json_object_get(o, key);
	char	*s = xstrdup(json_is_string(v) ? json_string_value(v) : "");

	json_decref(o);
	return s;
}

/* Run the loop until status[key] >= want or timeout; the final value. */
static long long
wait_int(const char *key, long long want, int ms)
{
	long long	v;
	struct timeval	tv = { 0, 10000 };
	int		i;

	for (i = 0; i < ms / 10; i++) {
		if ((v = status_int(key)) >= want)
			return v;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return status_int(key);
}

/* Run the loop until status.state is want; 0 or -1. */
static int
wait_state(const char *want, int ms)
{
	struct timeval	 tv = { 0, 10000 };
	char		*s;
	int		 i, ok;

	for (i = 0; i < ms / 10; i++) {
		s = status_str("state");
		ok = strcmp(s, want) == 0;
		free(s);
		if (ok)
			return 0;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return -1;
}

static long long
count_rows(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*err = NULL;
	long long	 v = -1;

	db = statsdb_open(path, 1, &err);
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	statsdb_close(db);
	return v;
}

/* Lines of the log that contain s. */
static int
log_count(const char *s)
{
	FILE	*fp = fopen(logpath, "r");
	char	 line[4096];
	int	 n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof line, fp) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(fp);
	return n;
}

START_TEST(test_write)
{
	struct stats_sample		s = { .ts = gw_wall_time(),
	    .generation = 1, .target = 2, .ready = 2, .master_rss_kb = 1000,
	    .workers_rss_kb = 5000, .workers_cpu_s = 0.5,
	    .requests = UINT64_MAX };
	struct stats_worker_sample	w[2] = {
		{ 1, 101, 1, "ready", 2500, 0.25, 7 },
		{ 2, 102, 1, "booting", 2500, 0.25, UINT64_MAX },
	};
	int				i;

	ck_assert_int_eq(stats_enabled(), 0);
	ck_assert_int_eq(stats_start(base, path, 7 * 86400000ULL), 0);
	ck_assert_int_eq(stats_enabled(), 1);
	for (i = 0; i < 50; i++)
		emit("spawn", 1 + i % 2, 100 + i, NULL, 0);
	emit("exit", 1, 100, "crash", 11);
	stats_sample(&s, w, 2);
	ck_assert_int_eq(wait_int("written", 52, 3000), 52);
	ck_assert_int_eq(status_int("dropped"), 0);
	ck_assert_int_eq(wait_state("ok", 1000), 0);
	ck_assert_int_eq(status_int("schema_version"), STATSDB_VERSION);
	/* The file is readable while the writer has it open. */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM events"), 51);
	ck_assert_int_eq(count_rows("SELECT signal FROM events WHERE "
	    "reason = 'crash'"), 11);
	ck_assert_int_eq(count_rows("SELECT json_extract(detail, "
	    "'$.uptime_ms') FROM events LIMIT 1"), 1234);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM samples WHERE "
	    "requests IS NULL AND workers_rss_kb = 5000"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM worker_samples"), 2);
	ck_assert_int_eq(count_rows("SELECT requests FROM worker_samples "
	    "WHERE worker_id = 1"), 7);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM worker_samples "
	    "WHERE requests IS NULL"), 1);
	stats_stop();
	/* After stop, events go nowhere and cost nothing. */
	emit("spawn", 1, 1, NULL, 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM events"), 51);
}
END_TEST

START_TEST(test_stop_flushes)
{
	int	i;

	ck_assert_int_eq(stats_start(base, path, 0), 0);
	for (i = 0; i < 3000; i++)
		emit("spawn", 1, 100 + i, NULL, 0);
	stats_stop();
	ck_assert_int_eq(count_rows("SELECT count(*) FROM events"), 3000);
}
END_TEST

struct qres {
	int	 calls;
	json_t	*result;
	char	 code[32];
};

static void
query_cb(json_t *result, const char *code, const char *message, void *arg)
{
	struct qres	*q = arg;

	q->calls++;
	q->result = result;
	if (code != NULL) {
		snprintf(q->code, sizeof q->code, "%s", code);
		ck_assert_ptr_nonnull(message);
	}
}

static void
run_until(struct qres *q, int ms)
{
	struct timeval	tv = { 0, 10000 };
	int		i;

	for (i = 0; i < ms / 10 && q->calls == 0; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

START_TEST(test_query)
{
	struct qres	 a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	json_t		*args;

	ck_assert_int_eq(stats_start(base, path, 0), 0);
	emit("spawn", 1, 100, NULL, 0);
	emit("exit", 1, 100, "timeout", 6);

	args = json_pack("{s:s}", "kind", "events");
	stats_query(args, query_cb, &a);
	json_decref(args);		/* the query keeps its own copy */
	ck_assert_int_eq(a.calls, 0);	/* never from inside stats_query */
	run_until(&a, 3000);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_ptr_nonnull(a.result);
	/* The events emitted before the query are in its answer. */
	ck_assert_int_eq(json_array_size(json_object_get(a.result, "rows")), 2);
	json_decref(a.result);

	args = json_pack("{s:s}", "kind", "bogus");
	stats_query(args, query_cb, &b);
	json_decref(args);
	run_until(&b, 3000);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_ptr_null(b.result);
	ck_assert_str_eq(b.code, "invalid_argument");

	/* Cancelled: never called back. */
	stats_query(NULL, query_cb, &c);
	stats_query(NULL, query_cb, &d);
	stats_query_cancel(&c);
	run_until(&d, 3000);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    d.result, "exits"), "timeout")), 1);
	json_decref(d.result);
	run_until(&c, 100);
	ck_assert_int_eq(c.calls, 0);
}
END_TEST

START_TEST(test_disabled)
{
	struct qres	 a = { 0 };
	json_t		*o;

	ck_assert_int_eq(stats_start(base, "none", 0), 0);
	ck_assert_int_eq(stats_enabled(), 0);
	o = stats_status_json();
	ck_assert(json_is_false(json_object_get(o, "enabled")));
	json_decref(o);
	emit("spawn", 1, 100, NULL, 0);
	stats_query(NULL, query_cb, &a);
	ck_assert_int_eq(a.calls, 0);
	run_until(&a, 1000);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_str_eq(a.code, "not_found");
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_no_directory)
{
	char	*s, file[200];
	int	 fd;
	double	 t0;

	/* A directory that cannot be created, even by root. */
	snprintf(file, sizeof file, "%s/file", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof path, "%s/file/sub/s.db", dir);
	ck_assert_int_eq(stats_start(base, path, 0), 0);
	t0 = gw_wall_time();
	emit("spawn", 1, 100, NULL, 0);
	ck_assert(gw_wall_time() - t0 < 0.05);
	ck_assert_int_eq(wait_state("error", 2000), 0);
	s = status_str("error");
	ck_assert_msg(strstr(s, "cannot create directory") != NULL, "%s", s);
	free(s);
	ck_assert_int_eq(status_int("queued"), 1);
	/* Logged once, though retried many times. */
	wait_int("never", 1, 300);
	ck_assert_int_eq(log_count("stats: cannot create directory"), 1);
}
END_TEST

START_TEST(test_creates_directory)
{
	struct stat	sb;

	snprintf(path, sizeof path, "%s/a/b/s.db", dir);
	ck_assert_int_eq(stats_start(base, path, 0), 0);
	emit("spawn", 1, 100, NULL, 0);
	ck_assert_int_eq(wait_int("written", 1, 3000), 1);
	snprintf(path, sizeof path, "%s/a/b", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0750);
}
END_TEST

START_TEST(test_queue_full_and_locked)
{
	struct stats_tuning	 t;
	sqlite3			*lock;
	char			*err = NULL, *s;
	double			 t0;
	int			 i;

	/* An existing file, held by another writer. */
	lock = statsdb_open(path, 0, &err);
	ck_assert_msg(lock != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);

	stats_tuning_defaults(&t);
	t.queue_max = 4;
	t.retry_min_ms = 20;
	t.retry_max_ms = 50;
	stats_tune(&t);
	ck_assert_int_eq(stats_start(base, path, 0), 0);
	t0 = gw_wall_time();
	for (i = 0; i < 10; i++)
		emit("spawn", 1, 100 + i, NULL, 0);
	/* The caller never waits for the lock. */
	ck_assert(gw_wall_time() - t0 < 0.05);
	ck_assert_int_eq(status_int("dropped"), 6);
	ck_assert_int_eq(status_int("queued"), 4);
	ck_assert_int_eq(wait_state("error", 2000), 0);
	s = status_str("error");
	ck_assert_msg(strstr(s, "locked") != NULL, "%s", s);
	free(s);
	wait_int("never", 1, 300);	/* several retries */
	ck_assert_int_eq(status_int("written"), 0);
	ck_assert_int_eq(log_count("warning: stats:"), 1);

	/* Released: what was queued is written, the drops stay counted. */
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	statsdb_close(lock);
	ck_assert_int_eq(wait_int("written", 4, 3000), 4);
	ck_assert_int_eq(wait_state("ok", 1000), 0);
	ck_assert_int_eq(status_int("dropped"), 6);
	ck_assert_int_eq(log_count("works again"), 1);
	ck_assert_int_eq(log_count("warning: stats:"), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM events"), 4);
}
END_TEST

START_TEST(test_corrupt)
{
	unsigned char	 junk[4096], back[4096];
	char		*s;
	int		 fd, i;

	srand(7);
	for (i = 0; i < (int)sizeof junk; i++)
		junk[i] = (unsigned char)rand();
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, junk, sizeof junk), (int)sizeof junk);
	close(fd);
	ck_assert_int_eq(stats_start(base, path, 0), 0);
	emit("spawn", 1, 100, NULL, 0);
	ck_assert_int_eq(wait_state("error", 2000), 0);
	s = status_str("error");
	ck_assert_msg(strstr(s, "not a database") != NULL, "%s", s);
	free(s);
	stats_stop();
	/* gwd never rewrites the operator's file. */
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, back, sizeof back), (int)sizeof back);
	close(fd);
	ck_assert(memcmp(junk, back, sizeof junk) == 0);
	ck_assert_int_eq(log_count("warning: stats:"), 1);
}
END_TEST

/*
 * The rest runs in a child of its own: it changes uid or mounts.  The
 * child exits 0 (pass), 77 (cannot set up here: skipped), or 1.
 */
static int
in_child(int (*fn)(void))
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0)
		_exit(fn());
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int
child_readonly(void)
{
	sqlite3	*db;
	char	*err = NULL, *s;
	int	 ok;

	db = statsdb_open(path, 0, &err);
	if (db == NULL)
		return 1;
	statsdb_close(db);
	if (geteuid() == 0) {
		/* Root writes anything: become somebody else. */
		if (setgid(65534) == -1 || setuid(65534) == -1)
			return 77;
	} else if (chmod(path, 0444) == -1 || chmod(dir, 0555) == -1)
		return 1;
	if (stats_start(base, path, 0) != 0)
		return 1;
	emit("spawn", 1, 100, NULL, 0);
	if (wait_state("error", 2000) != 0)
		return 1;
	s = status_str("error");
	ok = strstr(s, "read-only") != NULL || strstr(s, "readonly") != NULL ||
	    strstr(s, "unable to open") != NULL;
	fprintf(stderr, "read-only: %s\n", s);
	free(s);
	stats_stop();
	if (geteuid() != 0)
		chmod(dir, 0755);
	return ok ? 0 : 1;
}

START_TEST(test_readonly)
{
	int	rc = in_child(child_readonly);

	if (rc == 77)
		fprintf(stderr, "check_stats: read-only test skipped: cannot "
		    "change uid\n");
	else
		ck_assert_int_eq(rc, 0);
}
END_TEST

static int
child_full(void)
{
	char	 sub[200], *s, big[2000];
	int	 ok, i;

	if (unshare(CLONE_NEWNS) == -1 &&
	    unshare(CLONE_NEWUSER | CLONE_NEWNS) == -1)
		return 77;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1)
		return 77;
	snprintf(sub, sizeof sub, "%s/full", dir);
	mkdir(sub, 0700);
	if (mount("tmpfs", sub, "tmpfs", 0, "size=128k") == -1)
		return 77;
	snprintf(path, sizeof path, "%s/full/s.db", dir);
	if (stats_start(base, path, 0) != 0)
		return 1;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (i = 0; i < 400; i++) {
		struct gw_event	 e = { .ts = gw_wall_time(), .event = "spawn",
		    .exit_status = -1 };
		json_t		*d = json_pack("{s:s}", "pad", big);

		e.detail = d;
		events_emit(&e);
		json_decref(d);
	}
	if (wait_state("error", 3000) != 0)
		return 1;
	s = status_str("error");
	ok = strstr(s, "full") != NULL;
	fprintf(stderr, "disk full: %s\n", s);
	free(s);
	stats_stop();
	return ok && log_count("warning: stats:") == 1 ? 0 : 1;
}

START_TEST(test_disk_full)
{
	int	rc = in_child(child_full);

	if (rc == 77)
		fprintf(stderr, "check_stats: disk-full test skipped: cannot "
		    "mount a tmpfs here\n");
	else
		ck_assert_int_eq(rc, 0);
}
END_TEST

START_TEST(test_retention)
{
	struct stats_tuning	 t;
	struct statsdb_event	 e = { .event = "spawn", .exit_status = -1 };
	sqlite3			*db;
	char			*err = NULL;
	int			 i;

	db = statsdb_open(path, 0, &err);
	ck_assert_msg(db != NULL, "%s", err);
	statsdb_begin(db);
	for (i = 0; i < 1200; i++) {
		e.ts = gw_wall_time() - 3600 - i;	/* an hour old */
		ck_assert_int_eq(statsdb_insert_event(db, &e), SQLITE_OK);
	}
	statsdb_commit(db);
	statsdb_close(db);

	stats_tuning_defaults(&t);
	t.retention_every_ms = 50;
	t.retention_batch = 100;
	stats_tune(&t);
	ck_assert_int_eq(stats_start(base, path, 600000), 0);	/* 10 min */
	emit("spawn", 1, 100, NULL, 0);
	ck_assert_int_eq(wait_int("written", 1, 3000), 1);
	for (i = 0; i < 300 && count_rows("SELECT count(*) FROM events") > 1;
	    i++)
		usleep(10000);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM events"), 1);
}
END_TEST

Suite *
make_suite_stats(void)
{
	Suite	*s = suite_create("stats");
	TCase	*tc = tcase_create("stats");

	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_stop_flushes);
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_no_directory);
	tcase_add_test(tc, test_creates_directory);
	tcase_add_test(tc, test_queue_full_and_locked);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_retention);
	suite_add_tcase(s, tc);
	return s;
}
