/*
 * check_output.c: the tail of a worker's output (what a failed reload
 * reports) and the pipe reader: lines, partial lines at EOF, draining at
 * the worker's exit, and an output that outlives its worker's record.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/util.h"
#include "output.h"
#include "suites.h"

static void
add(struct output_tail *t, const char *s)
{
	output_tail_add(t, s, strlen(s));
}

START_TEST(test_tail_keeps_last_lines)
{
	struct output_tail	 t = { 0 };
	json_t			*j;
	char			 buf[256], line[100];
	int			 i;

	ck_assert_ptr_null(output_tail_to_json(&t));
	ck_assert_ptr_null(output_tail_cause(&t, buf, sizeof buf));
	add(&t, "Traceback (most recent call last):");
	add(&t, "ModuleNotFoundError: No module named 'x'");
	add(&t, "");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "ModuleNotFoundError: No module named 'x'");
	j = output_tail_to_json(&t);
	ck_assert_int_eq(json_array_size(j), 3);
	ck_assert_str_eq(json_string_value(json_array_get(j, 0)),
	    "Traceback (most recent call last):");
	json_decref(j);

	/* Many lines: only the newest fit, whole, oldest first. */
	for (i = 0; i < 300; i++) {
		snprintf(line, sizeof line, "line %d", i);
		add(&t, line);
	}
	ck_assert_uint_le(t.len, OUTPUT_TAIL_BYTES);
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf), "line 299");
	j = output_tail_to_json(&t);
	ck_assert_uint_gt(json_array_size(j), 10);
	ck_assert_int_eq(strncmp(json_string_value(json_array_get(j, 0)),
	    "line ", 5), 0);
	json_decref(j);
	output_tail_free(&t);
	ck_assert_ptr_null(t.buf);
}
END_TEST

START_TEST(test_tail_cause_names_the_error)
{
	struct output_tail	 t = { 0 };
	char			 buf[256];

	/* Node prints its version after the error. */
	add(&t, "/srv/app.js:1");
	add(&t, "throw new Error(\"broken at start\");");
	add(&t, "^");
	add(&t, "");
	add(&t, "Error: broken at start");
	add(&t, "    at Object.<anonymous> (/srv/app.js:1:7)");
	add(&t, "");
	add(&t, "Node.js v20.20.2");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "Error: broken at start");
	/* A long stack trace after it does not hide the error... */
	{
		int	i;

		for (i = 0; i < 40; i++)
			add(&t, "    at Module._compile (node:internal/modules/"
			    "cjs/loader:1364:14)");
		ck_assert_uint_le(t.len, OUTPUT_TAIL_BYTES);
		ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
		    "Error: broken at start");
		/* ...but an old error is forgotten after many lines. */
		for (i = 0; i < OUTPUT_CAUSE_LINES; i++)
			add(&t, "served /");
		ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
		    "served /");
	}
	/* A stack frame that mentions an error is no cause; a Node error
	 * with a code is, and so are Go's panic and a Java exception. */
	output_tail_free(&t);
	add(&t, "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x'");
	add(&t, "    at emitErrorNT (node:net:1944:8)");
	add(&t, "Node.js v20.20.2");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x'");
	add(&t, "panic: runtime error: index out of range [3] with length 1");
	add(&t, "goroutine 1 [running]:");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "panic: runtime error: index out of range [3] with length 1");
	add(&t, "java.lang.IllegalStateException: no config");
	add(&t, "\tat App.main(App.java:3)");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "java.lang.IllegalStateException: no config");
	output_tail_free(&t);
	add(&t, "listening, errors: 0");
	add(&t, "    at emitErrorNT (node:net:1944:8)");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "    at emitErrorNT (node:net:1944:8)");
	/* Without an error word, the newest line that is not blank. */
	output_tail_free(&t);
	add(&t, "listening");
	add(&t, "bye");
	add(&t, "");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf), "bye");
	output_tail_free(&t);
}
END_TEST

START_TEST(test_tail_is_valid_utf8)
{
	struct output_tail	 t = { 0 };
	char			 buf[64];
	json_t			*j;
	json_t			*back;
	char			*dump;

	/* A worker may write anything: bad UTF-8, a NUL, a lone
	 * continuation byte, an overlong form, a surrogate. */
	output_tail_add(&t, "caf\xc3\xa9 \xff\x00x \x80 \xc0\xaf \xed\xa0\x80 "
	    "Error \xe2\x82", 27);
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "caf\xc3\xa9 ??x ? ?? ??? Error ??");
	/* A worker's colours never reach the operator's terminal. */
	add(&t, "\x1b[31mred\x1b[0m\tand a tab");
	ck_assert_str_eq(output_tail_cause(&t, buf, sizeof buf),
	    "?[31mred?[0m and a tab");
	j = output_tail_to_json(&t);
	dump = json_dumps(j, 0);
	ck_assert_ptr_nonnull(dump);
	back = json_loads(dump, 0, NULL);
	ck_assert_ptr_nonnull(back);	/* valid JSON */
	json_decref(back);
	free(dump);
	json_decref(j);
	output_tail_free(&t);
}
END_TEST

START_TEST(test_tail_long_line_keeps_its_end)
{
	struct output_tail	 t = { 0 };
	char			 big[5000], buf[OUTPUT_TAIL_BYTES];
	const char		*last;

	memset(big, 'a', sizeof big);
	memcpy(big + sizeof big - 6, "ERROR!", 6);
	add(&t, "first");
	output_tail_add(&t, big, sizeof big);
	ck_assert_uint_le(t.len, OUTPUT_TAIL_BYTES);
	last = output_tail_cause(&t, buf, sizeof buf);
	ck_assert_ptr_nonnull(last);
	ck_assert_uint_eq(strlen(last), OUTPUT_TAIL_BYTES / 4);
	ck_assert_str_eq(last + strlen(last) - 6, "ERROR!");
	/* A line longer than the caller's buffer is cut, not overrun. */
	ck_assert_uint_eq(strlen(output_tail_cause(&t, buf, 10)), 9);
	output_tail_free(&t);
}
END_TEST

START_TEST(test_pipe_lines_drain_and_eof)
{
	struct event_base	*base = event_base_new();
	struct output		*o;
	json_t			*j;
	char			 buf[128];
	int			 p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	o = output_start(base, p[0], 3, 1234, 1);
	ck_assert_ptr_null(output_tail_json(o));
	ck_assert_int_eq(gw_write_all(p[1], "one\ntwo\npart", 12), 0);
	/* At a worker's exit: read what is there, without the loop. */
	output_drain(o);
	ck_assert_str_eq(output_cause(o, buf, sizeof buf), "two");
	ck_assert_int_eq(gw_write_all(p[1], "ial", 3), 0);
	close(p[1]);
	output_drain(o);		/* EOF: the partial line counts */
	ck_assert_str_eq(output_cause(o, buf, sizeof buf), "partial");
	j = output_tail_json(o);
	ck_assert_int_eq(json_array_size(j), 3);
	json_decref(j);
	output_detach(o);		/* at EOF already: freed now */
	ck_assert_ptr_null(output_tail_json(NULL));
	event_base_free(base);
}
END_TEST

START_TEST(test_pipe_outlives_worker)
{
	struct event_base	*base = event_base_new();
	struct output		*o;
	int			 p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	o = output_start(base, p[0], 1, 99, 1);
	/* The worker's record goes while a grandchild still writes. */
	output_detach(o);
	ck_assert_int_eq(gw_write_all(p[1], "late\n", 5), 0);
	close(p[1]);
	/* The loop reads to EOF and frees it (ASan and valgrind see a
	 * leak or a use after free otherwise). */
	ck_assert_int_eq(event_base_get_num_events(base,
	    EVENT_BASE_COUNT_ADDED), 1);
	(void)event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(event_base_get_num_events(base,
	    EVENT_BASE_COUNT_ADDED), 0);
	output_free_all();
	event_base_free(base);
}
END_TEST

Suite *
make_suite_output(void)
{
	Suite	*s = suite_create("output");
	TCase	*tc = tcase_create("output");

	tcase_add_test(tc, test_tail_keeps_last_lines);
	tcase_add_test(tc, test_tail_long_line_keeps_its_end);
	tcase_add_test(tc, test_tail_is_valid_utf8);
	tcase_add_test(tc, test_tail_cause_names_the_error);
	tcase_add_test(tc, test_pipe_lines_drain_and_eof);
	tcase_add_test(tc, test_pipe_outlives_worker);
	suite_add_tcase(s, tc);
	return s;
}
