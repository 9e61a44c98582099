/*
 * planbench.c: the planner's cost per fact against the pool size.
 *
 * A pool of n ready workers (fake clock, no processes) gets the facts the
 * supervisor sees most, each followed by what the supervisor does for it:
 * plan_run, plan_next_deadline, pool_gc.
 *
 *   timer	a timer with nothing due (a heartbeat check)
 *   watchdog	WATCHDOG=1 from one worker (--timeout on)
 *   replace	a worker exits; its replacement is spawned, exec'd and
 *		says READY=1 (three facts: exit, exec, READY)
 *   reload	one step of a rolling reload, batch 1: the new worker's
 *		READY=1, the old one stopped, and its exit
 *
 * Rounds interleave the sizes; the result is the median over rounds of
 * the mean time per fact, in microseconds.
 *
 * Usage: planbench [rounds [size ...]]  (default 7 rounds; 256 1024 4096)
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_msg.h"
#include "plan.h"
#include "pool.h"

#define MAX_ROUNDS	31
#define MAX_SIZES	8

enum { B_TIMER, B_WATCHDOG, B_REPLACE, B_RELOAD, B_COUNT };
static const char *names[B_COUNT] = { "timer", "watchdog", "replace",
    "reload" };

static struct pool		 P;
static struct pool_timing	 T;
static struct actions		 A;
static uint64_t			 now;
static pid_t			 next_pid;

static double
clock_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
notify(struct worker *w, const char *text)
{
	struct notify_msg	m;

	if (notify_parse(text, strlen(text), &m) < 1)
		abort();
	pool_on_notify(&P, w, &m, now, &T, &A);
}

/* What the supervisor does after a fact: run, carry out, arm the timer,
 * collect.  Spawns fork and exec at once; with ready != 0 they also say
 * READY=1 within the same step. */
static void
step(int ready)
{
	size_t	i, n;

	actions_clear(&A);
	plan_run(&P, &T, now, &A);
	n = A.n;
	for (i = 0; i < n; i++) {
		if (A.v[i].kind != A_SPAWN)
			continue;
		pool_on_forked(&P, A.v[i].w, next_pid++, now, &A);
		pool_on_exec_ok(&P, A.v[i].w, now, &T, &A);
		if (ready)
			notify(A.v[i].w, "READY=1");
	}
	(void)plan_next_deadline(&P, &T);
	pool_gc(&P);
}

static void
fill(unsigned n)
{
	memset(&T, 0, sizeof T);
	T.boot_timeout_ms = 30000;
	T.timeout_ms = 30000;
	T.graceful_timeout_ms = 30000;
	T.backoff_max_ms = 1000;
	T.stop_signal = SIGTERM;
	T.readiness_notify = 1;
	pool_init(&P, n, 1);
	now = 1000;
	next_pid = 100;
	while (!P.reached_target) {
		step(1);
		now++;
	}
}

/* Microseconds per fact of kind b at size n, over about facts facts. */
static double
bench(int b, unsigned n, unsigned facts)
{
	unsigned	i, done = 0;
	double		t0;

	fill(n);
	for (i = 0; i < 50; i++)	/* warm up */
		step(1);
	t0 = clock_us();
	switch (b) {
	case B_TIMER:
		for (i = 0; i < facts; i++, done++) {
			now++;
			step(1);
		}
		break;
	case B_WATCHDOG:
		for (i = 0; i < facts; i++, done++) {
			actions_clear(&A);
			notify(P.w[(i * 7919) % P.n], "WATCHDOG=1");
			step(1);
		}
		break;
	case B_REPLACE:
		for (i = 0; i < facts; i++) {
			struct worker	*w = P.w[(i * 7919) % P.n];
			size_t		 k;

			now += 2000;	/* not a crash loop */
			actions_clear(&A);
			pool_on_exit(&P, w->pid, 0, now, &T, &A);
			step(0);	/* spawned, exec'd */
			done += 2;
			for (k = P.n; k > 0; k--)
				if (P.w[k - 1]->state == WS_BOOTING)
					break;
			actions_clear(&A);
			notify(P.w[k - 1], "READY=1");
			step(0);
			done++;
		}
		break;
	case B_RELOAD:
		pool_start_reload(&P, 0, 1, now);
		step(0);
		while (P.reload.active && done < facts) {
			size_t	k;

			now++;
			/* The new worker says READY=1: the old one stops. */
			for (k = P.n; k > 0; k--)
				if (P.w[k - 1]->state == WS_BOOTING)
					break;
			if (k == 0)
				break;
			actions_clear(&A);
			notify(P.w[k - 1], "READY=1");
			step(0);
			done++;
			/* The old one exits. */
			for (k = 0; k < P.n; k++)
				if (P.w[k]->state == WS_DRAINING)
					break;
			if (k == P.n)
				break;
			actions_clear(&A);
			pool_on_exit(&P, P.w[k]->pid, 0, now, &T, &A);
			step(0);
			done++;
		}
		break;
	}
	t0 = (clock_us() - t0) / (done ? done : 1);
	pool_free(&P);
	return t0;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static double	r[B_COUNT][MAX_SIZES][MAX_ROUNDS];
	unsigned	sizes[MAX_SIZES] = { 256, 1024, 4096 };
	int		nsizes = 3, rounds = 7, round, s, b;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 7;
	if (argc > 2) {
		for (nsizes = 0; nsizes + 2 < argc && nsizes < MAX_SIZES;
		    nsizes++)
			sizes[nsizes] = (unsigned)atoi(argv[nsizes + 2]);
	}
	for (round = 0; round < rounds; round++)
		for (s = 0; s < nsizes; s++)
			for (b = 0; b < B_COUNT; b++)
				r[b][s][round] = bench(b, sizes[s],
				    b == B_RELOAD ? 2 * 400 : 2000);
	printf("%-10s", "us/fact");
	for (s = 0; s < nsizes; s++)
		printf(" %9u", sizes[s]);
	printf("  (median of %d rounds)\n", rounds);
	for (b = 0; b < B_COUNT; b++) {
		printf("%-10s", names[b]);
		for (s = 0; s < nsizes; s++) {
			qsort(r[b][s], (size_t)rounds, sizeof(double), cmp);
			printf(" %9.2f", r[b][s][rounds / 2]);
		}
		printf("\n");
	}
	actions_free(&A);
	return 0;
}
