/*
 * check_smp_handover.c: the sampling thread's hand-over.  The merge of a
 * scan into the usage table (usage_table.c, pure), and sampling.c's
 * asynchronous path against real processes and a real event loop: a
 * reader that finds the table stale is answered later, from the loop,
 * with every worker's usage, and never touches the pool; a periodic
 * sample writes the facts into the records and calls back; a reader
 * that goes away is not answered; sampling_quiesce() leaves the result
 * to the loop; without a thread nothing is read on the loop.
 *
 * The test process plays gwd: its children are the workers.  It defines
 * supervisor_config() itself, the one thing sampling.c asks the
 * supervisor, so the real supervisor stays out of the link.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "gw/util.h"
#include "pool.h"
#include "procfs.h"
#include "sampling.h"
#include "test_workers.h"
#include "supervisor.h"
#include "usage_table.h"

static struct gw_config	 cfg;
static struct event_base *base;
static int		 sampled_calls;

const struct gw_config *
supervisor_config(void)
{
	return &cfg;
}

static void
sampled(void)
{
	sampled_calls++;
	event_base_loopbreak(base);
}

/* ---- usage_table ------------------------------------------------------- */

static struct procfs_usage
found(uint64_t rss_kb, double cpu_s)
{
	struct procfs_usage	u;

	memset(&u, 0, sizeof u);
	u.rss_kb = rss_kb;
	u.cpu_s = cpu_s;
	u.procs = 1;
	return u;
}

START_TEST(test_merge_fresh)
{
	struct usage_table	 t = { NULL, 0 };
	struct usage_root	 r[] = { { 30, 3 }, { 0, 9 }, { 10, 1 },
				     { 20, 2 } };
	struct procfs_usage	 u[4];
	const struct usage	*e;
	size_t			 i;

	u[0] = found(300, 3.0);
	u[1] = found(999, 9.0);		/* a pid of 0: skipped */
	u[2] = found(100, 1.0);
	memset(&u[3], 0, sizeof u[3]);	/* not found, no older entry */
	usage_table_merge(&t, r, u, 4, 5000);
	ck_assert_uint_eq(t.n, 2);
	for (i = 1; i < t.n; i++)	/* sorted by pid */
		ck_assert_int_lt(t.v[i - 1].pid, t.v[i].pid);
	e = usage_table_find(&t, 30, 3);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->rss_kb, 300);
	ck_assert_uint_eq(e->at, 5000);
	ck_assert_ptr_null(usage_table_find(&t, 20, 2));
	ck_assert_ptr_null(usage_table_find(&t, 0, 9));
	/* The same pid, another worker record: not that worker's. */
	ck_assert_ptr_null(usage_table_find(&t, 10, 2));
	usage_table_clear(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(usage_table_find(&t, 10, 1));
}
END_TEST

START_TEST(test_merge_keeps_and_drops)
{
	struct usage_table	 t = { NULL, 0 };
	struct usage_root	 r1[] = { { 10, 1 }, { 20, 2 }, { 30, 3 } };
	struct usage_root	 r2[] = { { 20, 2 }, { 30, 3 }, { 40, 4 } };
	struct procfs_usage	 u[3];
	const struct usage	*e;

	u[0] = found(100, 1.0);
	u[1] = found(200, 2.0);
	u[2] = found(300, 3.0);
	usage_table_merge(&t, r1, u, 3, 1000);
	/* The next scan: 10 is gone (not asked about), 30 was not found
	 * this time (keeps its older entry), 40 is new. */
	u[0] = found(210, 2.5);
	memset(&u[1], 0, sizeof u[1]);
	u[2] = found(400, 4.0);
	usage_table_merge(&t, r2, u, 3, 2000);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_ptr_null(usage_table_find(&t, 10, 1));
	e = usage_table_find(&t, 20, 2);
	ck_assert_uint_eq(e->rss_kb, 210);
	ck_assert_uint_eq(e->at, 2000);
	e = usage_table_find(&t, 30, 3);
	ck_assert_uint_eq(e->rss_kb, 300);
	ck_assert_uint_eq(e->at, 1000);
	e = usage_table_find(&t, 40, 4);
	ck_assert_uint_eq(e->rss_kb, 400);
	usage_table_clear(&t);
}
END_TEST

/* ---- sampling.c, asynchronously ----------------------------------------- */

static int	answered;

static void
reader_done(void *arg)
{
	(void)arg;
	answered++;
	event_base_loopbreak(base);
}

/* pthread_create as sampling.c sees it (the program links with
 * --wrap=pthread_create): refused while refuse_threads is set, as when
 * the process table is full. */
static int	refuse_threads;
int	__real_pthread_create(pthread_t *, const pthread_attr_t *,
	    void *(*)(void *), void *);
int	__wrap_pthread_create(pthread_t *, const pthread_attr_t *,
	    void *(*)(void *), void *);

int
__wrap_pthread_create(pthread_t *t, const pthread_attr_t *a,
    void *(*fn)(void *), void *arg)
{
	if (refuse_threads)
		return EAGAIN;
	return __real_pthread_create(t, a, fn, arg);
}

static void
loop_for(int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Run the loop for ms, or until *flag (if given) is set.  In short
 * slices: a callback's loopbreak, or an earlier loop_for's exit still
 * pending, only ends a slice. */
static void
run_until(int ms, int *flag)
{
	uint64_t	end = gw_now_ms() + (uint64_t)ms;

	while (gw_now_ms() < end && (flag == NULL || *flag == 0))
		loop_for(50);
}

static size_t
count_usage(struct pool *p, uint64_t now)
{
	uint64_t	rss;
	double		cpu;
	size_t		i, k = 0;

	for (i = 0; i < p->n; i++)
		if (sampling_usage(p->w[i], now, sampling_fresh_ms(), &rss,
		    &cpu) && rss > 0)
			k++;
	return k;
}

START_TEST(test_reader_waits)
{
	struct pool	p;
	size_t		i;

	base = event_base_new();
	memset(&cfg, 0, sizeof cfg);
	answered = 0;
	test_workers_spawn(&p, 300);
	sampling_start(base, &p, getpid(), sampled);
	/* Stale: not now, later, from the loop. */
	ck_assert_int_eq(sampling_wait(reader_done, &p), 0);
	ck_assert_int_eq(answered, 0);
	ck_assert_uint_eq(count_usage(&p, gw_now_ms()), 0);
	loop_for(5000);
	ck_assert_int_eq(answered, 1);
	ck_assert_uint_eq(count_usage(&p, gw_now_ms()), p.n);
	/* Read-only: the pool's facts are the periodic sample's. */
	for (i = 0; i < p.n; i++)
		ck_assert_uint_eq(p.w[i]->sampled_at, 0);
	ck_assert_int_eq(sampled_calls, 0);
	/* Fresh now: answer at once. */
	ck_assert_int_eq(sampling_wait(reader_done, &p), 1);
	sampling_stop();
	test_workers_reap(&p);
	event_base_free(base);
}
END_TEST

START_TEST(test_reader_cancel)
{
	struct pool	p;

	base = event_base_new();
	memset(&cfg, 0, sizeof cfg);
	answered = 0;
	test_workers_spawn(&p, 50);
	sampling_start(base, &p, getpid(), sampled);
	ck_assert_int_eq(sampling_wait(reader_done, &p), 0);
	sampling_wait_cancel(reader_done, &p);
	/* The scan still comes in, nobody is answered. */
	loop_for(500);
	ck_assert_int_eq(answered, 0);
	ck_assert_uint_eq(count_usage(&p, gw_now_ms()), p.n);
	sampling_stop();
	test_workers_reap(&p);
	event_base_free(base);
}
END_TEST

START_TEST(test_periodic_and_quiesce)
{
	struct pool	p;
	size_t		i;

	base = event_base_new();
	memset(&cfg, 0, sizeof cfg);
	cfg.stats_interval_ms = 1000;
	cfg.max_worker_memory = 1 << 30;	/* someone needs samples */
	sampled_calls = 0;
	answered = 0;
	test_workers_spawn(&p, 100);
	sampling_start(base, &p, getpid(), sampled);
	sampling_arm();
	loop_for(5000);
	/* The periodic sample's facts are in the records. */
	ck_assert_int_eq(sampled_calls, 1);
	for (i = 0; i < p.n; i++) {
		ck_assert_uint_gt(p.w[i]->rss_kb, 0);
		ck_assert_uint_gt(p.w[i]->sampled_at, 0);
	}
	/* A scan in flight, joined as before an exec: its result waits
	 * for the loop, which answers the reader. */
	cfg.stats_interval_ms = 1000;
	for (i = 0; i < p.n; i++)
		p.w[i]->id += 1000;	/* new records: nothing fresh */
	ck_assert_int_eq(sampling_wait(reader_done, &p), 0);
	sampling_quiesce();
	ck_assert_int_eq(answered, 0);
	loop_for(5000);
	ck_assert_int_eq(answered, 1);
	ck_assert_uint_eq(count_usage(&p, gw_now_ms()), p.n);
	sampling_stop();
	test_workers_reap(&p);
	event_base_free(base);
}
END_TEST

/* No thread can be made: the loop never walks /proc itself.  A reader is
 * answered with the table as it is, a periodic sample reports nothing,
 * and the next sample, with threads again, reports its facts. */
START_TEST(test_no_thread)
{
	struct pool	p;
	size_t		i;

	base = event_base_new();
	memset(&cfg, 0, sizeof cfg);
	cfg.stats_interval_ms = 1000;
	cfg.max_worker_memory = 1 << 30;	/* someone needs samples */
	answered = 0;
	sampled_calls = 0;
	test_workers_spawn(&p, 50);
	sampling_start(base, &p, getpid(), sampled);
	refuse_threads = 1;
	ck_assert_int_eq(sampling_wait(reader_done, &p), 0);
	run_until(1000, &answered);
	ck_assert_int_eq(answered, 1);
	ck_assert_uint_eq(count_usage(&p, gw_now_ms()), 0);
	/* The first periodic sample (at 1 s) finds no thread. */
	sampling_arm();
	run_until(1500, NULL);
	ck_assert_int_eq(sampled_calls, 0);
	for (i = 0; i < p.n; i++)
		ck_assert_uint_eq(p.w[i]->sampled_at, 0);
	/* The next one (at 2 s) does. */
	refuse_threads = 0;
	run_until(3000, &sampled_calls);
	ck_assert_int_eq(sampled_calls, 1);
	for (i = 0; i < p.n; i++)
		ck_assert_uint_gt(p.w[i]->rss_kb, 0);
	sampling_stop();
	test_workers_reap(&p);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("smp_handover");
	TCase	*tc = tcase_create("smp_handover");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_merge_fresh);
	tcase_add_test(tc, test_merge_keeps_and_drops);
	tcase_add_test(tc, test_reader_waits);
	tcase_add_test(tc, test_reader_cancel);
	tcase_add_test(tc, test_periodic_and_quiesce);
	tcase_add_test(tc, test_no_thread);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
