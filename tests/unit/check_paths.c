/* check_paths.c: the default paths of SPEC section 1. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/paths.h"
#include "suites.h"

static void
clear_env(void)
{
	unsetenv("RUNTIME_DIRECTORY");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("STATE_DIRECTORY");
	unsetenv("XDG_STATE_HOME");
}

static void
check_str(char *got, const char *want)
{
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_runtime_dir)
{
	char	want[64];

	clear_env();
	setenv("RUNTIME_DIRECTORY", "/run/app:/run/other", 1);
	check_str(gw_default_runtime_dir(), "/run/app");
	check_str(gw_default_control_socket("web"), "/run/app/web.sock");
	check_str(gw_default_notify_socket("web"), "/run/app/web.notify");
	/* A relative value is not trusted. */
	setenv("RUNTIME_DIRECTORY", "run", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	if (geteuid() == 0) {
		check_str(gw_default_runtime_dir(), "/run/gwd");
		check_str(gw_default_control_socket("gwd"),
		    "/run/gwd/gwd.sock");
	} else {
		check_str(gw_default_runtime_dir(), "/run/user/1000/gwd");
		unsetenv("XDG_RUNTIME_DIR");
		snprintf(want, sizeof want, "/tmp/gwd-%lu",
		    (unsigned long)geteuid());
		check_str(gw_default_runtime_dir(), want);
	}
	clear_env();
}
END_TEST

START_TEST(test_stats_db)
{
	clear_env();
	setenv("STATE_DIRECTORY", "/var/lib/app", 1);
	check_str(gw_default_stats_db("web"), "/var/lib/app/web.db");
	unsetenv("STATE_DIRECTORY");
	if (geteuid() == 0)
		check_str(gw_default_stats_db("web"), "/var/lib/gwd/web.db");
	else {
		setenv("XDG_STATE_HOME", "/home/u/.st", 1);
		check_str(gw_default_stats_db("web"), "/home/u/.st/gwd/web.db");
		unsetenv("XDG_STATE_HOME");
		setenv("HOME", "/home/u", 1);
		check_str(gw_default_stats_db("web"),
		    "/home/u/.local/state/gwd/web.db");
	}
}
END_TEST

START_TEST(test_self_exe)
{
	char	*self = gw_self_exe();

	/* The test program itself, by its absolute path. */
	ck_assert_ptr_nonnull(self);
	ck_assert_int_eq(self[0], '/');
	ck_assert_ptr_nonnull(strstr(self, "check_unit"));
	free(self);
}
END_TEST

Suite *
make_suite_paths(void)
{
	Suite	*s = suite_create("paths");
	TCase	*tc = tcase_create("paths");

	tcase_add_test(tc, test_runtime_dir);
	tcase_add_test(tc, test_stats_db);
	tcase_add_test(tc, test_self_exe);
	suite_add_tcase(s, tc);
	return s;
}
