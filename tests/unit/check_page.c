/*
 * check_page.c: the status page's history query (statsdb_history): the
 * bound on points, the values of a bucket, exits per bucket, arguments.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/statsdb.h"
#include "gw/statsdb_history.h"
#include "gw/util.h"

#define NOW	1800000000.0	/* a round hour: 500000 * 3600 */

static char	 dir[64];
static char	 path[128];
static sqlite3	*db;

static void
setup(void)
{
	char	*err = NULL;

	snprintf(dir, sizeof dir, "/tmp/check_page.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.db", dir);
	db = statsdb_open(path, 0, &err);
	ck_assert_msg(db != NULL, "%s", err ? err : "");
}

static void
teardown(void)
{
	char	*cmd = xasprintf("rm -rf '%s'", dir);

	statsdb_close(db);
	(void)!system(cmd);
	free(cmd);
}

static void
sample(double ts, long ready, long target, int64_t mrss, int64_t wrss,
    int64_t requests)
{
	struct statsdb_sample	s = {
		.ts = ts, .generation = 1, .target = target, .ready = ready,
		.master_rss_kb = mrss, .workers_rss_kb = wrss,
		.workers_cpu_s = -1, .requests = requests,
	};

	ck_assert_int_eq(statsdb_insert_sample(db, &s), SQLITE_OK);
}

static void
exit_at(double ts, const char *reason)
{
	struct statsdb_event	e = {
		.ts = ts, .generation = -1, .event = "exit", .reason = reason,
		.exit_status = -1,
	};

	ck_assert_int_eq(statsdb_insert_event(db, &e), SQLITE_OK);
}

static json_t *
history(const char *args_json)
{
	json_t		*args = NULL, *res;
	const char	*code;
	char		*msg;

	if (args_json != NULL)
		args = json_loads(args_json, 0, NULL);
	res = statsdb_history_at(db, args, NOW, &code, &msg);
	ck_assert_msg(res != NULL, "%s: %s", code, msg ? msg : "");
	json_decref(args);
	return res;
}

static json_t *
series(json_t *res, const char *name)
{
	return json_object_get(json_object_get(res, "samples"), name);
}

/* A week of samples every 10 s: 60480 rows, at most 500 points back. */
START_TEST(history_bounded)
{
	json_t	*res, *ts;
	double	 t;
	size_t	 i, n;

	statsdb_begin(db);
	for (t = NOW - 7 * 86400 + 5; t <= NOW; t += 10)
		sample(t, 4, 4, 9000, 40000, (int64_t)(t - (NOW - 7 * 86400)));
	ck_assert_int_eq(statsdb_commit(db), SQLITE_OK);

	res = history("{\"since\": -604800}");
	ts = series(res, "ts");
	n = json_array_size(ts);
	ck_assert_uint_le(n, STATSDB_HISTORY_POINTS);
	ck_assert_uint_ge(n, STATSDB_HISTORY_POINTS - 1);
	ck_assert_double_eq_tol(json_real_value(json_object_get(res,
	    "step_s")), 604800.0 / 500, 1e-6);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(json_integer_value(json_array_get(
		    series(res, "target"), i)), 4);
		ck_assert_int_eq(json_integer_value(json_array_get(
		    series(res, "master_rss_kb"), i)), 9000);
		if (i > 0)
			ck_assert(json_real_value(json_array_get(ts, i)) >
			    json_real_value(json_array_get(ts, i - 1)));
	}
	ck_assert_uint_eq(json_array_size(series(res, "requests")), n);
	json_decref(res);

	/* points asks for fewer. */
	res = history("{\"since\": -604800, \"points\": 50}");
	ck_assert_uint_le(json_array_size(series(res, "ts")), 50);
	json_decref(res);
}
END_TEST

/* One bucket: the mean and lowest ready, the highest of the rest. */
START_TEST(history_bucket_values)
{
	json_t	*res, *r;

	sample(NOW - 30, 4, 4, 100, 1000, 10);
	sample(NOW - 20, 2, 4, 300, 900, 50);
	sample(NOW - 10, 3, 5, 200, 800, 40);
	sample(NOW - 7200, 9, 9, 1, 1, 1);	/* outside the range */
	res = history("{\"since\": -60, \"points\": 2}");
	ck_assert_uint_eq(json_array_size(series(res, "ts")), 1);
	ck_assert_double_eq_tol(json_real_value(json_array_get(series(res,
	    "ts"), 0)), NOW - 30, 1e-6);
	r = json_array_get(series(res, "ready"), 0);
	ck_assert_double_eq_tol(json_number_value(r), 3.0, 1e-9);
	ck_assert_int_eq(json_integer_value(json_array_get(series(res,
	    "ready_min"), 0)), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(series(res,
	    "target"), 0)), 5);
	ck_assert_int_eq(json_integer_value(json_array_get(series(res,
	    "master_rss_kb"), 0)), 300);
	ck_assert_int_eq(json_integer_value(json_array_get(series(res,
	    "workers_rss_kb"), 0)), 1000);
	ck_assert_int_eq(json_integer_value(json_array_get(series(res,
	    "requests"), 0)), 50);
	json_decref(res);
}
END_TEST

/* NULL columns come back as null, not 0. */
START_TEST(history_nulls)
{
	json_t	*res;

	sample(NOW - 10, 1, 1, -1, -1, -1);
	res = history(NULL);
	ck_assert_uint_eq(json_array_size(series(res, "ts")), 1);
	ck_assert(json_is_null(json_array_get(series(res, "requests"), 0)));
	ck_assert(json_is_null(json_array_get(series(res, "master_rss_kb"),
	    0)));
	json_decref(res);
}
END_TEST

/* Exits by reason: per hour over a day, per 5 minutes over an hour. */
START_TEST(history_exits)
{
	json_t	*res, *ex, *row;

	exit_at(NOW - 3600 * 5 + 10, "crash");
	exit_at(NOW - 3600 * 5 + 20, "crash");
	exit_at(NOW - 3600 * 5 + 30, "timeout");
	exit_at(NOW - 100, "crash");
	exit_at(NOW - 90, NULL);
	exit_at(NOW - 86400 * 3, "crash");	/* outside */
	res = history("{\"since\": -86400}");
	ck_assert_int_eq(json_integer_value(json_object_get(res,
	    "exit_step_s")), 3600);
	ex = json_object_get(res, "exits");
	ck_assert_uint_eq(json_array_size(ex), 4);
	row = json_array_get(ex, 0);
	ck_assert_int_eq(json_integer_value(json_array_get(row, 0)),
	    (json_int_t)NOW - 3600 * 5);
	ck_assert_str_eq(json_string_value(json_array_get(row, 1)), "crash");
	ck_assert_int_eq(json_integer_value(json_array_get(row, 2)), 2);
	row = json_array_get(ex, 1);
	ck_assert_str_eq(json_string_value(json_array_get(row, 1)),
	    "timeout");
	row = json_array_get(ex, 3);
	ck_assert_str_eq(json_string_value(json_array_get(row, 1)),
	    "unknown");
	ck_assert_int_eq(json_integer_value(json_array_get(row, 0)),
	    (json_int_t)NOW - 3600);
	json_decref(res);

	res = history("{\"since\": -3600}");
	ck_assert_int_eq(json_integer_value(json_object_get(res,
	    "exit_step_s")), 300);
	ex = json_object_get(res, "exits");
	ck_assert_uint_eq(json_array_size(ex), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(ex,
	    0), 0)), (json_int_t)NOW - 300);
	json_decref(res);
}
END_TEST

/* A long span with few points: exit buckets grow, whole hours. */
START_TEST(history_exit_buckets_bounded)
{
	json_t		*res;
	json_int_t	 step;
	int		 i;

	for (i = 0; i < 24 * 30; i++)
		exit_at(NOW - 3600.0 * i - 1, "crash");
	res = history("{\"since\": -2592000, \"points\": 10}");
	step = json_integer_value(json_object_get(res, "exit_step_s"));
	ck_assert_int_eq(step % 3600, 0);
	ck_assert_int_ge(step, 2592000 / 9);
	ck_assert_uint_le(json_array_size(json_object_get(res, "exits")), 10);
	json_decref(res);
}
END_TEST

START_TEST(history_bad_args)
{
	static const char *bad[] = {
		"{\"points\": 1}", "{\"points\": 1001}", "{\"points\": \"x\"}",
		"{\"since\": \"1h\"}", "{\"since\": -10, \"until\": -20}",
		"{\"kind\": \"samples\"}", "[1]",
	};
	const char	*code;
	char		*msg;
	json_t		*args;
	size_t		 i;

	for (i = 0; i < GW_ARRAY_LEN(bad); i++) {
		args = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(args);
		ck_assert_msg(statsdb_history_at(db, args, NOW, &code,
		    &msg) == NULL, "%s accepted", bad[i]);
		ck_assert_str_eq(code, "invalid_argument");
		ck_assert_ptr_nonnull(msg);
		free(msg);
		json_decref(args);
	}
}
END_TEST

static Suite *
make_suite_history(void)
{
	Suite	*s = suite_create("statsdb_history");
	TCase	*tc = tcase_create("history");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, history_bounded);
	tcase_add_test(tc, history_bucket_values);
	tcase_add_test(tc, history_nulls);
	tcase_add_test(tc, history_exits);
	tcase_add_test(tc, history_exit_buckets_bounded);
	tcase_add_test(tc, history_bad_args);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(make_suite_history());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
