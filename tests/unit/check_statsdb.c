/* check_statsdb.c: schema, migrations, inserts, queries, retention, --since. */
#include "config.h"

#include <sys/mount.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/statsdb.h"
#include "gw/util.h"
#include "suites.h"

static char	 dir[64];
static char	 path[128];

static void
setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/check_statsdb.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.db", dir);
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", dir);

	(void)!system(cmd);
	free(cmd);
}

static long long
scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v = -12345;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
exec_raw(const char *file, const char *sql)
{
	sqlite3	*db;

	ck_assert_int_eq(sqlite3_open(file, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

static sqlite3 *
open_rw(void)
{
	char	*err = NULL;
	sqlite3	*db = statsdb_open(path, 0, &err);

	ck_assert_msg(db != NULL, "open: %s", err ? err : "?");
	return db;
}

static void
add_event(sqlite3 *db, double ts, int wid, int pid, const char *event,
    const char *reason, int status, int sig, const char *detail)
{
	struct statsdb_event	e = {
		.ts = ts, .master_pid = 100, .generation = 1,
		.worker_id = wid, .pid = pid, .event = event,
		.reason = reason, .exit_status = status, .signal = sig,
		.detail = detail,
	};

	ck_assert_int_eq(statsdb_insert_event(db, &e), SQLITE_OK);
}

/* Run a query that must succeed. */
static json_t *
q_ok(sqlite3 *db, const char *args, double now)
{
	json_t		*a = args ? json_loads(args, 0, NULL) : NULL, *r;
	const char	*code;
	char		*msg;

	ck_assert(args == NULL || a != NULL);
	r = statsdb_query_at(db, a, now, &code, &msg);
	ck_assert_msg(r != NULL, "%s: %s: %s", args, code, msg);
	ck_assert_ptr_null(msg);
	json_decref(a);
	return r;
}

START_TEST(test_create)
{
	sqlite3	*db = open_rw();

	ck_assert_int_eq(statsdb_version(db), STATSDB_VERSION);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('events', 'samples', 'worker_samples')"), 3);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index'"), 5);
	/* synchronous=NORMAL is 1 */
	ck_assert_int_eq(scalar(db, "PRAGMA synchronous"), 1);
	statsdb_close(db);
	/* WAL persists in the file. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
		    "wal");
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	/* Opening again is a no-op. */
	db = open_rw();
	ck_assert_int_eq(statsdb_version(db), STATSDB_VERSION);
	statsdb_close(db);
}
END_TEST

/* A version-1 file as the first gwd wrote it, by hand (not from lib). */
static const char v1_sql[] =
	"CREATE TABLE events(id INTEGER PRIMARY KEY, ts REAL NOT NULL,"
	" master_pid INTEGER, generation INTEGER, worker_id INTEGER,"
	" pid INTEGER, event TEXT NOT NULL, reason TEXT,"
	" exit_status INTEGER, signal INTEGER, detail TEXT);"
	"CREATE TABLE samples(ts REAL NOT NULL, generation INTEGER,"
	" target INTEGER, ready INTEGER, booting INTEGER, draining INTEGER,"
	" master_rss_kb INTEGER, workers_rss_kb INTEGER,"
	" workers_cpu_s REAL, requests INTEGER);"
	"INSERT INTO events(ts, worker_id, pid, event, reason, exit_status,"
	" signal, detail) VALUES (1000.5, 3, 4567, 'exit', 'crash', NULL, 11,"
	" '{\"uptime_ms\": 5000}');"
	"INSERT INTO samples VALUES (1001, 1, 4, 4, 0, 0, 3000, 40000, 1.5, 7);"
	"PRAGMA user_version = 1;";

START_TEST(test_migrate_v1)
{
	sqlite3		*db;
	char		*err = NULL;
	json_t		*r, *row, *a;
	const char	*code;
	char		*msg;

	exec_raw(path, v1_sql);

	/* gwctl reads a version-1 file as it is. */
	db = statsdb_open(path, 1, &err);
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(statsdb_version(db), 1);
	r = q_ok(db, "{\"since\": 0}", 2000);
	ck_assert(json_is_null(json_object_get(r, "max_rss_kb")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r,
	    "exits"), "crash")), 1);
	json_decref(r);
	a = json_pack("{s:s, s:i}", "kind", "worker_samples", "since", 0);
	ck_assert_ptr_null(statsdb_query_at(db, a, 2000, &code, &msg));
	json_decref(a);
	ck_assert_str_eq(code, "not_found");
	free(msg);
	statsdb_close(db);

	/* gwd migrates it forward and keeps the rows. */
	db = open_rw();
	ck_assert_int_eq(statsdb_version(db), STATSDB_VERSION);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM worker_samples"), 0);
	r = q_ok(db, "{\"kind\": \"events\", \"since\": 0}", 2000);
	row = json_array_get(json_object_get(r, "rows"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(row, "signal")), 11);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(row,
	    "detail"), "uptime_ms")), 5000);
	json_decref(r);
	statsdb_close(db);
}
END_TEST

START_TEST(test_open_refuses)
{
	char	*err = NULL;
	int	 fd, i;
	char	 junk[8192];

	/* Newer than us. */
	exec_raw(path, "CREATE TABLE events(x); PRAGMA user_version = 99;");
	ck_assert_ptr_null(statsdb_open(path, 0, &err));
	ck_assert_msg(strstr(err, "newer") != NULL, "%s", err);
	free(err);
	unlink(path);

	/* Somebody else's database. */
	exec_raw(path, "CREATE TABLE mine(x);");
	ck_assert_ptr_null(statsdb_open(path, 0, &err));
	ck_assert_msg(strstr(err, "not a gwd stats database") != NULL, "%s",
	    err);
	free(err);
	ck_assert_ptr_null(statsdb_open(path, 1, &err));
	ck_assert_msg(strstr(err, "not a gwd stats database") != NULL, "%s",
	    err);
	free(err);
	unlink(path);

	/* Random bytes. */
	srand(42);
	for (i = 0; i < (int)sizeof junk; i++)
		junk[i] = (char)rand();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof junk), (int)sizeof junk);
	close(fd);
	ck_assert_ptr_null(statsdb_open(path, 0, &err));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	free(err);
	ck_assert_ptr_null(statsdb_open(path, 1, &err));
	free(err);
	unlink(path);

	/* gwctl never creates a file. */
	ck_assert_ptr_null(statsdb_open(path, 1, &err));
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	free(err);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* A fixed history: now = 10000. */
static sqlite3 *
history(void)
{
	sqlite3				*db = open_rw();
	struct statsdb_sample		 s = { .ts = 9000, .generation = 1,
	    .target = 2, .ready = 2, .master_rss_kb = 2000,
	    .workers_rss_kb = 30000, .workers_cpu_s = 1.25, .requests = -1 };
	struct statsdb_worker_sample	 w = { .ts = 9000, .worker_id = 1,
	    .pid = 501, .generation = 1, .state = "ready", .rss_kb = 15000,
	    .cpu_s = 0.5, .requests = 10 };

	ck_assert_int_eq(statsdb_begin(db), SQLITE_OK);
	add_event(db, 100, 0, 0, "master_start", NULL, -1, 0, NULL);
	add_event(db, 6400, 0, 0, "master_start", NULL, -1, 0, NULL);
	add_event(db, 6401, 1, 501, "spawn", NULL, -1, 0, NULL);
	add_event(db, 6401, 2, 502, "spawn", NULL, -1, 0, NULL);
	add_event(db, 6401.2, 1, 501, "ready", NULL, -1, 0,
	    "{\"time_to_ready_ms\": 200}");
	add_event(db, 6401.4, 2, 502, "ready", NULL, -1, 0, NULL);
	add_event(db, 7000, 2, 502, "exit", "crash", -1, 11,
	    "{\"uptime_ms\": 598600, \"status\": \"serving\"}");
	add_event(db, 7000.1, 2, 503, "spawn", NULL, -1, 0, NULL);
	add_event(db, 7000.2, 2, 503, "ready", NULL, -1, 0, NULL);
	add_event(db, 8000, 2, 503, "exit", "timeout", -1, 9,
	    "{\"wchan\": \"futex_wait\", \"state\": \"S\"}");
	add_event(db, 8000.5, 2, 504, "spawn", NULL, -1, 0, NULL);
	add_event(db, 8001, 0, 0, "reload_start", NULL, -1, 0, NULL);
	add_event(db, 8002, 0, 0, "reload_done", NULL, -1, 0, NULL);
	add_event(db, 8003, 0, 0, "reload_start", NULL, -1, 0, NULL);
	add_event(db, 8004, 0, 0, "reload_failed", NULL, -1, 0, NULL);
	add_event(db, 8005, 1, 501, "exit", "reload", 0, 0, NULL);
	add_event(db, 8006, 0, 0, "control", NULL, -1, 0,
	    "{\"cmd\": \"scale\", \"args\": {\"workers\": 3}, \"uid\": 0}");
	ck_assert_int_eq(statsdb_insert_sample(db, &s), SQLITE_OK);
	ck_assert_int_eq(statsdb_insert_worker_sample(db, &w), SQLITE_OK);
	s.ts = 9500;
	s.workers_rss_kb = 45000;
	s.master_rss_kb = -1;
	ck_assert_int_eq(statsdb_insert_sample(db, &s), SQLITE_OK);
	w.ts = 9500;
	w.rss_kb = 22000;
	ck_assert_int_eq(statsdb_insert_worker_sample(db, &w), SQLITE_OK);
	w.worker_id = 2;
	w.pid = 504;
	w.rss_kb = 18000;
	w.state = "booting";
	ck_assert_int_eq(statsdb_insert_worker_sample(db, &w), SQLITE_OK);
	ck_assert_int_eq(statsdb_commit(db), SQLITE_OK);
	return db;
}

START_TEST(test_summary)
{
	sqlite3	*db = history();
	json_t	*r, *exits, *last;

	/* Default: the last 24 hours, which here is everything. */
	r = q_ok(db, NULL, 10000);
	ck_assert(json_real_value(json_object_get(r, "until")) == 10000);
	ck_assert(json_real_value(json_object_get(r, "since")) == 10000 - 86400);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "spawns")), 4);
	exits = json_object_get(r, "exits");
	ck_assert_int_eq(json_object_size(exits), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(exits, "crash")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(exits, "timeout")),
	    1);
	ck_assert_int_eq(json_integer_value(json_object_get(exits, "reload")),
	    1);
	/* A reload exit is not a restart. */
	ck_assert_int_eq(json_integer_value(json_object_get(r, "restarts")), 2);
	ck_assert(fabs(json_real_value(json_object_get(r,
	    "restarts_per_hour")) - 2.0 / 24) < 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r,
	    "reloads"), "started")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r,
	    "reloads"), "ok")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r,
	    "reloads"), "failed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "max_rss_kb")),
	    22000);
	ck_assert_int_eq(json_integer_value(json_object_get(r,
	    "max_workers_rss_kb")), 45000);
	ck_assert_int_eq(json_integer_value(json_object_get(r,
	    "max_master_rss_kb")), 2000);
	/* (200 + 400 + 100) / 3 ms */
	ck_assert(fabs(json_real_value(json_object_get(r,
	    "mean_time_to_ready_ms")) - 700.0 / 3) < 0.01);
	ck_assert_int_eq(json_integer_value(json_object_get(r,
	    "control_commands")), 1);
	last = json_object_get(r, "last_sample");
	ck_assert(json_real_value(json_object_get(last, "ts")) == 9500);
	ck_assert(json_is_null(json_object_get(last, "master_rss_kb")));
	ck_assert(json_is_null(json_object_get(last, "requests")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r,
	    "events"), "master_start")), 2);
	json_decref(r);

	/* A window: only the second hour after start (7000 .. 7999). */
	r = q_ok(db, "{\"since\": 7000, \"until\": 7999}", 10000);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "spawns")), 1);
	ck_assert_int_eq(json_object_size(json_object_get(r, "exits")), 1);
	ck_assert(fabs(json_real_value(json_object_get(r,
	    "restarts_per_hour")) - 3600.0 / 999) < 1e-9);
	ck_assert(json_is_null(json_object_get(r, "max_rss_kb")));
	ck_assert(json_is_null(json_object_get(r, "last_sample")));
	json_decref(r);

	/* Negative: seconds ago. */
	r = q_ok(db, "{\"since\": -1500}", 10000);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "spawns")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "max_rss_kb")),
	    22000);
	json_decref(r);
	statsdb_close(db);
}
END_TEST

START_TEST(test_events)
{
	sqlite3	*db = history();
	json_t	*r, *rows, *row;

	r = q_ok(db, "{\"kind\": \"events\"}", 10000);
	rows = json_object_get(r, "rows");
	ck_assert_int_eq(json_array_size(rows), 17);
	ck_assert(json_is_false(json_object_get(r, "more")));
	/* Oldest first. */
	row = json_array_get(rows, 0);
	ck_assert_str_eq(json_string_value(json_object_get(row, "event")),
	    "master_start");
	ck_assert(json_is_null(json_object_get(row, "worker_id")));
	ck_assert(json_is_null(json_object_get(row, "pid")));
	ck_assert(json_is_null(json_object_get(row, "detail")));
	row = json_array_get(rows, 6);
	ck_assert_str_eq(json_string_value(json_object_get(row, "reason")),
	    "crash");
	ck_assert_int_eq(json_integer_value(json_object_get(row, "signal")), 11);
	ck_assert(json_is_null(json_object_get(row, "exit_status")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(row,
	    "detail"), "status")), "serving");
	ck_assert_int_eq(json_integer_value(json_object_get(row, "master_pid")),
	    100);
	json_decref(r);

	/* limit: the latest rows, oldest first, and "more". */
	r = q_ok(db, "{\"kind\": \"events\", \"limit\": 2}", 10000);
	rows = json_object_get(r, "rows");
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert(json_is_true(json_object_get(r, "more")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
	    0), "reason")), "reload");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
	    1), "event")), "control");
	json_decref(r);

	/* Filters. */
	r = q_ok(db, "{\"kind\": \"events\", \"event\": \"exit\"}", 10000);
	ck_assert_int_eq(json_array_size(json_object_get(r, "rows")), 3);
	json_decref(r);
	r = q_ok(db, "{\"kind\": \"events\", \"worker\": 2, \"until\": 7500}",
	    10000);
	ck_assert_int_eq(json_array_size(json_object_get(r, "rows")), 5);
	json_decref(r);
	r = q_ok(db, "{\"kind\": \"events\", \"since\": 8000.5, "
	    "\"until\": 8002}", 10000);
	ck_assert_int_eq(json_array_size(json_object_get(r, "rows")), 3);
	json_decref(r);
	statsdb_close(db);
}
END_TEST

START_TEST(test_samples)
{
	sqlite3	*db = history();
	json_t	*r, *rows;

	r = q_ok(db, "{\"kind\": \"samples\"}", 10000);
	rows = json_object_get(r, "rows");
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rows,
	    0), "workers_rss_kb")), 30000);
	ck_assert(json_real_value(json_object_get(json_array_get(rows, 0),
	    "workers_cpu_s")) == 1.25);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rows,
	    1), "target")), 2);
	json_decref(r);

	r = q_ok(db, "{\"kind\": \"worker_samples\", \"worker\": 1}", 10000);
	rows = json_object_get(r, "rows");
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
	    1), "state")), "ready");
	json_decref(r);
	r = q_ok(db, "{\"kind\": \"worker_samples\", \"limit\": 1}", 10000);
	rows = json_object_get(r, "rows");
	ck_assert_int_eq(json_array_size(rows), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rows,
	    0), "pid")), 504);
	json_decref(r);
	statsdb_close(db);
}
END_TEST

START_TEST(test_bad_args)
{
	static const char *bad[] = {
		"[]", "\"summary\"", "7",
		"{\"kind\": 5}", "{\"kind\": \"foo\"}", "{\"kind\": null}",
		"{\"since\": \"yesterday\"}", "{\"until\": true}",
		"{\"since\": 1e300}",
		"{\"kind\": \"events\", \"limit\": 0}",
		"{\"kind\": \"events\", \"limit\": 10001}",
		"{\"kind\": \"events\", \"limit\": 1.5}",
		"{\"kind\": \"events\", \"limit\": \"5\"}",
		"{\"limit\": 5}",
		"{\"kind\": \"samples\", \"event\": \"exit\"}",
		"{\"kind\": \"events\", \"event\": 3}",
		"{\"kind\": \"events\", \"event\": \"\"}",
		"{\"kind\": \"events\", \"worker\": 0}",
		"{\"kind\": \"samples\", \"worker\": 1}",
		"{\"since\": 5000, \"until\": 4000}",
		"{\"sinse\": 5}",
	};
	sqlite3		*db = history();
	json_t		*a;
	const char	*code;
	char		*msg;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(a);
		ck_assert_msg(statsdb_query_at(db, a, 10000, &code, &msg) ==
		    NULL, "accepted %s", bad[i]);
		ck_assert_str_eq(code, "invalid_argument");
		ck_assert_msg(msg != NULL && *msg != '\0', "%s", bad[i]);
		free(msg);
		json_decref(a);
	}
	/* The messages name the culprit. */
	a = json_loads("{\"sinse\": 5}", 0, NULL);
	statsdb_query_at(db, a, 10000, &code, &msg);
	ck_assert_msg(strstr(msg, "sinse") != NULL, "%s", msg);
	free(msg);
	json_decref(a);
	/* null means default. */
	json_decref(q_ok(db, "{\"since\": null, \"until\": null}", 10000));
	statsdb_close(db);
}
END_TEST

START_TEST(test_retention)
{
	sqlite3				*db = open_rw();
	struct statsdb_sample		 s = { .ts = 0 };
	struct statsdb_worker_sample	 w = { .worker_id = 1, .state = "ready" };
	long				 n, total = 0, calls = 0;
	int				 i, rc;

	ck_assert_int_eq(statsdb_begin(db), SQLITE_OK);
	for (i = 0; i < 20; i++) {
		/* 10 old rows in each table, 10 recent. */
		double ts = i < 10 ? 100 + i : 1000 + i;

		add_event(db, ts, 1, 10 + i, "spawn", NULL, -1, 0, NULL);
		s.ts = ts;
		w.ts = ts;
		ck_assert_int_eq(statsdb_insert_sample(db, &s), SQLITE_OK);
		ck_assert_int_eq(statsdb_insert_worker_sample(db, &w),
		    SQLITE_OK);
	}
	ck_assert_int_eq(statsdb_commit(db), SQLITE_OK);
	while ((n = statsdb_retention(db, 500, 3, &rc)) > 0) {
		ck_assert_int_le(n, 9);		/* 3 per table */
		total += n;
		calls++;
	}
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(total, 30);
	ck_assert_int_eq(calls, 4);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM events"), 10);
	ck_assert_int_eq(scalar(db, "SELECT min(ts) FROM samples"), 1010);
	ck_assert_int_eq(scalar(db, "SELECT count(*) FROM worker_samples"), 10);
	statsdb_close(db);
}
END_TEST

/* Child: the directory remounted read-only; 0 pass, 77 skip, 1 fail. */
static int
child_read_frozen(void)
{
	sqlite3	*db;
	char	*err = NULL;
	json_t	*r;
	int	 ok;

	if (unshare(CLONE_NEWNS) == -1 &&
	    unshare(CLONE_NEWUSER | CLONE_NEWNS) == -1)
		return 77;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount(dir, dir, "none", MS_BIND, NULL) == -1 ||
	    mount("none", dir, "none", MS_REMOUNT | MS_BIND | MS_RDONLY,
	    NULL) == -1)
		return 77;
	if ((db = statsdb_open(path, 1, &err)) == NULL) {
		fprintf(stderr, "frozen: %s\n", err);
		return 1;
	}
	r = q_ok(db, "{\"kind\": \"events\", \"since\": 0}", 10000);
	ok = json_array_size(json_object_get(r, "rows")) == 2;
	json_decref(r);
	statsdb_close(db);
	/* And gwd refuses to write there, with a clear message. */
	if (statsdb_open(path, 0, &err) != NULL)
		return 1;
	fprintf(stderr, "frozen, read-write: %s\n", err);
	free(err);
	return ok ? 0 : 1;
}

START_TEST(test_read_frozen)
{
	sqlite3	*db = open_rw();
	pid_t	 pid;
	int	 status;

	add_event(db, 100, 1, 10, "spawn", NULL, -1, 0, NULL);
	add_event(db, 101, 1, 10, "ready", NULL, -1, 0, NULL);
	statsdb_close(db);
	/* A clean close leaves no -wal or -shm behind. */
	ck_assert_int_eq(access(path, F_OK), 0);
	if ((pid = fork()) == 0)
		_exit(child_read_frozen());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		fprintf(stderr, "check_statsdb: read-only mount test skipped: "
		    "cannot mount here\n");
	else
		ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(test_parse_since)
{
	static const char *bad[] = { "", " 1h", "yesterday", "1h30x",
	    "2026-13-45", "2026-11-21T03:00+01", "1e400" };
	struct tm	 tm;
	double		 v;
	char		*err;
	size_t		 i;

	ck_assert_int_eq(statsdb_parse_since("1h", 10000, &v, &err), 0);
	ck_assert(v == 6400);
	ck_assert_int_eq(statsdb_parse_since("30m", 10000, &v, &err), 0);
	ck_assert(v == 8200);
	ck_assert_int_eq(statsdb_parse_since("1m30s", 10000, &v, &err), 0);
	ck_assert(v == 9910);
	ck_assert_int_eq(statsdb_parse_since("1700000000", 10000, &v, &err), 0);
	ck_assert(v == 1700000000);
	ck_assert_int_eq(statsdb_parse_since("-60", 10000, &v, &err), 0);
	ck_assert(v == 9940);
	ck_assert_int_eq(statsdb_parse_since("2026-11-21T03:00Z", 0, &v, &err),
	    0);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 126;
	tm.tm_mon = 10;
	tm.tm_mday = 21;
	tm.tm_hour = 3;
	ck_assert(v == (double)timegm(&tm));
	ck_assert_int_eq(statsdb_parse_since("2026-11-21T03:00:15Z", 0, &v,
	    &err), 0);
	ck_assert(v == (double)timegm(&tm) + 15);
	ck_assert_int_eq(statsdb_parse_since("2026-11-21T03:00", 0, &v, &err),
	    0);
	tm.tm_isdst = -1;
	ck_assert(v == (double)mktime(&tm));
	ck_assert_int_eq(statsdb_parse_since("2026-11-21", 0, &v, &err), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		ck_assert_msg(statsdb_parse_since(bad[i], 10000, &v,
		    &err) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(err);
		free(err);
	}
}
END_TEST

Suite *
make_suite_statsdb(void)
{
	Suite	*s = suite_create("statsdb");
	TCase	*tc = tcase_create("statsdb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_migrate_v1);
	tcase_add_test(tc, test_open_refuses);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_samples);
	tcase_add_test(tc, test_bad_args);
	tcase_add_test(tc, test_retention);
	tcase_add_test(tc, test_read_frozen);
	tcase_add_test(tc, test_parse_since);
	suite_add_tcase(s, tc);
	return s;
}
