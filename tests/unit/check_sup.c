/*
 * check_sup.c: the supervisor's pure rules that do not need a running
 * master: the TTIN/TTOU step of the pool size (sup_step_target), which
 * the signals and the ttin/ttou commands share.
 */
#include "config.h"

#include <stdlib.h>

#include <check.h>

#include "supervisor.h"

START_TEST(test_step_target)
{
	static const struct {
		unsigned	current;
		long long	n;
		unsigned	want;
	} t[] = {
		{ 4, 1, 5 },
		{ 4, 3, 7 },
		{ 0, 1, 1 },
		{ SUP_MAX_WORKERS - 1, 1, SUP_MAX_WORKERS },
		{ SUP_MAX_WORKERS, 1, SUP_MAX_WORKERS },	/* clamped */
		{ 10, SUP_MAX_WORKERS, SUP_MAX_WORKERS },
		{ 4, -1, 3 },
		{ 4, -3, 1 },
		{ 4, -4, 1 },		/* not below 1 */
		{ 4, -100, 1 },
		{ 1, -1, 1 },
		{ 0, -1, 0 },		/* a pool at 0 stays at 0 */
		{ 0, -5, 0 },
		{ 2, -SUP_MAX_WORKERS, 1 },
	};
	size_t	i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_msg(sup_step_target(t[i].current, t[i].n) ==
		    t[i].want, "%u %+lld: got %u, want %u", t[i].current,
		    t[i].n, sup_step_target(t[i].current, t[i].n), t[i].want);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sup");
	TCase	*tc = tcase_create("sup");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_step_target);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
