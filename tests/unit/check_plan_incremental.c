/*
 * check_plan_incremental.c: the planner with its index against the planner
 * without it.
 *
 * Two pools get the same random facts (spawns whose exec succeeds or
 * fails, READY=1, heartbeats, requests, recycle requests, STOPPING=1,
 * EXTEND_TIMEOUT_USEC, exits of every kind, the clock moving on, scaling,
 * rolling and surge reloads, quick and graceful shutdowns, gwctl kill,
 * worker_timeout hooks ending, memory samples, log reopening, timing
 * changes).  Pool O has its index turned off (ix.off): every run is the
 * full pass over every worker, the oracle.  Pool I plans with the index.
 * After every step both must have decided the same actions in the same
 * order and hold the same records, plan_next_deadline must agree, and I's
 * index must agree with one computed from scratch (plan_index_check).
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "gw/util.h"
#include "notify_msg.h"
#include "plan.h"
#include "pool.h"

/* Check records every passing ck_assert (a write per check): the loops
 * below check millions of things, so only failures go through Check. */
#define EXPECT(c, ...)	do { if (!(c)) ck_abort_msg(__VA_ARGS__); } while (0)

#define EXITED(code)	((code) << 8)

static struct pool		 O, I;
static struct pool_timing	 T;
static struct actions		 AO, AI;
static pid_t			 pid_o, pid_i;
static uint64_t			 rng;
static unsigned			 seed;
static int			 step;
static int			 flaky;	/* execs fail or hang at random */

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void
same_worker(const struct worker *o, const struct worker *i, size_t k)
{
#define SAME(f) EXPECT(o->f == i->f, "seed %u step %d worker %zu: " \
	    #f " %lld vs %lld", seed, step, k, (long long)o->f,		\
	    (long long)i->f)
	SAME(id);
	SAME(pid);
	SAME(generation);
	SAME(state);
	SAME(spawned_at);
	SAME(state_since);
	SAME(ready_at);
	SAME(was_ready);
	SAME(proving);
	SAME(proving_since);
	SAME(deadline);
	SAME(last_heartbeat);
	SAME(retire);
	SAME(stop_reason);
	SAME(stop_signal);
	SAME(self_stopping);
	SAME(killed);
	SAME(failure_told);
	SAME(requests);
	SAME(request_limit);
	SAME(rss_kb);
	SAME(restarts);
	SAME(exec_errno);
	SAME(exit_status);
	SAME(exit_signal);
	SAME(exit_reason);
	SAME(dump_sig);
	SAME(dumping);
	SAME(dumped);
#undef SAME
}

static void
same(void)
{
	const char	*why;
	size_t		 k;

#define SAMEP(f) EXPECT(O.f == I.f, "seed %u step %d: pool " #f \
	    " %lld vs %lld", seed, step, (long long)O.f, (long long)I.f)
	SAMEP(n);
	SAMEP(target);
	SAMEP(generation);
	SAMEP(mode);
	SAMEP(failures);
	SAMEP(last_failure_at);
	SAMEP(backoff_until);
	SAMEP(reload.active);
	SAMEP(reload.started);
	SAMEP(reload.retired);
	SAMEP(reached_target);
	SAMEP(spawns_left);
	SAMEP(spawns_total);
#undef SAMEP
	EXPECT(AO.n == AI.n, "seed %u step %d: %zu actions vs %zu",
	    seed, step, AO.n, AI.n);
	for (k = 0; k < AO.n; k++) {
		const struct action	*a = &AO.v[k], *b = &AI.v[k];

		EXPECT(a->kind == b->kind && a->sig == b->sig &&
		    a->note == b->note && a->text == b->text,
		    "seed %u step %d: action %zu: kind %d sig %d note %d vs "
		    "kind %d sig %d note %d", seed, step, k, a->kind, a->sig,
		    a->note, b->kind, b->sig, b->note);
		EXPECT((a->w == NULL) == (b->w == NULL),
		    "seed %u step %d: action %zu worker", seed, step, k);
		if (a->w != NULL)
			same_worker(a->w, b->w, k);
	}
	for (k = 0; k < O.n; k++)
		same_worker(O.w[k], I.w[k], k);
	EXPECT(plan_next_deadline(&O, &T) ==
	    plan_next_deadline(&I, &T), "seed %u step %d: next deadline "
	    "%llu vs %llu", seed, step,
	    (unsigned long long)plan_next_deadline(&O, &T),
	    (unsigned long long)plan_next_deadline(&I, &T));
	EXPECT(plan_index_check(&I, &T, &why) == 0,
	    "seed %u step %d: index: %s", seed, step, why);
}

/* Carry out the spawns of the last run in both pools; the exec of each
 * succeeds or fails alike. */
static void
spawns(uint64_t now)
{
	size_t	k, n = AO.n;

	for (k = 0; k < n; k++) {
		struct worker	*wo = AO.v[k].w, *wi = AI.v[k].w;
		unsigned	 r;

		if (AO.v[k].kind != A_SPAWN)
			continue;
		r = flaky ? rnd(12) : 2;
		pool_on_forked(&O, wo, pid_o++, now, &AO);
		pool_on_forked(&I, wi, pid_i++, now, &AI);
		if (r == 0) {
			pool_on_spawn_failed(&O, wo, 2, now, &T, &AO);
			pool_on_spawn_failed(&I, wi, 2, now, &T, &AI);
		} else if (r > 1) {	/* r == 1: still exec'ing */
			pool_on_exec_ok(&O, wo, now, &T, &AO);
			pool_on_exec_ok(&I, wi, now, &T, &AI);
		}
	}
}

static void
run(uint64_t now)
{
	actions_clear(&AO);
	actions_clear(&AI);
	plan_run(&O, &T, now, &AO);
	plan_run(&I, &T, now, &AI);
	same();
	spawns(now);
	same();
	pool_gc(&O);
	pool_gc(&I);
}

/* A live forked worker, the same position in both pools; SIZE_MAX: none. */
static size_t
random_live(void)
{
	size_t	i, n = 0, k;

	for (i = 0; i < O.n; i++)
		if (O.w[i]->state != WS_EXITED && O.w[i]->pid > 0)
			n++;
	if (n == 0)
		return (size_t)-1;
	k = rnd((unsigned)n);
	for (i = 0; i < O.n; i++)
		if (O.w[i]->state != WS_EXITED && O.w[i]->pid > 0 && k-- == 0)
			return i;
	return (size_t)-1;
}

static const char *msgs[] = {
	"READY=1", "READY=1", "READY=1", "WATCHDOG=1", "WATCHDOG=1",
	"STOPPING=1", "GWD_REQUESTS=3", "GWD_REQUESTS=9", "GWD_RECYCLE=1",
	"EXTEND_TIMEOUT_USEC=5000000", "STATUS=busy\nWATCHDOG=1",
	"READY=1\nWATCHDOG=1",
};

static const int statuses[] = {
	EXITED(0), EXITED(1), EXITED(3), SIGKILL, SIGSEGV, SIGTERM, SIGABRT
};

static void
fact(uint64_t *now, unsigned maxn)
{
	struct notify_msg	 m;
	size_t			 k;
	unsigned		 r;

	actions_clear(&AO);
	actions_clear(&AI);
	switch (rnd(16)) {
	case 0:
	case 1:
	case 2:
		*now += rnd(3) == 0 ? rnd(40000) : rnd(1500);
		break;
	case 3:
	case 4:
	case 5:
		if ((k = random_live()) == (size_t)-1)
			break;
		r = rnd(GW_ARRAY_LEN(msgs));
		EXPECT(notify_parse(msgs[r], strlen(msgs[r]), &m) >= 1,
		    "notify_parse");
		pool_on_notify(&O, O.w[k], &m, *now, &T, &AO);
		pool_on_notify(&I, I.w[k], &m, *now, &T, &AI);
		break;
	case 6:
	case 7:
		if ((k = random_live()) == (size_t)-1)
			break;
		r = (unsigned)statuses[rnd(GW_ARRAY_LEN(statuses))];
		pool_on_exit(&O, O.w[k]->pid, (int)r, *now, &T, &AO);
		pool_on_exit(&I, I.w[k]->pid, (int)r, *now, &T, &AI);
		break;
	case 8:
		r = rnd(maxn + 1);
		pool_set_target(&O, r);
		pool_set_target(&I, r);
		break;
	case 9:
		if (O.mode != PM_RUNNING || rnd(2))
			break;
		r = rnd(2);
		k = 1 + rnd(3);
		pool_start_reload(&O, (int)r, (unsigned)k, *now);
		pool_start_reload(&I, (int)r, (unsigned)k, *now);
		break;
	case 10:
		if ((k = random_live()) == (size_t)-1)
			break;
		r = rnd(2) ? SIGTERM : SIGKILL;
		pool_on_kill_request(&O, O.w[k], (int)r, *now, &T, &AO);
		pool_on_kill_request(&I, I.w[k], (int)r, *now, &T, &AI);
		break;
	case 11:
		if ((k = random_live()) == (size_t)-1)
			break;
		pool_on_dump_done(&O, O.w[k], *now);
		pool_on_dump_done(&I, I.w[k], *now);
		break;
	case 12:
		/* Memory: reported as a fact; the oracle gets it too. */
		if ((k = random_live()) == (size_t)-1 ||
		    T.max_worker_memory_kb == 0)
			break;
		r = rnd(2) ? 2000 : 500;
		pool_on_sample(&O, O.w[k], r, 0.5, *now);
		pool_on_sample(&I, I.w[k], r, 0.5, *now);
		break;
	case 13:
		pool_on_logs_reopened(&O, SIGUSR1, *now, &T, &AO);
		pool_on_logs_reopened(&I, SIGUSR1, *now, &T, &AI);
		break;
	case 14:
		/* Timing of a reloaded configuration. */
		switch (rnd(4)) {
		case 0:
			T.timeout_ms = rnd(2) ? 0 : 2000 + rnd(3) * 1000;
			break;
		case 1:
			T.max_worker_age_ms = rnd(2) ? 0 : 5000;
			break;
		case 2:
			T.readiness_grace_ms = rnd(2) ? 0 : 300;
			break;
		default:
			T.max_requests = rnd(2) ? 0 : 5;
			break;
		}
		break;
	case 15:
		if (rnd(40) != 0 || O.mode != PM_RUNNING)
			break;
		r = rnd(2);
		pool_shutdown(&O, (int)r);
		pool_shutdown(&I, (int)r);
		break;
	}
	same();
	pool_gc(&O);
	pool_gc(&I);
}

static void
episode(unsigned s, unsigned maxn, int steps)
{
	uint64_t	now = 1000;

	seed = s;
	rng = 0x9E3779B97F4A7C15ULL * (s + 1);
	memset(&T, 0, sizeof T);
	T.boot_timeout_ms = rnd(4) == 0 ? 0 : 3000;
	T.timeout_ms = rnd(2) ? 0 : 3000;
	T.graceful_timeout_ms = 2000 + rnd(3) * 1000;
	T.backoff_max_ms = 400 + rnd(3) * 2000;
	T.max_requests = rnd(3) == 0 ? 5 : 0;
	T.max_requests_jitter = rnd(2) ? 3 : 0;
	T.max_worker_age_ms = rnd(3) == 0 ? 8000 : 0;
	T.max_worker_memory_kb = rnd(2) ? 1000 : 0;
	T.stop_signal = SIGTERM;
	T.readiness_notify = (int)rnd(2);
	T.readiness_grace_ms = rnd(3) == 0 ? 300 : 0;
	T.dump_hook = (int)rnd(2);
	T.hook_timeout_ms = 300 + rnd(3) * 1000;
	pool_init(&O, 1 + rnd(maxn), 1);
	pool_init(&I, O.target, 1);
	O.ix.off = 1;
	pid_o = pid_i = 100;
	flaky = 1;
	for (step = 0; step < steps; step++) {
		fact(&now, maxn);
		run(now);
		if (O.mode == PM_STOPPING && O.n == 0)
			break;
	}
	pool_free(&O);
	pool_free(&I);
}

/* PLAN_SEEDS=n: more or fewer episodes. */
static unsigned
nseeds(void)
{
	const char	*e = getenv("PLAN_SEEDS");

	return e != NULL ? (unsigned)atoi(e) : 200;
}

START_TEST(test_differential)
{
	static const unsigned	sizes[] = { 1, 2, 3, 5, 8, 16, 32, 64 };
	unsigned		s;

	for (s = 0; s < nseeds(); s++)
		episode(s, sizes[s % GW_ARRAY_LEN(sizes)], 400);
}
END_TEST

/* A full pool of 64 through a rolling reload and a surge reload, with the
 * index checked at every step. */
START_TEST(test_reloads_big)
{
	uint64_t	now = 1000;
	int		i;
	const char	*why;

	seed = 1000;
	rng = 12345;
	memset(&T, 0, sizeof T);
	T.boot_timeout_ms = 3000;
	T.graceful_timeout_ms = 3000;
	T.backoff_max_ms = 1000;
	T.stop_signal = SIGTERM;
	pool_init(&O, 64, 1);
	pool_init(&I, 64, 1);
	O.ix.off = 1;
	pid_o = pid_i = 100;
	flaky = 0;
	for (step = 0; step < 20; step++)
		run(now += 10);
	ck_assert_int_eq(I.reached_target, 1);
	ck_assert_int_eq(plan_index_check(&I, &T, &why), 0);
	pool_start_reload(&O, 0, 2, now);
	pool_start_reload(&I, 0, 2, now);
	for (i = 0; i < 400 && I.reload.active; i++) {
		size_t	k;

		run(now += 10);
		/* The stopped old workers exit. */
		for (k = 0; k < O.n; k++)
			if (O.w[k]->state == WS_DRAINING) {
				actions_clear(&AO);
				actions_clear(&AI);
				pool_on_exit(&O, O.w[k]->pid, 0, now, &T, &AO);
				pool_on_exit(&I, I.w[k]->pid, 0, now, &T, &AI);
				same();
			}
		pool_gc(&O);
		pool_gc(&I);
		step++;
	}
	ck_assert_int_eq(I.reload.active, 0);
	pool_start_reload(&O, 1, 1, now);
	pool_start_reload(&I, 1, 1, now);
	for (i = 0; i < 20; i++)
		run(now += 10);
	ck_assert_int_eq(I.reload.active, 0);
	pool_free(&O);
	pool_free(&I);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("plan_incremental");
	TCase	*tc = tcase_create("differential");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_differential);
	tcase_add_test(tc, test_reloads_big);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	actions_free(&AO);
	actions_free(&AI);
	return failed == 0 ? 0 : 1;
}
