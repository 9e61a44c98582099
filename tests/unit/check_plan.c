/*
 * check_plan.c: the pool and the planner driven with a fake clock: every
 * state, transition, deadline and exit reason of SPEC section 5, the
 * backoff arithmetic, scaling, recycling, rolling and surge reloads.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "notify.h"
#include "plan.h"
#include "pool.h"
#include "suites.h"

static struct pool	 P;
static struct pool_timing T;
static struct actions	 A;
static pid_t		 next_pid;

#define EXITED(code)	((code) << 8)
#define KILLED(sig)	(sig)

static void
setup(void)
{
	memset(&T, 0, sizeof T);
	T.boot_timeout_ms = 30000;
	T.timeout_ms = 30000;
	T.graceful_timeout_ms = 30000;
	T.backoff_max_ms = 60000;
	T.stop_signal = SIGTERM;
	T.readiness_notify = 0;
	pool_init(&P, 2, 1);
	memset(&A, 0, sizeof A);
	next_pid = 1000;
}

static void
teardown(void)
{
	pool_free(&P);
	actions_free(&A);
}

static size_t
count(enum action_kind kind, int sig_or_note)
{
	size_t	i, n = 0;

	for (i = 0; i < A.n; i++) {
		if (A.v[i].kind != kind)
			continue;
		if (kind == A_SIGNAL && sig_or_note && A.v[i].sig !=
		    sig_or_note)
			continue;
		if (kind == A_NOTE && A.v[i].note != (enum note_kind)sig_or_note)
			continue;
		n++;
	}
	return n;
}

static struct action *
find(enum action_kind kind, size_t nth)
{
	size_t	i;

	for (i = 0; i < A.n; i++)
		if (A.v[i].kind == kind && nth-- == 0)
			return &A.v[i];
	return NULL;
}

static struct action *
find_note(enum note_kind note)
{
	size_t	i;

	for (i = 0; i < A.n; i++)
		if (A.v[i].kind == A_NOTE && A.v[i].note == note)
			return &A.v[i];
	return NULL;
}

/* Run the planner and carry out its spawns (fork + exec succeed). */
static void
run(uint64_t now)
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
	}
}

static void
notify(struct worker *w, const char *msg, uint64_t now)
{
	struct notify_msg	m;

	ck_assert_int_ge(notify_parse(msg, strlen(msg), &m), 1);
	actions_clear(&A);
	pool_on_notify(&P, w, &m, now, &T, &A);
}

static struct worker *
die(struct worker *w, int status, uint64_t now)
{
	actions_clear(&A);
	return pool_on_exit(&P, w->pid, status, now, &T, &A);
}

static struct worker *
slot(int id)
{
	return pool_find_id(&P, id);
}

START_TEST(test_spawn_to_target)
{
	run(0);
	ck_assert_uint_eq(count(A_SPAWN, 0), 2);
	ck_assert_int_eq(find(A_SPAWN, 0)->w->id, 1);
	ck_assert_int_eq(find(A_SPAWN, 1)->w->id, 2);
	ck_assert_int_eq(slot(1)->state, WS_READY);	/* readiness spawn */
	ck_assert_uint_eq(count(A_NOTE, N_READY), 2);
	run(10);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_uint_eq(count(A_NOTE, N_POOL_FULL), 1);
	run(20);
	ck_assert_uint_eq(A.n, 0);	/* nothing to do: idle */
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 0);
}
END_TEST

START_TEST(test_big_pool_fills_in_batches)
{
	pool_set_target(&P, 100);
	run(0);
	ck_assert_uint_eq(count(A_SPAWN, 0), PLAN_SPAWN_BATCH);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 1);	/* at once */
	run(1);
	run(2);
	run(3);
	ck_assert_uint_eq(count(A_SPAWN, 0), 100 - 3 * PLAN_SPAWN_BATCH);
	ck_assert_int_eq(P.spawns_left, 0);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 0);
	ck_assert_int_eq(slot(100)->state, WS_READY);
}
END_TEST

START_TEST(test_notify_readiness_and_boot_timeout)
{
	struct worker	*w;

	T.readiness_notify = 1;
	T.boot_timeout_ms = 5000;
	run(0);
	w = slot(1);
	ck_assert_int_eq(w->state, WS_BOOTING);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 5000);
	notify(w, "READY=1", 100);
	ck_assert_int_eq(w->state, WS_READY);
	ck_assert_uint_eq(count(A_NOTE, N_READY), 1);
	/* slot 2 never says READY */
	run(4999);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(5000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	ck_assert_int_eq(slot(2)->state, WS_KILLING);
	/* The failure counts when the kill is decided. */
	ck_assert_uint_eq(P.failures, 1);
	ck_assert_uint_eq(count(A_NOTE, N_BACKOFF), 1);
	w = die(slot(2), KILLED(SIGKILL), 5001);
	ck_assert_int_eq(w->exit_reason, R_BOOT_TIMEOUT);
	ck_assert_uint_eq(P.failures, 1);
}
END_TEST

/* --boot-timeout 0 means no limit: a booting worker is never killed. */
START_TEST(test_boot_timeout_zero_is_no_limit)
{
	T.readiness_notify = 1;
	T.boot_timeout_ms = 0;
	P.target = 1;
	/* Not at 0 on the fake clock, where now + 0 reads as no deadline. */
	run(1000);
	ck_assert_int_eq(slot(1)->state, WS_BOOTING);
	ck_assert_uint_eq(slot(1)->deadline, 0);
	run(1001);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(3600 * 1000);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_int_eq(slot(1)->state, WS_BOOTING);
	notify(slot(1), "READY=1", 3600 * 1000 + 1);
	ck_assert_int_eq(slot(1)->state, WS_READY);
}
END_TEST

START_TEST(test_extend_timeout)
{
	struct worker	*w;

	T.readiness_notify = 1;
	T.boot_timeout_ms = 1000;
	P.target = 1;
	run(0);
	w = slot(1);
	notify(w, "EXTEND_TIMEOUT_USEC=5000000", 500);
	ck_assert_uint_eq(w->deadline, 5500);
	run(2000);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(5500);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
}
END_TEST

START_TEST(test_heartbeat_timeout)
{
	struct worker	*w;

	T.timeout_ms = 3000;
	P.target = 1;
	run(0);
	w = slot(1);
	/* No heartbeat yet: the timeout is not armed. */
	run(100000);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	notify(w, "WATCHDOG=1", 100000);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 103000);
	notify(w, "WATCHDOG=1", 102000);
	run(104999);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(105000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGABRT), 1);
	ck_assert_int_eq(w->state, WS_KILLING);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 106000);
	run(106000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	w = die(w, KILLED(SIGKILL), 106001);
	ck_assert_int_eq(w->exit_reason, R_TIMEOUT);
	ck_assert_int_eq(w->exit_signal, SIGKILL);
	ck_assert_uint_eq(P.failures, 0);
	pool_gc(&P);
	run(106002);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	ck_assert_int_eq(slot(1)->restarts, 1);
}
END_TEST

START_TEST(test_crash_and_exit_reasons)
{
	struct worker	*w;
	pid_t		 old;

	run(0);
	old = slot(1)->pid;
	w = die(slot(1), EXITED(3), 5000);
	ck_assert_int_eq(w->exit_reason, R_CRASH);
	ck_assert_int_eq(w->exit_status, 3);
	ck_assert_uint_eq(P.failures, 0);	/* ready for 5 s */
	pool_gc(&P);
	run(5001);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	ck_assert_int_eq(slot(1)->id, 1);	/* the slot is reused */
	ck_assert_int_ne(slot(1)->pid, old);
	w = die(slot(2), EXITED(0), 6000);
	ck_assert_int_eq(w->exit_reason, R_EXIT);
	pool_gc(&P);
	run(6001);
	w = die(slot(2), KILLED(SIGSEGV), 9000);
	ck_assert_int_eq(w->exit_reason, R_CRASH);
	ck_assert_int_eq(w->exit_signal, SIGSEGV);
	ck_assert_int_eq(w->exit_status, -1);
	ck_assert_ptr_null(pool_on_exit(&P, 4242, 0, 9001, &T, &A));
}
END_TEST

START_TEST(test_stopping_is_not_a_failure)
{
	struct worker	*w;

	P.target = 1;
	run(0);
	w = slot(1);
	notify(w, "STOPPING=1", 200);
	w = die(w, EXITED(0), 300);
	ck_assert_int_eq(w->exit_reason, R_EXIT);
	ck_assert_uint_eq(P.failures, 0);
}
END_TEST

START_TEST(test_backoff)
{
	struct worker	*w;
	uint64_t	 now = 0;
	int		 i;

	ck_assert_uint_eq(pool_backoff_delay(0, 60000), 0);
	ck_assert_uint_eq(pool_backoff_delay(1, 60000), 100);
	ck_assert_uint_eq(pool_backoff_delay(2, 60000), 200);
	ck_assert_uint_eq(pool_backoff_delay(5, 60000), 1600);
	ck_assert_uint_eq(pool_backoff_delay(11, 60000), 60000);
	ck_assert_uint_eq(pool_backoff_delay(200, 60000), 60000);
	ck_assert_uint_eq(pool_backoff_delay(3, 250), 250);

	T.readiness_notify = 1;
	P.target = 3;
	run(now);
	ck_assert_uint_eq(count(A_SPAWN, 0), 3);
	/* All three crash at boot. */
	for (i = 1; i <= 3; i++) {
		w = die(slot(i), EXITED(1), now + 10);
		ck_assert_int_eq(w->exit_reason, R_BOOT_FAILED);
	}
	pool_gc(&P);
	ck_assert_uint_eq(P.failures, 3);
	ck_assert_uint_eq(P.backoff_until, now + 10 + 400);
	run(now + 409);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), now + 410);
	/* Backoff over: one probe at a time while failing. */
	run(now + 410);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	run(now + 420);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	w = slot(1);
	notify(w, "READY=1", now + 500);
	run(now + 500);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);	/* the next probe */
	notify(slot(2), "READY=1", now + 600);
	run(now + 600);
	notify(slot(3), "READY=1", now + 700);
	/* Ready for 10 s resets the count. */
	run(now + 10500);
	ck_assert_uint_eq(P.failures, 0);
	ck_assert_uint_eq(P.backoff_until, 0);
}
END_TEST

START_TEST(test_crash_soon_after_ready_is_failure)
{
	struct worker	*w;

	P.target = 1;
	run(0);
	w = die(slot(1), EXITED(1), 999);
	ck_assert_int_eq(w->exit_reason, R_CRASH);
	ck_assert_uint_eq(P.failures, 1);
}
END_TEST

START_TEST(test_spawn_failure)
{
	struct worker	*w;

	P.target = 1;
	actions_clear(&A);
	plan_run(&P, &T, 0, &A);
	w = find(A_SPAWN, 0)->w;
	pool_on_spawn_failed(&P, w, 11, 0, &T, &A);
	ck_assert_int_eq(w->state, WS_EXITED);
	ck_assert_int_eq(w->exit_reason, R_BOOT_FAILED);
	ck_assert_uint_eq(P.failures, 1);
	pool_gc(&P);
	run(50);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	run(100);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
}
END_TEST

START_TEST(test_scale)
{
	struct worker	*w;

	P.target = 3;
	run(0);
	ck_assert_uint_eq(pool_set_target(&P, 1), 3);
	run(100);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 2);
	ck_assert_int_eq(find(A_SIGNAL, 0)->w->stop_reason, R_SCALE);
	ck_assert_int_eq(find(A_SIGNAL, 0)->w->state, WS_DRAINING);
	run(30099);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(30100);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 2);
	w = die(P.w[1], KILLED(SIGKILL), 30101);
	ck_assert_int_eq(w->exit_reason, R_SCALE);
	ck_assert_uint_eq(P.failures, 0);
	pool_set_target(&P, 4);
	run(30200);
	ck_assert_uint_eq(count(A_SPAWN, 0), 3);
	ck_assert_int_eq(find(A_SPAWN, 0)->w->id, 2);
}
END_TEST

START_TEST(test_graceful_shutdown)
{
	P.target = 2;
	run(0);
	pool_shutdown(&P, 0);
	run(10);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 2);
	run(30009);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(30010);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 2);
	ck_assert_int_eq(die(P.w[0], KILLED(SIGKILL), 30011)->exit_reason,
	    R_SHUTDOWN);
	ck_assert_int_eq(die(P.w[1], EXITED(0), 30012)->exit_reason,
	    R_SHUTDOWN);
	pool_gc(&P);
	run(30013);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_uint_eq(count(A_NOTE, N_ALL_EXITED), 1);
}
END_TEST

START_TEST(test_quick_shutdown)
{
	T.stop_signal = SIGQUIT;
	run(0);
	pool_shutdown(&P, 1);
	run(10);
	ck_assert_uint_eq(count(A_SIGNAL, SIGINT), 2);
	run(2010);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 2);
}
END_TEST

START_TEST(test_rolling_reload)
{
	struct worker	*old1, *old2, *n1, *n2;

	T.readiness_notify = 1;
	run(0);
	old1 = slot(1);
	old2 = slot(2);
	notify(old1, "READY=1", 10);
	notify(old2, "READY=1", 10);
	ck_assert_uint_eq(pool_start_reload(&P, 0, 1, 1000), 2);
	run(1000);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);	/* batch of one */
	n1 = find(A_SPAWN, 0)->w;
	ck_assert_int_eq(n1->id, 1);
	ck_assert_uint_eq(n1->generation, 2);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);	/* old keeps serving */
	run(1100);
	ck_assert_uint_eq(A.n, 0);
	notify(n1, "READY=1", 1200);
	run(1200);
	/* New 1 ready: old 1 stops, slot 2 is replaced next. */
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	ck_assert_ptr_eq(find(A_SIGNAL, 0)->w, old1);
	ck_assert_int_eq(old1->stop_reason, R_RELOAD);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	n2 = find(A_SPAWN, 0)->w;
	ck_assert_int_eq(n2->id, 2);
	ck_assert_int_eq(old2->state, WS_READY);
	notify(n2, "READY=1", 1300);
	run(1300);
	ck_assert_ptr_eq(find(A_SIGNAL, 0)->w, old2);
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_DONE), 1);
	ck_assert_uint_eq(P.reload.started, 2);
	ck_assert_uint_eq(P.reload.retired, 2);
	ck_assert_int_eq(die(old1, EXITED(0), 1400)->exit_reason, R_RELOAD);
}
END_TEST

START_TEST(test_surge_reload)
{
	struct worker	*n1, *n2;

	T.readiness_notify = 1;
	run(0);
	notify(slot(1), "READY=1", 10);
	notify(slot(2), "READY=1", 10);
	pool_start_reload(&P, 1, 1, 1000);
	run(1000);
	ck_assert_uint_eq(count(A_SPAWN, 0), 2);
	n1 = find(A_SPAWN, 0)->w;
	n2 = find(A_SPAWN, 1)->w;
	notify(n1, "READY=1", 1100);
	run(1100);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);	/* not all ready */
	notify(n2, "READY=1", 1200);
	run(1200);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 2);
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_DONE), 1);
}
END_TEST

START_TEST(test_reload_failure_keeps_old)
{
	struct worker	*old1, *old2, *n1, *w;

	T.readiness_notify = 1;
	run(0);
	old1 = slot(1);
	old2 = slot(2);
	notify(old1, "READY=1", 10);
	notify(old2, "READY=1", 10);
	pool_start_reload(&P, 0, 1, 1000);
	run(1000);
	n1 = find(A_SPAWN, 0)->w;
	w = die(n1, EXITED(1), 1050);
	ck_assert_int_eq(w->exit_reason, R_BOOT_FAILED);
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_FAILED), 1);
	ck_assert_uint_eq(P.generation, 1);
	ck_assert_int_eq(P.reload.active, 0);
	ck_assert_int_eq(old1->retire, R_NONE);
	pool_gc(&P);
	/* No more new workers, nothing old is stopped. */
	run(5000);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	/* The next reload uses a fresh generation number. */
	ck_assert_uint_eq(pool_start_reload(&P, 0, 1, 6000), 3);
}
END_TEST

START_TEST(test_reload_failure_boot_timeout_surge)
{
	struct worker	*n1, *n2;

	T.readiness_notify = 1;
	T.boot_timeout_ms = 2000;
	run(0);
	notify(slot(1), "READY=1", 10);
	notify(slot(2), "READY=1", 10);
	pool_start_reload(&P, 1, 1, 1000);
	run(1000);
	n1 = find(A_SPAWN, 0)->w;
	n2 = find(A_SPAWN, 1)->w;
	notify(n1, "READY=1", 1500);
	run(3000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	/* The reload fails when the kill is decided, not at the exit: its
	 * end never waits on a process that does not die. */
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_FAILED), 1);
	ck_assert_ptr_eq(find_note(N_RELOAD_FAILED)->w, n2);
	/* The ready new worker of the failed generation is stopped. */
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	ck_assert_ptr_eq(find(A_SIGNAL, 1)->w, n1);
	ck_assert_int_eq(n1->stop_reason, R_RELOAD);
	actions_clear(&A);
	ck_assert_int_eq(die(n2, KILLED(SIGKILL), 3001)->exit_reason,
	    R_BOOT_TIMEOUT);
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_FAILED), 0);
	pool_gc(&P);
	run(3002);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
}
END_TEST

START_TEST(test_recycle_requests)
{
	struct worker	*w, *r;

	T.max_requests = 10;
	T.max_requests_jitter = 5;
	P.target = 1;
	run(0);
	w = slot(1);
	ck_assert_uint_ge(w->request_limit, 10);
	ck_assert_uint_le(w->request_limit, 15);
	run(50);	/* the pool is full */
	notify(w, "GWD_REQUESTS=9", 100);
	run(100);
	ck_assert_uint_eq(A.n, 0);
	notify(w, "GWD_REQUESTS=15", 200);
	/* Readiness spawn: the replacement is ready at once, then the old
	 * one is stopped in the next run. */
	T.readiness_notify = 1;
	run(200);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	r = find(A_SPAWN, 0)->w;
	ck_assert_int_eq(r->id, 1);
	notify(r, "READY=1", 300);
	run(300);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	ck_assert_ptr_eq(find(A_SIGNAL, 0)->w, w);
	ck_assert_int_eq(die(w, EXITED(0), 400)->exit_reason,
	    R_RECYCLE_REQUESTS);
}
END_TEST

START_TEST(test_recycle_requested_age_memory)
{
	struct worker	*w;

	T.max_worker_age_ms = 60000;
	T.max_worker_memory_kb = 1000;
	P.target = 3;
	run(0);
	notify(slot(1), "GWD_RECYCLE=1", 100);
	ck_assert_int_eq(slot(1)->retire, R_RECYCLE_REQUESTED);
	/* With its request count at the limit, it is recycling for it. */
	T.max_requests = 50;
	notify(slot(3), "GWD_REQUESTS=50\nGWD_RECYCLE=1", 100);
	ck_assert_int_eq(slot(3)->retire, R_RECYCLE_REQUESTS);
	slot(3)->retire = R_NONE;
	T.max_requests = 0;
	slot(2)->rss_kb = 2000;
	run(200);
	ck_assert_int_eq(P.w[1]->retire, R_RECYCLE_MEMORY);
	/* Replacements come up ready (readiness spawn), old ones stop. */
	ck_assert_uint_eq(count(A_SPAWN, 0), 2);
	run(300);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 2);
	run(60000);
	w = P.w[2];
	ck_assert_int_eq(w->id, 3);
	ck_assert_int_eq(w->retire, R_RECYCLE_AGE);
}
END_TEST

START_TEST(test_killed)
{
	struct worker	*w;

	P.target = 1;
	run(0);
	w = slot(1);
	run(5);
	pool_mark_killed(&P, w);
	run(10);
	ck_assert_uint_eq(A.n, 0);	/* still its slot's worker */
	w = die(w, KILLED(SIGTERM), 20);
	ck_assert_int_eq(w->exit_reason, R_KILLED);
	ck_assert_uint_eq(P.failures, 0);
}
END_TEST

START_TEST(test_status_and_requests_from_notify)
{
	struct worker	*w;
	struct pool_counts c;

	T.readiness_notify = 1;
	P.target = 1;
	run(0);
	w = slot(1);
	pool_count(&P, &c);
	ck_assert_uint_eq(c.booting, 1);
	notify(w, "READY=1\nSTATUS=warming up\nGWD_REQUESTS=42", 5);
	ck_assert_str_eq(w->status, "warming up");
	ck_assert_uint_eq(w->requests, 42);
	pool_count(&P, &c);
	ck_assert_uint_eq(c.ready, 1);
	ck_assert_uint_eq(c.total, 1);
	ck_assert_str_eq(pool_reason_name(R_RECYCLE_MEMORY), "recycle_memory");
	ck_assert_str_eq(pool_state_name(WS_DRAINING), "draining");
}
END_TEST


START_TEST(test_readiness_grace_spawn)
{
	struct worker	*w1, *w2;

	T.readiness_grace_ms = 1000;
	run(0);
	w1 = slot(1);
	w2 = slot(2);
	/* Exec worked, but a worker proves itself only by staying alive. */
	ck_assert_int_eq(w1->state, WS_BOOTING);
	ck_assert_uint_eq(count(A_NOTE, N_READY), 0);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 1000);
	run(500);
	ck_assert_int_eq(w2->state, WS_BOOTING);
	/* Dying inside the grace is a boot failure, and a failure. */
	ck_assert_int_eq(die(w1, EXITED(1), 800)->exit_reason, R_BOOT_FAILED);
	ck_assert_uint_eq(count(A_NOTE, N_BACKOFF), 1);
	pool_gc(&P);
	run(1000);
	ck_assert_int_eq(w2->state, WS_READY);
	ck_assert_uint_eq(w2->ready_at, 1000);
	ck_assert_uint_eq(count(A_NOTE, N_READY), 1);
}
END_TEST

START_TEST(test_readiness_grace_notify)
{
	struct worker	*w;

	T.readiness_notify = 1;
	T.readiness_grace_ms = 500;
	T.boot_timeout_ms = 1000;
	P.target = 1;
	run(0);
	w = slot(1);
	notify(w, "READY=1", 900);
	ck_assert_int_eq(w->state, WS_BOOTING);
	/* READY=1 came in time: the boot deadline leaves room for the
	 * grace. */
	ck_assert_uint_eq(w->deadline, 1400);
	run(1000);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(1400);
	ck_assert_int_eq(w->state, WS_READY);
}
END_TEST

START_TEST(test_reload_fails_within_grace)
{
	struct worker	*o1, *o2, *n1;

	T.readiness_grace_ms = 1000;
	run(0);
	o1 = slot(1);
	o2 = slot(2);
	run(1000);
	ck_assert_int_eq(o1->state, WS_READY);
	pool_start_reload(&P, 0, 1, 2000);
	run(2000);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	n1 = find(A_SPAWN, 0)->w;
	ck_assert_int_eq(n1->state, WS_BOOTING);
	/* Not proven yet: the old worker keeps its slot. */
	run(2500);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	/* The new code dies 0.3 s after exec: the reload fails with it. */
	die(n1, EXITED(1), 2300);
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_FAILED), 1);
	ck_assert_ptr_eq(find_note(N_RELOAD_FAILED)->w, n1);
	ck_assert_uint_eq(P.generation, 1);
	ck_assert_int_eq(P.reload.active, 0);
	pool_gc(&P);
	run(2600);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_int_eq(o1->retire, R_NONE);
	ck_assert_int_eq(o2->state, WS_READY);
}
END_TEST

START_TEST(test_reload_fails_when_new_worker_crashes_later)
{
	struct worker	*n1, *o2;

	T.readiness_notify = 1;
	run(0);
	notify(slot(1), "READY=1", 10);
	notify(slot(2), "READY=1", 10);
	o2 = slot(2);
	pool_start_reload(&P, 0, 1, 1000);
	run(1000);
	n1 = find(A_SPAWN, 0)->w;
	notify(n1, "READY=1", 1100);
	run(1100);		/* old 1 is stopped, new 2 spawned */
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	/* gunicorn's arbiter: READY=1, then its app fails to load. */
	die(n1, EXITED(3), 2000);
	ck_assert_int_eq(n1->exit_reason, R_CRASH);
	ck_assert_uint_eq(count(A_NOTE, N_RELOAD_FAILED), 1);
	ck_assert_uint_eq(P.generation, 1);
	pool_gc(&P);
	run(3000);
	/* The second new worker is stopped, the old one stays. */
	ck_assert_int_eq(o2->retire, R_NONE);
	ck_assert_int_eq(o2->state, WS_READY);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	ck_assert_int_eq(find(A_SIGNAL, 0)->w->generation, 2);
}
END_TEST

START_TEST(test_backoff_passed_while_probing)
{
	uint64_t	now, d;
	int		i;

	/* gwd -w 4 --readiness notify --boot-timeout 2s -- sleep 100 */
	T.readiness_notify = 1;
	T.boot_timeout_ms = 2000;
	P.target = 4;
	now = 1000;
	run(now);
	for (i = 0; i < 40; i++) {
		size_t	k;

		d = plan_next_deadline(&P, &T);
		ck_assert_msg(d > now, "next deadline %llu at %llu",
		    (unsigned long long)d, (unsigned long long)now);
		now = d;
		run(now);
		/* SIGKILLed workers die at once. */
		for (k = 0; k < P.n; k++)
			if (P.w[k]->state == WS_KILLING) {
				die(P.w[k], KILLED(SIGKILL), now);
				run(now);
			}
		pool_gc(&P);
	}
	ck_assert_uint_gt(P.failures, 3);
}
END_TEST

START_TEST(test_boot_timeout_backs_off_at_the_kill)
{
	struct worker	*w;

	/* gwd -w 2 --readiness notify --boot-timeout 1s -- sleep 100 */
	T.readiness_notify = 1;
	T.boot_timeout_ms = 1000;
	run(0);
	ck_assert_uint_eq(count(A_SPAWN, 0), 2);
	run(1000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 2);
	ck_assert_uint_eq(P.failures, 2);	/* at the kill */
	ck_assert_uint_eq(P.backoff_until, 1200);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	die(slot(1) ? slot(1) : P.w[0], KILLED(SIGKILL), 1001);
	die(P.w[1], KILLED(SIGKILL), 1001);
	ck_assert_uint_eq(P.failures, 2);	/* not twice */
	pool_gc(&P);
	run(1001);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	run(1200);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);	/* one probe */
	w = find(A_SPAWN, 0)->w;
	/* The probe times out: the other slot is not filled at the kill. */
	run(2200);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_uint_eq(P.backoff_until, 2600);
	die(w, KILLED(SIGKILL), 2201);
	pool_gc(&P);
	run(2201);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	run(2600);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
}
END_TEST

START_TEST(test_stable_neighbour_keeps_the_backoff)
{
	uint64_t	now = 0;
	int		i;

	/* Slot 1 has served for long; slot 2's worker keeps crashing at
	 * boot.  The old worker proves nothing about the failing code: the
	 * backoff keeps growing. */
	run(0);
	run(20000);
	for (i = 1; i <= 4; i++) {
		struct worker	*w = slot(2);

		now = P.backoff_until > now ? P.backoff_until : now + 1;
		run(now);
		w = slot(2);
		ck_assert_ptr_nonnull(w);
		die(w, EXITED(1), now + 5);
		ck_assert_uint_eq(P.failures, (unsigned)i);
		pool_gc(&P);
		run(now + 5);
	}
	ck_assert_uint_eq(P.backoff_until - (now + 5),
	    pool_backoff_delay(4, T.backoff_max_ms));
}
END_TEST

START_TEST(test_failed_reload_is_no_crash_loop)
{
	struct worker	*n1;

	/* A new worker killed for its boot timeout fails the reload; its
	 * exit is no failure of the generation that keeps serving. */
	T.readiness_notify = 1;
	T.boot_timeout_ms = 1000;
	run(0);
	notify(slot(1), "READY=1", 10);
	notify(slot(2), "READY=1", 10);
	pool_start_reload(&P, 0, 1, 100);
	run(100);
	n1 = find(A_SPAWN, 0)->w;
	run(1100);
	ck_assert_ptr_nonnull(find_note(N_RELOAD_FAILED));
	die(n1, KILLED(SIGKILL), 1101);
	ck_assert_uint_eq(P.failures, 0);
	ck_assert_uint_eq(P.backoff_until, 0);
	ck_assert_ptr_null(find_note(N_BACKOFF));
}
END_TEST

/* ---- worker_timeout: the hook looks before the kill --------------------- */

/* A worker whose heartbeat stopped, with a worker_timeout hook: ready at
 * 0, last heartbeat at 100000, timeout 3 s, hook limit 5 s. */
static struct worker *
hung_worker(void)
{
	struct worker	*w;

	T.timeout_ms = 3000;
	T.dump_hook = 1;
	T.hook_timeout_ms = 5000;
	P.target = 1;
	run(0);
	w = slot(1);
	notify(w, "WATCHDOG=1", 100000);
	return w;
}

START_TEST(test_dump_kill_waits_for_hook)
{
	struct worker	*w = hung_worker();
	struct action	*d;

	run(103000);
	/* No signal yet: the hook runs first, with the worker as it hung. */
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_ptr_nonnull(d = find_note(N_DUMP));
	ck_assert_ptr_eq(d->w, w);
	ck_assert_int_eq(d->sig, SIGABRT);
	ck_assert_str_eq(d->text, "timeout");
	ck_assert_int_eq(w->state, WS_KILLING);
	ck_assert_int_eq(w->dumping, 1);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 108000);
	/* Meanwhile: no kill, and the slot is not refilled. */
	run(107000);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_uint_eq(count(A_SPAWN, 0), 0);
	ck_assert_uint_eq(count(A_NOTE, N_DUMP), 0);
	/* The hook is done: SIGABRT now, SIGKILL a second later. */
	pool_on_dump_done(&P, w, 107500);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 107500);
	run(107500);
	ck_assert_uint_eq(count(A_SIGNAL, SIGABRT), 1);
	ck_assert_int_eq(w->dumping, 0);
	ck_assert_uint_eq(plan_next_deadline(&P, &T), 108500);
	run(108500);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	w = die(w, KILLED(SIGKILL), 108501);
	ck_assert_int_eq(w->exit_reason, R_TIMEOUT);
	pool_gc(&P);
	run(108502);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	/* Once per worker: no second hook for the same worker. */
	ck_assert_uint_eq(count(A_NOTE, N_DUMP), 0);
}
END_TEST

START_TEST(test_dump_hook_hangs)
{
	struct worker	*w = hung_worker();

	run(103000);
	ck_assert_uint_eq(count(A_NOTE, N_DUMP), 1);
	run(107999);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	/* The hook's time limit: the kill goes on without it. */
	run(108000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGABRT), 1);
	ck_assert_int_eq(w->dumping, 0);
	/* Its end, later, changes nothing. */
	pool_on_dump_done(&P, w, 108100);
	run(108100);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(109000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
}
END_TEST

START_TEST(test_dump_worker_exits_during_hook)
{
	struct worker	*w = hung_worker();

	run(103000);
	ck_assert_uint_eq(count(A_NOTE, N_DUMP), 1);
	/* It dies by itself (or the dumper killed it) while the hook runs. */
	w = die(w, KILLED(SIGSEGV), 104000);
	ck_assert_int_eq(w->state, WS_EXITED);
	ck_assert_int_eq(w->exit_reason, R_TIMEOUT);
	ck_assert_uint_eq(count(A_NOTE, N_EXIT), 1);
	pool_gc(&P);
	/* The hook ends: its worker is gone, nothing to kill. */
	pool_on_dump_done(&P, pool_find_pid(&P, 1000), 104500);
	run(104500);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_uint_eq(count(A_SPAWN, 0), 1);
	ck_assert_int_eq(slot(1)->state, WS_READY);
}
END_TEST

START_TEST(test_dump_boot_and_graceful_timeouts)
{
	struct worker	*w;
	struct action	*d;

	T.readiness_notify = 1;
	T.boot_timeout_ms = 2000;
	T.dump_hook = 1;
	T.hook_timeout_ms = 5000;
	P.target = 2;
	run(0);
	notify(slot(1), "READY=1", 100);
	run(2000);
	/* Slot 2 never became ready: its boot timeout waits for the hook,
	 * but counts as a failure at once (no refill meanwhile). */
	ck_assert_ptr_nonnull(d = find_note(N_DUMP));
	ck_assert_str_eq(d->text, "boot_timeout");
	ck_assert_int_eq(d->sig, SIGKILL);
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	ck_assert_uint_eq(P.failures, 1);
	w = slot(2);
	pool_on_dump_done(&P, w, 2500);
	run(2500);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	ck_assert_int_eq(die(w, KILLED(SIGKILL), 2501)->exit_reason,
	    R_BOOT_TIMEOUT);
	pool_gc(&P);

	/* Slot 1 is scaled away and ignores SIGTERM. */
	pool_set_target(&P, 0);
	run(3000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	w = slot(1);
	run(3000 + 30000);
	ck_assert_ptr_nonnull(d = find_note(N_DUMP));
	ck_assert_str_eq(d->text, "graceful_timeout");
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	run(3000 + 30000 + 5000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	ck_assert_int_eq(die(w, KILLED(SIGKILL), 38001)->exit_reason,
	    R_SCALE);
}
END_TEST

START_TEST(test_dump_at_shutdown)
{
	struct action	*d;

	T.dump_hook = 1;
	T.hook_timeout_ms = 5000;
	P.target = 1;
	run(0);
	pool_shutdown(&P, 0);
	run(10);
	ck_assert_uint_eq(count(A_SIGNAL, SIGTERM), 1);
	run(30010);
	ck_assert_ptr_nonnull(d = find_note(N_DUMP));
	ck_assert_str_eq(d->text, "graceful_timeout");
	ck_assert_uint_eq(count(A_SIGNAL, 0), 0);
	pool_on_dump_done(&P, slot(1), 31000);
	run(31000);
	ck_assert_uint_eq(count(A_SIGNAL, SIGKILL), 1);
	/* A quick stop never waits for a hook. */
	teardown();
	setup();
	T.dump_hook = 1;
	T.hook_timeout_ms = 5000;
	P.target = 1;
	T.timeout_ms = 1000;
	run(0);
	notify(slot(1), "WATCHDOG=1", 10);
	run(1010);
	ck_assert_uint_eq(count(A_NOTE, N_DUMP), 1);
	pool_shutdown(&P, 1);
	run(1011);
	ck_assert_uint_eq(count(A_SIGNAL, SIGABRT), 1);
}
END_TEST

/* Without a worker_timeout hook nothing waits. */
START_TEST(test_dump_none_configured)
{
	T.hook_timeout_ms = 5000;
	T.timeout_ms = 3000;
	P.target = 1;
	run(0);
	notify(slot(1), "WATCHDOG=1", 100000);
	run(103000);
	ck_assert_uint_eq(count(A_NOTE, N_DUMP), 0);
	ck_assert_uint_eq(count(A_SIGNAL, SIGABRT), 1);
}
END_TEST

/* ---- a property test: random facts on a fake clock ---------------------- */

static uint64_t	rng;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Pids the property test has reported dead: none may come back. */
static pid_t	dead[8192];
static size_t	ndead;

static struct worker *
random_live(void)
{
	size_t	i, n = 0, k;

	for (i = 0; i < P.n; i++)
		if (P.w[i]->state != WS_EXITED && P.w[i]->pid > 0)
			n++;
	if (n == 0)
		return NULL;
	k = rnd((unsigned)n);
	for (i = 0; i < P.n; i++)
		if (P.w[i]->state != WS_EXITED && P.w[i]->pid > 0 &&
		    k-- == 0)
			return P.w[i];
	return NULL;
}

/* What must hold after every planner run at now. */
static void
check_invariants(uint64_t now, unsigned seed, int step)
{
	uint64_t	d = plan_next_deadline(&P, &T);
	unsigned	id;
	size_t		i;

	if (getenv("PLAN_DEBUG") && d != 0 && d <= now) {
		fprintf(stderr, "now %llu d %llu target %u fail %u bo %llu "
		    "reload %d mode %d\n", (unsigned long long)now,
		    (unsigned long long)d, P.target, P.failures,
		    (unsigned long long)P.backoff_until, P.reload.active,
		    P.mode);
		for (i = 0; i < P.n; i++)
			fprintf(stderr, " id %d gen %u st %d dl %llu prov %d "
			    "ps %llu ready_at %llu retire %d stop %d hb %llu\n",
			    P.w[i]->id, P.w[i]->generation, P.w[i]->state,
			    (unsigned long long)P.w[i]->deadline,
			    P.w[i]->proving,
			    (unsigned long long)P.w[i]->proving_since,
			    (unsigned long long)P.w[i]->ready_at,
			    P.w[i]->retire, P.w[i]->stop_reason,
			    (unsigned long long)P.w[i]->last_heartbeat);
	}

	/* Nothing due is left undone: the timer never fires for nothing,
	 * and the master never spins. */
	ck_assert_msg(d == 0 || d > now, "seed %u step %d: next deadline "
	    "%llu is not after now %llu", seed, step, (unsigned long long)d,
	    (unsigned long long)now);
	ck_assert_msg(P.backoff_until == 0 || P.backoff_until > now,
	    "seed %u step %d: a backoff in the past", seed, step);
	for (i = 0; i < P.n; i++)
		ck_assert_msg(P.w[i]->deadline == 0 ||
		    P.w[i]->deadline > now || P.w[i]->state == WS_EXITED,
		    "seed %u step %d: worker %d's deadline has passed", seed,
		    step, P.w[i]->id);
	/* A worker reported dead stays dead. */
	for (i = 0; i < P.n; i++) {
		size_t	k;

		for (k = 0; k < ndead; k++)
			ck_assert_msg(P.w[i]->pid != dead[k] ||
			    P.w[i]->state == WS_EXITED, "seed %u step %d: "
			    "pid %ld is %s after its exit", seed, step,
			    (long)dead[k], pool_state_name(P.w[i]->state));
	}
	/* A slot has at most one worker that counts as its own, and at
	 * most three not on their way out: an old one a surge reload keeps
	 * until every slot is ready, a new one being recycled, and its
	 * replacement.  More means replacements pile up. */
	for (id = 1; id <= P.target; id++) {
		int	n = 0, up = 0;

		for (i = 0; i < P.n; i++) {
			struct worker	*w = P.w[i];

			if (w->id != (int)id || w->state >= WS_DRAINING)
				continue;
			up++;
			if (w->retire == R_NONE && w->stop_reason == R_NONE)
				n++;
		}
		ck_assert_msg(n <= 1, "seed %u step %d: slot %u has %d "
		    "workers", seed, step, id, n);
		if (up > 3 && getenv("PLAN_DEBUG"))
			for (i = 0; i < P.n; i++)
				fprintf(stderr, " id %d gen %u st %d spawned "
				    "%llu ready_at %llu retire %d stop %d rss "
				    "%llu (gen %u reload %d surge %d)\n",
				    P.w[i]->id, P.w[i]->generation,
				    P.w[i]->state,
				    (unsigned long long)P.w[i]->spawned_at,
				    (unsigned long long)P.w[i]->ready_at,
				    P.w[i]->retire, P.w[i]->stop_reason,
				    (unsigned long long)P.w[i]->rss_kb,
				    P.generation, P.reload.active,
				    P.reload.surge);
		ck_assert_msg(up <= 3, "seed %u step %d: slot %u has %d "
		    "workers not stopping", seed, step, id, up);
	}
}

START_TEST(test_property_random_facts)
{
	static const char *msgs[] = { "READY=1", "WATCHDOG=1", "STOPPING=1",
	    "GWD_RECYCLE=1", "EXTEND_TIMEOUT_USEC=700000", "GWD_REQUESTS=9",
	    "READY=1\nWATCHDOG=1" };
	static const int statuses[] = { EXITED(0), EXITED(1), EXITED(3),
	    KILLED(SIGKILL), KILLED(SIGSEGV), KILLED(SIGTERM) };
	unsigned	seed;
	int		step;

	for (seed = 1; seed <= 300; seed++) {
		uint64_t	now = 1000;

		rng = seed * 2654435761ULL + 1;
		ndead = 0;
		pool_free(&P);
		pool_init(&P, 1 + rnd(4), 1);
		T.readiness_notify = (int)rnd(2);
		T.readiness_grace_ms = rnd(3) * 500;
		T.boot_timeout_ms = 1000 + rnd(3) * 1000;
		T.timeout_ms = rnd(2) * 1500;
		T.graceful_timeout_ms = 500 + rnd(2) * 1000;
		T.backoff_max_ms = 400 + rnd(3) * 2000;
		T.max_worker_age_ms = rnd(3) == 0 ? 4000 : 0;
		T.max_requests = rnd(3) == 0 ? 5 : 0;
		T.max_worker_memory_kb = rnd(3) == 0 ? 1000 : 0;
		T.dump_hook = (int)rnd(2);
		T.hook_timeout_ms = 300 + rnd(3) * 1000;
		run(now);
		for (step = 0; step < 300; step++) {
			struct worker	*w;
			struct notify_msg m;
			unsigned	 k;

			/* A worker's memory, as the sampler reports it. */
			if (T.max_worker_memory_kb > 0 &&
			    (w = random_live()) != NULL)
				w->rss_kb = rnd(2) ? 2 * T.max_worker_memory_kb :
				    T.max_worker_memory_kb / 2;
			switch (rnd(9)) {
			case 0:
			case 1:
				now += rnd(2500);
				break;
			case 2:
			case 3:
				if ((w = random_live()) == NULL)
					break;
				k = rnd(GW_ARRAY_LEN(msgs));
				ck_assert_int_ge(notify_parse(msgs[k],
				    strlen(msgs[k]), &m), 1);
				actions_clear(&A);
				pool_on_notify(&P, w, &m, now, &T, &A);
				break;
			case 4:
			case 5:
				if ((w = random_live()) != NULL) {
					if (ndead < GW_ARRAY_LEN(dead))
						dead[ndead++] = w->pid;
					die(w, statuses[rnd(6)], now);
					/* The supervisor swaps the timing
					 * back before it plans. */
					if (find_note(N_RELOAD_FAILED)) {
						T.readiness_notify = (int)rnd(2);
						T.readiness_grace_ms = rnd(3) *
						    500;
					}
				}
				break;
			case 6:
				pool_set_target(&P, rnd(5));
				break;
			case 7:
				if (!P.reload.active && P.mode == PM_RUNNING)
					pool_start_reload(&P, (int)rnd(2),
					    1 + rnd(2), now);
				/* A reload, or its failure, brings other
				 * timing: readiness and grace may change. */
				T.readiness_notify = (int)rnd(2);
				T.readiness_grace_ms = rnd(3) * 500;
				break;
			case 8:
				/* A worker_timeout hook ends. */
				for (k = 0; k < P.n; k++)
					if (P.w[k]->dumping) {
						pool_on_dump_done(&P, P.w[k],
						    now);
						break;
					}
				break;
			}
			if (step == 280)
				pool_shutdown(&P, (int)rnd(2));
			run(now);
			pool_gc(&P);
			check_invariants(now, seed, step);
		}
	}
}
END_TEST

Suite *
make_suite_plan(void)
{
	Suite	*s = suite_create("plan");
	TCase	*tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spawn_to_target);
	tcase_add_test(tc, test_big_pool_fills_in_batches);
	tcase_add_test(tc, test_notify_readiness_and_boot_timeout);
	tcase_add_test(tc, test_boot_timeout_zero_is_no_limit);
	tcase_add_test(tc, test_extend_timeout);
	tcase_add_test(tc, test_heartbeat_timeout);
	tcase_add_test(tc, test_crash_and_exit_reasons);
	tcase_add_test(tc, test_stopping_is_not_a_failure);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_crash_soon_after_ready_is_failure);
	tcase_add_test(tc, test_spawn_failure);
	tcase_add_test(tc, test_scale);
	tcase_add_test(tc, test_graceful_shutdown);
	tcase_add_test(tc, test_quick_shutdown);
	tcase_add_test(tc, test_rolling_reload);
	tcase_add_test(tc, test_surge_reload);
	tcase_add_test(tc, test_reload_failure_keeps_old);
	tcase_add_test(tc, test_reload_failure_boot_timeout_surge);
	tcase_add_test(tc, test_recycle_requests);
	tcase_add_test(tc, test_recycle_requested_age_memory);
	tcase_add_test(tc, test_killed);
	tcase_add_test(tc, test_status_and_requests_from_notify);
	tcase_add_test(tc, test_readiness_grace_spawn);
	tcase_add_test(tc, test_readiness_grace_notify);
	tcase_add_test(tc, test_reload_fails_within_grace);
	tcase_add_test(tc, test_reload_fails_when_new_worker_crashes_later);
	tcase_add_test(tc, test_backoff_passed_while_probing);
	tcase_add_test(tc, test_boot_timeout_backs_off_at_the_kill);
	tcase_add_test(tc, test_failed_reload_is_no_crash_loop);
	tcase_add_test(tc, test_stable_neighbour_keeps_the_backoff);
	tcase_add_test(tc, test_dump_kill_waits_for_hook);
	tcase_add_test(tc, test_dump_hook_hangs);
	tcase_add_test(tc, test_dump_worker_exits_during_hook);
	tcase_add_test(tc, test_dump_boot_and_graceful_timeouts);
	tcase_add_test(tc, test_dump_at_shutdown);
	tcase_add_test(tc, test_dump_none_configured);
	suite_add_tcase(s, tc);
	/* Its own case: 90,000 random steps take a while under ASan on a
	 * loaded machine, past Check's default 4 s. */
	tc = tcase_create("plan_property");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_property_random_facts);
	suite_add_tcase(s, tc);
	return s;
}
