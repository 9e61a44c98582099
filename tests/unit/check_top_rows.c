/*
 * check_top_rows.c: the pure half of `gwctl top`: rates from samples,
 * order, lines cut to a width, hostile status text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ctl/top_rows.h"
#include "suites.h"

/* A workers result with one worker per (id, pid, cpu_s, requests, rss). */
static void
sample(struct top_sample *s, const struct top_sample *prev, double t,
    const char *json)
{
	json_t	*j = json_loads(json, 0, NULL);

	ck_assert_msg(j != NULL, "bad test JSON: %s", json);
	top_rows_parse(s, j, t);
	top_rows_rates(prev, s);
	json_decref(j);
}

#define W(id, pid, cpu, req, rss)					\
	"{\"id\":" #id ",\"pid\":" #pid ",\"generation\":1,"		\
	"\"state\":\"ready\",\"age_s\":75.5,\"cpu_s\":" #cpu ","	\
	"\"requests\":" #req ",\"rss_kb\":" #rss ",\"restarts\":0,"	\
	"\"status\":\"serving\"}"

START_TEST(test_rates)
{
	struct top_sample	s[5];

	/* Seen first: nothing known yet. */
	sample(&s[0], NULL, 100, "{\"workers\":[" W(1, 10, 1.0, 100, 1000)
	    "]}");
	ck_assert(s[0].w[0].cpu_pct < 0 && s[0].w[0].req_rate < 0);
	/* The first change only tells when the value was sampled. */
	sample(&s[1], &s[0], 101, "{\"workers\":[" W(1, 10, 1.5, 150, 1000)
	    "]}");
	ck_assert(s[1].w[0].cpu_pct < 0 && s[1].w[0].req_rate < 0);
	/* From the second on: 0.5 s of CPU and 50 requests in 2 s. */
	sample(&s[2], &s[1], 103, "{\"workers\":[" W(1, 10, 2.0, 200, 1000)
	    "]}");
	ck_assert_double_eq_tol(s[2].w[0].cpu_pct, 25.0, 1e-9);
	ck_assert_double_eq_tol(s[2].w[0].req_rate, 25.0, 1e-9);
	/* Still for less than the step took: the same rate. */
	sample(&s[3], &s[2], 104, "{\"workers\":[" W(1, 10, 2.0, 200, 1000)
	    "]}");
	ck_assert_double_eq_tol(s[3].w[0].cpu_pct, 25.0, 1e-9);
	/* Still for longer: it fades. */
	top_rows_free(&s[0]);
	sample(&s[0], &s[3], 107, "{\"workers\":[" W(1, 10, 2.0, 200, 1000)
	    "]}");
	ck_assert_double_eq_tol(s[0].w[0].cpu_pct, 12.5, 1e-9);
	ck_assert_double_eq_tol(s[0].w[0].req_rate, 12.5, 1e-9);
	/* A new pid in the slot starts again; a counter that fell too. */
	sample(&s[4], &s[0], 108, "{\"workers\":[" W(1, 11, 2.5, 300, 1000)
	    "]}");
	ck_assert(s[4].w[0].cpu_pct < 0 && s[4].w[0].req_rate < 0);
	top_rows_free(&s[1]);
	sample(&s[1], &s[3], 105, "{\"workers\":[" W(1, 10, 1.0, 100, 1000)
	    "]}");
	ck_assert(s[1].w[0].cpu_pct < 0 && s[1].w[0].req_rate < 0);
	for (size_t i = 0; i < 5; i++)
		top_rows_free(&s[i]);
}
END_TEST

START_TEST(test_quiet_and_null)
{
	struct top_sample	a, b;

	sample(&a, NULL, 0, "{\"workers\":[" W(1, 10, 1.0, null, 1000) ","
	    "{\"id\":2,\"pid\":null,\"state\":\"spawning\"}]}");
	sample(&b, &a, TOP_QUIET_S, "{\"workers\":["
	    W(1, 10, 1.0, null, 1000) ","
	    "{\"id\":2,\"pid\":null,\"state\":\"spawning\"}]}");
	/* Still since it was first seen, long enough: idle, 0. */
	ck_assert_double_eq(b.w[0].cpu_pct, 0);
	/* A worker that reports no requests has no rate. */
	ck_assert(b.w[0].req_rate < 0);
	ck_assert(b.w[1].cpu_pct < 0 && b.w[1].rss_kb < 0);
	ck_assert_int_eq(b.w[1].pid, -1);
	top_rows_free(&a);
	top_rows_free(&b);
}
END_TEST

START_TEST(test_sort)
{
	struct top_sample	s;
	char			order[16];
	size_t			i;
	int			k;
	static const struct {
		int		 key;
		const char	*want;
	} cases[] = {
		{ TOP_SORT_ID, "1234" }, { TOP_SORT_MEM, "3124" },
		{ TOP_SORT_ID, "1234" },
	};

	sample(&s, NULL, 0, "{\"workers\":[" W(3, 30, 1, 1, 3000) ","
	    W(1, 10, 1, 1, 2000) "," W(4, 40, 1, 1, null) ","
	    W(2, 20, 1, 1, 1000) "]}");
	for (k = 0; k < 3; k++) {
		top_rows_sort(&s, (enum top_sort)cases[k].key);
		for (i = 0; i < s.n; i++)
			order[i] = (char)('0' + s.w[i].id);
		order[i] = '\0';
		ck_assert_str_eq(order, cases[k].want);
	}
	/* CPU and req/s: busiest first, unknown last, ties by id. */
	s.w[0].cpu_pct = 5;
	s.w[1].cpu_pct = -1;
	s.w[2].cpu_pct = 50;
	s.w[3].cpu_pct = 5;
	top_rows_sort(&s, TOP_SORT_CPU);
	for (i = 0; i < s.n; i++)
		order[i] = (char)('0' + s.w[i].id);
	order[i] = '\0';
	ck_assert_str_eq(order, "3142");
	ck_assert_int_eq(top_rows_sort_by_key('m'), TOP_SORT_MEM);
	ck_assert_int_eq(top_rows_sort_by_key('c'), TOP_SORT_CPU);
	ck_assert_int_eq(top_rows_sort_by_key('r'), TOP_SORT_REQ);
	ck_assert_int_eq(top_rows_sort_by_key('i'), TOP_SORT_ID);
	ck_assert_int_eq(top_rows_sort_by_key('x'), -1);
	ck_assert_int_eq(top_rows_sort_by_name("req"), TOP_SORT_REQ);
	ck_assert_int_eq(top_rows_sort_by_name("bogus"), -1);
	ck_assert_str_eq(top_rows_sort_name(TOP_SORT_MEM), "mem");
	top_rows_free(&s);
}
END_TEST

START_TEST(test_format)
{
	struct top_sample	s, r;
	char			line[512];

	sample(&s, NULL, 0, "{\"workers\":[" W(1, 4567, 1, 5, 14540) "]}");
	sample(&r, &s, 1, "{\"workers\":[" W(1, 4567, 1, 5, 14540) "]}");
	top_rows_format(line, sizeof line, 200, &r, 0);
	ck_assert_str_eq(line,
	    "   1    4567     1 ready     14.2M      -       -        0   "
	    "1m15s serving");
	top_rows_header(line, sizeof line, 200, TOP_SORT_MEM);
	ck_assert_str_eq(line,
	    "  ID     PID   GEN STATE      *RSS   CPU%   REQ/S RESTARTS"
	    "     AGE STATUS");
	top_rows_header(line, sizeof line, 20, TOP_SORT_ID);
	ck_assert_str_eq(line, " *ID     PID   GEN S");
	/* Cut to the width, never to more. */
	top_rows_format(line, sizeof line, 10, &r, 0);
	ck_assert_str_eq(line, "   1    45");
	top_rows_format(line, sizeof line, 0, &r, 0);
	ck_assert_str_eq(line, "");
	/* ...nor past the buffer. */
	top_rows_format(line, 8, 200, &r, 0);
	ck_assert_uint_eq(strlen(line), 7);
	top_rows_free(&s);
	top_rows_free(&r);
}
END_TEST

START_TEST(test_hostile_status)
{
	struct top_sample	s;
	char			line[512], *p;

	/* ESC, BEL, CR, DEL and the C1 CSI (U+009B) cannot reach the tty. */
	sample(&s, NULL, 0, "{\"workers\":[{\"id\":1,\"pid\":2,"
	    "\"state\":\"re\\u001bady\",\"status\":"
	    "\"a\\u001b[2Jb\\u0007c\\rd\\u007fe\\u009b31mf\\u00e9g\"}]}");
	top_rows_format(line, sizeof line, 500, &s, 0);
	for (p = line; *p != '\0'; p++) {
		ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f,
		    "control byte 0x%02x in '%s'", (unsigned char)*p, line);
		ck_assert_msg(!((unsigned char)p[0] == 0xc2 &&
		    (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f),
		    "C1 control in '%s'", line);
	}
	ck_assert_ptr_nonnull(strstr(line, "re?ady"));
	ck_assert_ptr_nonnull(strstr(line, "a?[2Jb?c?d?e?31mf\xc3\xa9g"));
	top_rows_free(&s);
}
END_TEST

START_TEST(test_cut_utf8)
{
	char	s[64];

	/* Columns, not bytes: "é" is one column of two bytes. */
	snprintf(s, sizeof s, "ab\xc3\xa9" "cd");
	ck_assert_uint_eq(top_rows_cut(s, 3), 3);
	ck_assert_str_eq(s, "ab\xc3\xa9");
	snprintf(s, sizeof s, "ab\xc3\xa9" "cd");
	ck_assert_uint_eq(top_rows_cut(s, 2), 2);
	ck_assert_str_eq(s, "ab");
	snprintf(s, sizeof s, "ab\xc3\xa9" "cd");
	ck_assert_uint_eq(top_rows_cut(s, 80), 5);
	/* A sequence cut short upstream goes. */
	snprintf(s, sizeof s, "ab\xe2\x82");
	ck_assert_uint_eq(top_rows_cut(s, 80), 2);
	ck_assert_str_eq(s, "ab");
}
END_TEST

START_TEST(test_summary)
{
	char	 line[512];
	json_t	*st = json_loads("{\"name\":\"web\",\"generation\":3,"
		    "\"state\":\"running\",\"workers\":{\"target\":4,"
		    "\"ready\":3,\"booting\":1,\"draining\":0,\"total\":4},"
		    "\"backoff_until\":1000012,\"last_reload\":{\"at\":999808,"
		    "\"result\":{\"generation\":3,\"ok\":false,\"duration_s\":"
		    "0.6,\"error\":\"worker 1 exited\\u001b[31m 1\"}}}", 0,
		    NULL);

	ck_assert_ptr_nonnull(st);
	top_rows_summary(line, sizeof line, 500, st, 1000000);
	ck_assert_str_eq(line, "web  gen 3  running  ready 3/4  booting 1  "
	    "draining 0  backoff 12.0s  reload gen 3 FAILED 3m12s ago: "
	    "worker 1 exited?[31m 1");
	top_rows_summary(line, sizeof line, 24, st, 1000000);
	ck_assert_str_eq(line, "web  gen 3  running  rea");
	/* A backoff that has passed is none; no reload yet is "-". */
	json_object_set_new(st, "last_reload", json_null());
	top_rows_summary(line, sizeof line, 500, st, 1000100);
	ck_assert_str_eq(line, "web  gen 3  running  ready 3/4  booting 1  "
	    "draining 0  backoff -  reload -");
	json_decref(st);
}
END_TEST

Suite *
make_suite_top_rows(void)
{
	Suite	*s = suite_create("top_rows");
	TCase	*tc = tcase_create("top_rows");

	tcase_add_test(tc, test_rates);
	tcase_add_test(tc, test_quiet_and_null);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_hostile_status);
	tcase_add_test(tc, test_cut_utf8);
	tcase_add_test(tc, test_summary);
	suite_add_tcase(s, tc);
	return s;
}
