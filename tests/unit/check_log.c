/* check_log.c: text and JSON lines, levels, reopening. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "suites.h"

static char	dir[] = "/tmp/gwd-check-log.XXXXXX";

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf = calloc(1, 65536);

	ck_assert_ptr_nonnull(f);
	(void)!fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

START_TEST(test_levels)
{
	ck_assert_int_eq(log_level_parse("debug"), LOG_DEBUG);
	ck_assert_int_eq(log_level_parse("WARN"), LOG_WARNING);
	ck_assert_int_eq(log_level_parse("warning"), LOG_WARNING);
	ck_assert_int_eq(log_level_parse("error"), LOG_ERROR);
	ck_assert_int_eq(log_level_parse("loud"), -1);
	ck_assert_str_eq(log_level_name(LOG_INFO), "info");
}
END_TEST

START_TEST(test_text_and_reopen)
{
	char	*path, *moved, *buf;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = malloc(256);
	moved = malloc(256);
	snprintf(path, 256, "%s/gwd.log", dir);
	snprintf(moved, 256, "%s/gwd.log.1", dir);
	ck_assert_int_eq(log_open("app", path, LOG_INFO, LOG_TEXT), 0);
	log_debug("hidden %d", 1);
	log_info("worker %d (pid %d, gen %d) ready in %d ms", 3, 4567, 2,
	    180);
	buf = slurp(path);
	ck_assert_ptr_null(strstr(buf, "hidden"));
	ck_assert_ptr_nonnull(strstr(buf, " app["));
	ck_assert_ptr_nonnull(strstr(buf,
	    "] info: worker 3 (pid 4567, gen 2) ready in 180 ms\n"));
	ck_assert_int_eq(buf[4], '-');
	ck_assert_ptr_nonnull(strchr(buf, 'Z'));
	free(buf);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(log_reopen(), 0);
	log_warn("after %s", "rotation");
	buf = slurp(path);
	ck_assert_ptr_nonnull(strstr(buf, "warning: after rotation"));
	ck_assert_ptr_null(strstr(buf, "ready in"));
	free(buf);
	log_close();
	unlink(path);
	unlink(moved);
	rmdir(dir);
	free(path);
	free(moved);
}
END_TEST

START_TEST(test_json)
{
	char		 path[] = "/tmp/gwd-check-logj.XXXXXX";
	int		 fd = mkstemp(path);
	char		*buf, *nl;
	json_t		*o;
	json_error_t	 e;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(log_open("j", path, LOG_DEBUG, LOG_JSON), 0);
	log_error("quote \" and\nnewline");
	log_close();
	buf = slurp(path);
	nl = strchr(buf, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_ptr_eq(nl, buf + strlen(buf) - 1);	/* one line */
	o = json_loads(buf, 0, &e);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")),
	    "error");
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")),
	    "quote \" and\nnewline");
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "j");
	json_decref(o);
	free(buf);
	unlink(path);
}
END_TEST

START_TEST(test_open_failure)
{
	ck_assert_int_eq(log_open("x", "/nonexistent/dir/gwd.log", LOG_INFO,
	    LOG_TEXT), -1);
	ck_assert_int_eq(log_fd(), STDERR_FILENO);
}
END_TEST

Suite *
make_suite_log(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");

	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_text_and_reopen);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_open_failure);
	suite_add_tcase(s, tc);
	return s;
}
