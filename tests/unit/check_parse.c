/* check_parse.c: durations, sizes, integers, signals, word splitting, formats. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw/parse.h"
#include "suites.h"

START_TEST(test_duration_units)
{
	static const struct { const char *in; uint64_t ms; } ok[] = {
		{ "250ms", 250 }, { "30", 30000 }, { "30s", 30000 },
		{ "5m", 300000 }, { "1h", 3600000 }, { "7d", 604800000 },
		{ "1.5s", 1500 }, { "1m30s", 90000 }, { "0", 0 },
	};
	size_t		 i;
	uint64_t	 v;
	const char	*err;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_msg(parse_duration_ms(ok[i].in, &v, &err) == 0,
		    "%s", ok[i].in);
		ck_assert_uint_eq(v, ok[i].ms);
	}
}
END_TEST

START_TEST(test_duration_errors)
{
	static const char *bad[] = { "", "s", "-1s", "5x", "1 s", "ms",
	    "99999999999999999d", "1s30" };
	size_t		 i;
	uint64_t	 v;
	const char	*err;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		ck_assert_msg(parse_duration_ms(bad[i], &v, &err) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(err);
	}
}
END_TEST

START_TEST(test_size)
{
	uint64_t	 v;
	const char	*err;

	ck_assert_int_eq(parse_size("4096", &v, &err), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("512K", &v, &err), 0);
	ck_assert_uint_eq(v, 512 * 1024);
	ck_assert_int_eq(parse_size("64M", &v, &err), 0);
	ck_assert_uint_eq(v, 64ULL << 20);
	ck_assert_int_eq(parse_size("1G", &v, &err), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(parse_size("1gib", &v, &err), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(parse_size("1.5K", &v, &err), 0);
	ck_assert_uint_eq(v, 1536);
	ck_assert_int_eq(parse_size("", &v, &err), -1);
	ck_assert_int_eq(parse_size("12Q", &v, &err), -1);
	ck_assert_int_eq(parse_size("-1K", &v, &err), -1);
	ck_assert_int_eq(parse_size("1KX", &v, &err), -1);
}
END_TEST

START_TEST(test_uint)
{
	uint64_t	 v;
	const char	*err;

	ck_assert_int_eq(parse_uint("16", 1, 4096, &v, &err), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(parse_uint("0", 1, 4096, &v, &err), -1);
	ck_assert_int_eq(parse_uint("4097", 1, 4096, &v, &err), -1);
	ck_assert_int_eq(parse_uint("12a", 0, 100, &v, &err), -1);
	ck_assert_int_eq(parse_uint("-3", 0, 100, &v, &err), -1);
	ck_assert_int_eq(parse_uint("99999999999999999999999", 0, 100, &v,
	    &err), -1);
}
END_TEST

START_TEST(test_signal)
{
	int	sig;

	ck_assert_int_eq(parse_signal("TERM", &sig), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(parse_signal("sigquit", &sig), 0);
	ck_assert_int_eq(sig, SIGQUIT);
	ck_assert_int_eq(parse_signal("9", &sig), 0);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_int_eq(parse_signal("NOPE", &sig), -1);
	ck_assert_int_eq(parse_signal("0", &sig), -1);
	ck_assert_int_eq(parse_signal("", &sig), -1);
	ck_assert_str_eq(format_signal(SIGABRT), "ABRT");
	ck_assert_str_eq(format_signal(63), "63");
}
END_TEST

START_TEST(test_split_words)
{
	char		**v;
	const char	 *err;

	ck_assert_int_eq(parse_words("python3 -m http.server 8000", &v, &err),
	    4);
	ck_assert_str_eq(v[0], "python3");
	ck_assert_str_eq(v[3], "8000");
	ck_assert_ptr_null(v[4]);
	parse_words_free(v);

	ck_assert_int_eq(parse_words("  a 'b c'  \"d \\\"e\\\"\" f\\ g ", &v,
	    &err), 4);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b c");
	ck_assert_str_eq(v[2], "d \"e\"");
	ck_assert_str_eq(v[3], "f g");
	parse_words_free(v);

	ck_assert_int_eq(parse_words("x'$HOME'\"*\"", &v, &err), 1);
	ck_assert_str_eq(v[0], "x$HOME*");
	parse_words_free(v);

	ck_assert_int_eq(parse_words("''", &v, &err), 1);
	ck_assert_str_eq(v[0], "");
	parse_words_free(v);

	ck_assert_int_eq(parse_words("   ", &v, &err), 0);
	ck_assert_ptr_null(v[0]);
	parse_words_free(v);

	ck_assert_int_eq(parse_words("a 'b", &v, &err), -1);
	ck_assert_str_eq(err, "unterminated single quote");
	ck_assert_int_eq(parse_words("a \"b", &v, &err), -1);
	ck_assert_int_eq(parse_words("a\\", &v, &err), -1);
}
END_TEST

START_TEST(test_format)
{
	char	buf[32];

	format_duration(buf, sizeof buf, 450);
	ck_assert_str_eq(buf, "450ms");
	format_duration(buf, sizeof buf, 12300);
	ck_assert_str_eq(buf, "12.3s");
	format_duration(buf, sizeof buf, 192000);
	ck_assert_str_eq(buf, "3m12s");
	format_duration(buf, sizeof buf, 3 * 3600000 + 5 * 60000);
	ck_assert_str_eq(buf, "3h05m");
	format_duration(buf, sizeof buf, 2 * 86400000ULL + 4 * 3600000);
	ck_assert_str_eq(buf, "2d04h");
	format_duration(buf, sizeof buf, UINT64_MAX);
	ck_assert_str_eq(buf, "-");
	format_size(buf, sizeof buf, 812);
	ck_assert_str_eq(buf, "812B");
	format_size(buf, sizeof buf, (uint64_t)(14.2 * 1024 * 1024));
	ck_assert_str_eq(buf, "14.2M");
	format_size(buf, sizeof buf, 512 * 1024);
	ck_assert_str_eq(buf, "512K");
}
END_TEST

Suite *
make_suite_parse(void)
{
	Suite	*s = suite_create("parse");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_duration_units);
	tcase_add_test(tc, test_duration_errors);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_signal);
	tcase_add_test(tc, test_split_words);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}
