/*
 * check_render.c: gwctl's human renderers on fixed JSON: units, "-" for
 * null, alignment, 80 columns, and hostile status text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ctl/render.h"
#include "suites.h"

/* Render into a string (caller frees). */
static char *
capture(void (*fn)(FILE *, json_t *), const char *json)
{
	json_t	*j = json_loads(json, 0, NULL);
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	ck_assert_msg(j != NULL, "bad test JSON");
	fn(f, j);
	fclose(f);
	json_decref(j);
	return buf;
}

static void
status_now(FILE *f, json_t *j)
{
	render_status(f, j, 1700000000.0);
}

START_TEST(test_units)
{
	char	 b[64];
	json_t	*v;

	v = json_real(192.4);
	render_seconds(b, sizeof b, v);
	ck_assert_str_eq(b, "3m12s");
	json_decref(v);
	v = json_real(0.45);
	render_seconds(b, sizeof b, v);
	ck_assert_str_eq(b, "450ms");
	json_decref(v);
	render_seconds(b, sizeof b, json_null());
	ck_assert_str_eq(b, "-");
	render_seconds(b, sizeof b, NULL);
	ck_assert_str_eq(b, "-");
	v = json_integer(-1);
	render_seconds(b, sizeof b, v);
	ck_assert_str_eq(b, "-");
	json_decref(v);
	v = json_integer(14540);	/* KiB */
	render_kb(b, sizeof b, v);
	ck_assert_str_eq(b, "14.2M");
	json_decref(v);
	render_kb(b, sizeof b, json_null());
	ck_assert_str_eq(b, "-");
	v = json_integer(1700000000);
	render_time(b, sizeof b, v);
	ck_assert_str_eq(b, "2023-11-14T22:13:20Z");
	json_decref(v);
	v = json_string("a\x1b[31mb\n");
	render_scalar(b, sizeof b, v);
	ck_assert_str_eq(b, "a?[31mb?");
	json_decref(v);
	render_scalar(b, sizeof b, json_true());
	ck_assert_str_eq(b, "yes");
}
END_TEST

static const char *workers_json =
    "{\"workers\":["
    "{\"id\":1,\"pid\":4567,\"generation\":2,\"state\":\"ready\","
    "\"state_since\":1700000000.5,\"age_s\":192.4,"
    "\"last_heartbeat_s\":1.2,\"requests\":1234,\"rss_kb\":14540,"
    "\"cpu_s\":3.5,\"restarts\":0,\"status\":\"serving\"},"
    "{\"id\":12,\"pid\":45678,\"generation\":3,\"state\":\"booting\","
    "\"state_since\":null,\"age_s\":0.4,\"last_heartbeat_s\":null,"
    "\"requests\":null,\"rss_kb\":null,\"cpu_s\":null,\"restarts\":7,"
    "\"status\":null}]}";

START_TEST(test_workers)
{
	char	*out = capture(render_workers, workers_json), *l1, *l2, *l3;
	size_t	 i;

	l1 = strtok(out, "\n");
	l2 = strtok(NULL, "\n");
	l3 = strtok(NULL, "\n");
	ck_assert_ptr_nonnull(l3);
	ck_assert_ptr_null(strtok(NULL, "\n"));
	ck_assert_str_eq(l1, "ID   PID GEN STATE     AGE BEAT REQS   RSS  CPU "
	    "RESTARTS STATUS");
	ck_assert_str_eq(l2, " 1  4567   2 ready   3m12s 1.2s 1234 14.2M 3.5s "
	    "       0 serving");
	ck_assert_str_eq(l3, "12 45678   3 booting 400ms    -    -     -    - "
	    "       7 -");
	/* Columns line up: STATUS starts at the same offset everywhere. */
	i = (size_t)(strstr(l1, "STATUS") - l1);
	ck_assert_str_eq(l2 + i, "serving");
	ck_assert_str_eq(l3 + i, "-");
	ck_assert_uint_le(strlen(l2), 80);
	free(out);

	out = capture(render_workers, "{\"workers\":[]}");
	ck_assert_str_eq(out, "no workers\n");
	free(out);
}
END_TEST

START_TEST(test_status)
{
	char	*out = capture(status_now,
	    "{\"name\":\"web\",\"pid\":1234,\"version\":\"0.1.0\","
	    "\"started_at\":1699999808,\"uptime_s\":192,\"generation\":2,"
	    "\"state\":\"backoff\",\"workers\":{\"target\":4,\"ready\":3,"
	    "\"booting\":1,\"draining\":0,\"total\":4},"
	    "\"binds\":[\"127.0.0.1:8000\",{\"name\":\"a\",\"addr\":"
	    "\"unix:/run/a.sock\"}],\"control_socket\":\"/run/gwd/web.sock\","
	    "\"notify_socket\":\"/run/gwd/web.notify\",\"stats_db\":null,"
	    "\"last_reload\":{\"at\":1699999900,\"result\":{"
	    "\"generation\":2,\"ok\":false,\"duration_s\":1.5,"
	    "\"error\":\"worker 1 crashed\",\"worker\":{\"id\":1,"
	    "\"stderr\":[\"Traceback\",\"ImportError: x\"]}}},"
	    "\"backoff_until\":1700000003.2,"
	    "\"stats\":{\"enabled\":true,\"state\":\"ok\",\"written\":7,"
	    "\"dropped\":0,\"error\":null},"
	    "\"upgraded_at\":null,\"listeners_open\":2}");

	ck_assert_ptr_nonnull(strstr(out, "name           web\n"));
	ck_assert_ptr_nonnull(strstr(out, "state          backoff\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "uptime         3m12s (since 2023-11-14T22:10:08Z)\n"));
	ck_assert_ptr_nonnull(strstr(out, "workers        3 ready of 4 "
	    "(booting 1, draining 0, total 4)\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "binds          127.0.0.1:8000, unix:/run/a.sock\n"));
	ck_assert_ptr_nonnull(strstr(out, "stats db       -\n"));
	/* The shape the daemon sends: {at, result}. */
	ck_assert_ptr_nonnull(strstr(out, "last reload    generation 2 failed "
	    "at 2023-11-14T22:11:40Z after 1.5s: worker 1 crashed\n"
	    "               its last output:\n"
	    "                 | Traceback\n"
	    "                 | ImportError: x\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "stats          ok, 7 written, 0 dropped\n"));
	ck_assert_ptr_null(strstr(out, "{"));	/* no raw JSON */
	ck_assert_ptr_nonnull(strstr(out, "backoff        until "
	    "2023-11-14T22:13:23Z (in 3.2s)\n"));
	ck_assert_ptr_nonnull(strstr(out, "upgraded       -\n"));
	/* Unknown fields are shown, not dropped. */
	ck_assert_ptr_nonnull(strstr(out, "listeners_open 2\n"));
	free(out);

	/* A good reload, and a backoff that has passed. */
	out = capture(status_now, "{\"last_reload\":{\"at\":1699999900,"
	    "\"result\":{\"generation\":3,\"ok\":true,\"duration_s\":0.25,"
	    "\"error\":null}},\"backoff_until\":1699999000}");
	ck_assert_ptr_nonnull(strstr(out, "last reload    generation 3 ok at "
	    "2023-11-14T22:11:40Z in 250ms\n"));
	ck_assert_ptr_nonnull(strstr(out, "backoff        -\n"));
	free(out);

	/* The last upgrade, refused and done. */
	out = capture(status_now, "{\"last_upgrade\":{\"at\":1699999900,"
	    "\"ok\":false,\"binary\":\"/usr/sbin/gwd\",\"from\":\"0.1.0\","
	    "\"error\":\"/usr/sbin/gwd: its check exited 1\"}}");
	ck_assert_ptr_nonnull(strstr(out, "last upgrade   failed at "
	    "2023-11-14T22:11:40Z: /usr/sbin/gwd: its check exited 1\n"));
	ck_assert_ptr_null(strstr(out, "{"));
	free(out);
	out = capture(status_now, "{\"last_upgrade\":{\"at\":1699999900,"
	    "\"ok\":true,\"from\":\"0.1.0\",\"to\":\"0.2.0\","
	    "\"error\":null}}");
	ck_assert_ptr_nonnull(strstr(out, "last upgrade   ok at "
	    "2023-11-14T22:11:40Z: 0.1.0 -> 0.2.0\n"));
	free(out);

	/* Everything null or missing still renders. */
	out = capture(status_now, "{\"workers\":null,\"last_reload\":null}");
	ck_assert_ptr_nonnull(strstr(out, "pid            -\n"));
	ck_assert_ptr_nonnull(strstr(out, "workers        -\n"));
	ck_assert_ptr_nonnull(strstr(out, "last reload    -\n"));
	free(out);
}
END_TEST

START_TEST(test_others)
{
	char	*out;

	out = capture(render_config, "{\"workers\":4,\"bind\":[\"a:1\","
	    "\"b:2\"],\"pid_file\":null,\"daemon\":false,\"env\":[]}");
	ck_assert_str_eq(out, "workers = 4\nbind = a:1\nbind = b:2\n"
	    "# pid_file =\ndaemon = false\n# env =\n");
	free(out);
	out = capture(render_config, "{\"command\":[\"python3\",\"-c\","
	    "\"print('hi')\",\"a b\"]}");
	ck_assert_str_eq(out, "command = python3 -c 'print('\\''hi'\\'')' "
	    "'a b'\n");
	free(out);
	out = capture(render_scale, "{\"target\":8,\"previous\":4}");
	ck_assert_str_eq(out, "target 8 (was 4)\n");
	free(out);
	out = capture(render_reload, "{\"generation\":3}");
	ck_assert_str_eq(out, "reloading: generation 3\n");
	free(out);
	out = capture(render_reload, "{\"generation\":3,\"ok\":true,"
	    "\"duration_s\":2.1,\"started\":4,\"retired\":4,\"error\":null}");
	ck_assert_str_eq(out, "reloaded: generation 3 in 2.1s (4 started, 4 "
	    "retired)\n");
	free(out);
	out = capture(render_reload, "{\"generation\":3,\"ok\":false,"
	    "\"duration_s\":0.5,\"started\":1,\"retired\":0,\"error\":"
	    "\"boot timeout\"}");
	ck_assert_str_eq(out, "reload to generation 3 failed after 500ms: "
	    "boot timeout\n");
	free(out);
	out = capture(render_version, "{\"version\":\"0.1.0\",\"protocol\":1}");
	ck_assert_str_eq(out, "gwd 0.1.0 (protocol 1)\n");
	free(out);
	out = capture(render_event, "{\"ts\":1700000000.25,\"event\":\"exit\","
	    "\"master_pid\":1,\"generation\":2,\"worker_id\":3,\"pid\":4567,"
	    "\"reason\":\"crash\",\"exit_status\":1,\"signal\":null,"
	    "\"detail\":{\"uptime_s\":3}}");
	ck_assert_str_eq(out, "2023-11-14T22:13:20.250Z exit           worker 3 "
	    "pid 4567 gen 2 reason=crash status=1 {\"uptime_s\":3}\n");
	free(out);
	out = capture(render_event, "{\"ts\":1700000000,\"event\":\"spawn\","
	    "\"signal\":9,\"detail\":\"{\\\"a\\\":1}\"}");
	ck_assert_str_eq(out, "2023-11-14T22:13:20.000Z spawn          "
	    "signal=KILL {\"a\":1}\n");
	free(out);
}
END_TEST

Suite *
make_suite_render(void)
{
	Suite	*s = suite_create("render");
	TCase	*tc = tcase_create("render");

	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_workers);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_others);
	suite_add_tcase(s, tc);
	return s;
}
