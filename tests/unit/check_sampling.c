/*
 * check_sampling.c: sampling.c against real processes.  A blocking
 * refresh (sampling_refresh: one scan, waited for; gwd's readers wait
 * through the loop instead, check_smp_handover.c) finds every worker, even more than one 4 KB read of gwd's children list
 * holds, and leaves the pool's facts alone: only the periodic sample
 * writes rss_kb, which the planner recycles on.
 *
 * The test process plays gwd: its children are the workers.  It defines
 * supervisor_config() itself, the one thing sampling.c asks the
 * supervisor, so the real supervisor stays out of the link.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "gw/util.h"
#include "pool.h"
#include "sampling.h"
#include "test_workers.h"
#include "supervisor.h"

static struct gw_config	 cfg;

const struct gw_config *
supervisor_config(void)
{
	return &cfg;
}

static void
sampled(void)
{
}

static void
check_usage(size_t n)
{
	struct event_base	*base = event_base_new();
	struct pool		 p;
	uint64_t		 fresh, rss, now;
	double			 cpu;
	size_t			 i, found = 0;

	memset(&cfg, 0, sizeof cfg);
	test_workers_spawn(&p, n);
	sampling_start(base, &p, getpid(), sampled);
	fresh = sampling_refresh();
	ck_assert_uint_eq(fresh, 1000);	/* at least 1 s */
	now = gw_now_ms();
	for (i = 0; i < p.n; i++) {
		if (sampling_usage(p.w[i], now, fresh, &rss, &cpu)) {
			ck_assert_uint_gt(rss, 0);
			found++;
		}
		/* Read-only: the pool's facts are the periodic sample's. */
		ck_assert_uint_eq(p.w[i]->rss_kb, 0);
		ck_assert_uint_eq(p.w[i]->sampled_at, 0);
	}
	ck_assert_uint_eq(found, n);
	/* Another worker record with the same pid is not that worker. */
	p.w[0]->id = 999;
	ck_assert_int_eq(sampling_usage(p.w[0], now, fresh, &rss, &cpu), 0);
	p.w[0]->id = 1;
	/* Too old for a caller that wants it fresher than it is. */
	ck_assert_int_eq(sampling_usage(p.w[1], now + 2000, fresh, &rss,
	    &cpu), 0);
	sampling_stop();
	test_workers_reap(&p);
	event_base_free(base);
}

START_TEST(test_few)
{
	check_usage(3);
}
END_TEST

/* More children than one 4 KB read of /proc/PID/task/TID/children holds
 * (at 5 bytes or more a pid, 1200 is at least 6000 bytes). */
START_TEST(test_many)
{
	check_usage(1200);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("sampling");
	TCase	*tc = tcase_create("sampling");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_few);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
