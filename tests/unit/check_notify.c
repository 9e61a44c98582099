/* check_notify.c: parsing of notify datagrams (SPEC section 4). */
#include "config.h"

#include <string.h>

#include "notify.h"
#include "suites.h"

static int
parse(const char *s, struct notify_msg *m)
{
	return notify_parse(s, strlen(s), m);
}

START_TEST(test_all_keys)
{
	struct notify_msg	m;

	ck_assert_int_eq(parse("READY=1\nSTATUS=serving 4 clients\n"
	    "WATCHDOG=1\nSTOPPING=1\nEXTEND_TIMEOUT_USEC=2500000\n"
	    "GWD_REQUESTS=1234\nGWD_RECYCLE=1\n", &m), 7);
	ck_assert_int_eq(m.ready, 1);
	ck_assert_int_eq(m.watchdog, 1);
	ck_assert_int_eq(m.stopping, 1);
	ck_assert_int_eq(m.recycle, 1);
	ck_assert_int_eq(m.has_status, 1);
	ck_assert_str_eq(m.status, "serving 4 clients");
	ck_assert_uint_eq(m.extend_usec, 2500000);
	ck_assert_uint_eq(m.requests, 1234);
}
END_TEST

START_TEST(test_unknown_keys_ignored)
{
	struct notify_msg	m;

	ck_assert_int_eq(parse("MAINPID=12\nERRNO=2\nX_CUSTOM=y", &m), 0);
	ck_assert_int_eq(parse("FDSTORE=1\nREADY=1", &m), 1);
	ck_assert_int_eq(m.ready, 1);
	ck_assert_int_eq(parse("", &m), 0);
	ck_assert_int_eq(parse("\n\n", &m), 0);
}
END_TEST

START_TEST(test_malformed)
{
	struct notify_msg	m;
	static const char	with_nul[] = "READY=1\0WATCHDOG=1";

	ck_assert_int_eq(parse("READY", &m), -1);
	ck_assert_int_eq(parse("READY=2", &m), -1);
	ck_assert_int_eq(parse("READY=", &m), -1);
	ck_assert_int_eq(parse("WATCHDOG=yes", &m), -1);
	ck_assert_int_eq(parse("GWD_REQUESTS=-1", &m), -1);
	ck_assert_int_eq(parse("GWD_REQUESTS=12x", &m), -1);
	ck_assert_int_eq(parse("GWD_REQUESTS=99999999999999999999999", &m),
	    -1);
	ck_assert_int_eq(parse("EXTEND_TIMEOUT_USEC=", &m), -1);
	ck_assert_int_eq(notify_parse(with_nul, sizeof with_nul - 1, &m), -1);
}
END_TEST

START_TEST(test_status_is_bounded_and_one_line)
{
	struct notify_msg	m;
	char			buf[600];

	memset(buf, 'x', sizeof buf);
	memcpy(buf, "STATUS=", 7);
	buf[sizeof buf - 1] = '\0';
	ck_assert_int_eq(parse(buf, &m), 1);
	ck_assert_uint_eq(strlen(m.status), sizeof m.status - 1);
	ck_assert_int_eq(parse("STATUS=a\tb\rc", &m), 1);
	ck_assert_str_eq(m.status, "a b c");
}
END_TEST

Suite *
make_suite_notify(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_all_keys);
	tcase_add_test(tc, test_unknown_keys_ignored);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_status_is_bounded_and_one_line);
	suite_add_tcase(s, tc);
	return s;
}
