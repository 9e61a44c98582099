/* check_render_stats.c: gwctl's human output of stats results. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ctl/render_stats.h"
#include "suites.h"

/* Render into a string (caller frees). */
static char *
render(const char *kind, const char *json)
{
	json_t	*r = json_loads(json, 0, NULL);
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	ck_assert_ptr_nonnull(r);
	fp = open_memstream(&buf, &len);
	render_stats(fp, kind, r);
	fclose(fp);
	json_decref(r);
	return buf;
}

/* The column at which word w starts in line (or -1). */
static int
col(const char *line, const char *w)
{
	const char *p = strstr(line, w);

	return p ? (int)(p - line) : -1;
}

START_TEST(test_events_table)
{
	char	*out, *l1, *l2, *l3;

	out = render("events", "{\"rows\": ["
	    "{\"ts\": 1000, \"worker_id\": 3, \"pid\": 4567, \"event\": \"exit\","
	    " \"reason\": \"crash\", \"exit_status\": null, \"signal\": 11,"
	    " \"detail\": {\"uptime_s\": 192.5, \"status\": \"serving 12\"}},"
	    "{\"ts\": 1001, \"worker_id\": 12, \"pid\": 5, \"event\": \"spawn\","
	    " \"reason\": null, \"exit_status\": 3, \"signal\": null,"
	    " \"detail\": null}], \"more\": true}");
	l1 = out;
	l2 = strchr(l1, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	ck_assert_msg(strncmp(l1, "TIME", 4) == 0, "%s", out);
	/* Aligned: each column starts at the same place on every line. */
	ck_assert_int_eq(col(l1, "PID"), col(l2, "4567"));
	ck_assert_int_eq(col(l1, "EVENT"), col(l2, "exit"));
	ck_assert_int_eq(col(l1, "EVENT"), col(l3, "spawn"));
	ck_assert_int_eq(col(l1, "STATUS"), col(l2, "SIGSEGV"));
	ck_assert_int_eq(col(l1, "STATUS"), col(l3, "3\n"));
	/* No blanks after the last non-empty cell. */
	ck_assert_ptr_null(strstr(out, " \n"));
	ck_assert_msg(strstr(l2, "uptime_s=3m12s status=\"serving 12\"") !=
	    NULL, "%s", out);
	ck_assert_msg(strstr(out, "older rows not shown") != NULL, "%s", out);
	free(out);

	out = render("events", "{\"rows\": [], \"since\": 0, \"until\": 10}");
	ck_assert_msg(strncmp(out, "no events between", 17) == 0, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_samples_table)
{
	char	*out;

	out = render("samples", "{\"rows\": [{\"ts\": 1000, \"generation\": 2,"
	    " \"target\": 4, \"ready\": 4, \"booting\": 0, \"draining\": 0,"
	    " \"master_rss_kb\": 3072, \"workers_rss_kb\": 14540,"
	    " \"workers_cpu_s\": 75.5, \"requests\": null}]}");
	ck_assert_msg(strstr(out, "3.0M") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "14.2M") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "1m15s") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "REQUESTS") != NULL, "%s", out);
	free(out);
	out = render("worker_samples", "{\"rows\": [{\"ts\": 1000,"
	    " \"worker_id\": 1, \"pid\": 9, \"generation\": 1, \"state\":"
	    " \"ready\", \"rss_kb\": 512, \"cpu_s\": 0.25, \"requests\": 7}]}");
	ck_assert_msg(strstr(out, "512K") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "250ms") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_summary)
{
	char	*out;

	out = render("summary", "{\"since\": 0, \"until\": 3600, \"spawns\": 7,"
	    " \"restarts\": 3, \"restarts_per_hour\": 3.0,"
	    " \"exits\": {\"crash\": 2, \"timeout\": 1},"
	    " \"reloads\": {\"started\": 2, \"ok\": 1, \"failed\": 1},"
	    " \"backoffs\": 0, \"max_rss_kb\": 20480,"
	    " \"mean_time_to_ready_ms\": 180.4, \"events\": {}}");
	ck_assert_msg(strstr(out, "(1h00m)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "spawns            7") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "3 (3.00 per hour)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "crash 2, timeout 1") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "2 started, 1 ok, 1 failed") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "180ms (mean)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "20.0M") != NULL, "%s", out);
	/* Unknowns are "-", not zero. */
	ck_assert_msg(strstr(out, "max master RSS    -") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(test_detail_short)
{
	char	 buf[40];
	json_t	*d = json_pack("{s:s, s:s, s:i}", "wchan", "futex_wait_queue",
	    "state", "S", "requests", 123456789);

	render_stats_detail(buf, sizeof buf, d);
	ck_assert_msg(strlen(buf) < sizeof buf, "%s", buf);
	ck_assert_msg(strncmp(buf, "wchan=futex_wait_queue state=S", 30) == 0,
	    "%s", buf);
	ck_assert_msg(strcmp(buf + strlen(buf) - 3, "...") == 0, "%s", buf);
	json_decref(d);
	render_stats_detail(buf, sizeof buf, NULL);
	ck_assert_str_eq(buf, "");
}
END_TEST

Suite *
make_suite_render_stats(void)
{
	Suite	*s = suite_create("render_stats");
	TCase	*tc = tcase_create("render_stats");

	tcase_add_test(tc, test_events_table);
	tcase_add_test(tc, test_samples_table);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_detail_short);
	suite_add_tcase(s, tc);
	return s;
}
