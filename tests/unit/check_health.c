/*
 * check_health.c: the readiness rule of health.h (health_eval and
 * health_state) on pools built by hand: min-ready against the target,
 * target 0, draining and stopping first, backoff's reason, workers of
 * any generation, and the `health` result's shape.  And drain.c: at most
 * one drain a run, done() once its timer fires, none without a delay.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "drain.h"
#include "health.h"
#include "pool.h"

static struct pool	P;

/* A pool of target t with the given numbers of ready and booting
 * workers. */
static void
make(unsigned target, unsigned ready, unsigned booting)
{
	unsigned	i;

	pool_init(&P, target, 1);
	for (i = 0; i < ready + booting; i++) {
		struct worker	*w = pool_add(&P, (int)i + 1, 1000);

		w->pid = 100 + (pid_t)i;
		w->state = i < ready ? WS_READY : WS_BOOTING;
	}
}

static void
teardown(void)
{
	pool_free(&P);
}

START_TEST(test_ready_counts)
{
	struct health	h;

	make(4, 4, 0);
	health_eval(&P, 1, 0, 5000, &h);
	ck_assert(h.ready);
	ck_assert_uint_eq(h.ready_workers, 4);
	ck_assert_uint_eq(h.min_ready, 1);
	ck_assert_str_eq(h.state, "running");
	ck_assert_str_eq(h.reason, "");
	pool_free(&P);

	make(4, 1, 3);
	health_eval(&P, 2, 0, 5000, &h);
	ck_assert(!h.ready);
	ck_assert_str_eq(h.reason, "1 of 2 required workers ready");
	health_eval(&P, 1, 0, 5000, &h);
	ck_assert(h.ready);
}
END_TEST

/* A scale below min-ready lowers what is required; target 0 is never
 * ready, whatever min-ready says. */
START_TEST(test_min_clamped_to_target)
{
	struct health	h;

	make(2, 2, 0);
	health_eval(&P, 4, 0, 5000, &h);
	ck_assert(h.ready);
	ck_assert_uint_eq(h.min_ready, 2);
	pool_free(&P);

	make(0, 0, 0);
	health_eval(&P, 1, 0, 5000, &h);
	ck_assert(!h.ready);
	ck_assert_uint_eq(h.min_ready, 0);
	ck_assert_str_eq(h.reason, "no workers: the target is 0");
}
END_TEST

/* Draining and stopping win over a full pool. */
START_TEST(test_draining_stopping)
{
	struct health	h;

	make(2, 2, 0);
	health_eval(&P, 1, 1, 5000, &h);
	ck_assert(!h.ready);
	ck_assert_str_eq(h.reason, "draining");
	ck_assert_str_eq(h.state, "draining");
	P.mode = PM_STOPPING;
	health_eval(&P, 1, 1, 5000, &h);
	ck_assert(!h.ready);
	ck_assert_str_eq(h.reason, "stopping");
	ck_assert_str_eq(h.state, "stopping");
	health_eval(&P, 1, 0, 5000, &h);
	ck_assert_str_eq(h.reason, "stopping");
}
END_TEST

/* Backoff says so, with the failures and when the next attempt is; a
 * pool backing off with enough ready workers is still ready. */
START_TEST(test_backoff)
{
	struct health	h;

	make(2, 0, 0);
	P.failures = 5;
	P.backoff_until = 6600;
	health_eval(&P, 1, 0, 5000, &h);
	ck_assert(!h.ready);
	ck_assert_str_eq(h.state, "backoff");
	ck_assert_str_eq(h.reason, "backoff: 0 of 1 required workers ready "
	    "after 5 consecutive failures; next attempt in 1.6s");
	/* Past the deadline: a plain count. */
	health_eval(&P, 1, 0, 7000, &h);
	ck_assert_str_eq(h.reason, "0 of 1 required workers ready");
	pool_free(&P);

	make(3, 2, 0);
	P.failures = 3;
	P.backoff_until = 6600;
	health_eval(&P, 2, 0, 5000, &h);
	ck_assert(h.ready);
	ck_assert_str_eq(h.state, "backoff");
}
END_TEST

/* During a reload the old generation's ready workers serve: they count. */
START_TEST(test_any_generation)
{
	struct health	h;

	make(2, 2, 0);
	P.w[0]->generation = 1;
	P.w[1]->generation = 2;
	P.reload.active = 1;
	health_eval(&P, 2, 0, 5000, &h);
	ck_assert(h.ready);
	ck_assert_str_eq(h.state, "reloading");
}
END_TEST

START_TEST(test_json)
{
	struct health	 h;
	json_t		*o;

	make(2, 1, 1);
	health_eval(&P, 2, 0, 5000, &h);
	o = health_json(&h);
	ck_assert(json_is_true(json_object_get(o, "live")));
	ck_assert(json_is_false(json_object_get(o, "ready")));
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "ready_workers")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "min_ready")),
	    2);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "target")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(o, "state")),
	    "running");
	ck_assert_str_eq(json_string_value(json_object_get(o, "reason")),
	    "1 of 2 required workers ready");
	json_decref(o);
	P.w[1]->state = WS_READY;
	health_eval(&P, 2, 0, 5000, &h);
	o = health_json(&h);
	ck_assert(json_is_true(json_object_get(o, "ready")));
	ck_assert(json_is_null(json_object_get(o, "reason")));
	json_decref(o);
}
END_TEST

static int	drained;

static void
on_drained(void)
{
	drained++;
}

START_TEST(test_drain)
{
	struct event_base	*base = event_base_new();

	ck_assert_ptr_nonnull(base);
	/* No delay: nothing to wait for, the caller stops at once. */
	ck_assert_int_eq(drain_begin(base, 0, on_drained), -1);
	ck_assert(!drain_active());
	ck_assert(!drain_ran());
	ck_assert_int_eq(drain_begin(base, 30, on_drained), 0);
	ck_assert(drain_active());
	ck_assert(drain_ran());
	ck_assert_uint_le(drain_left_ms(), 30);
	/* A second request does not start another: it ends this one. */
	ck_assert_int_eq(drain_begin(base, 30, on_drained), -1);
	event_base_dispatch(base);	/* returns once the timer has fired */
	ck_assert_int_eq(drained, 1);
	ck_assert(!drain_active());
	ck_assert_uint_eq(drain_left_ms(), 0);
	/* Once per run, even after it ended. */
	ck_assert_int_eq(drain_begin(base, 30, on_drained), -1);
	drain_end();
	drain_end();
	event_base_free(base);
}
END_TEST

static Suite *
make_suite_health(void)
{
	Suite	*s = suite_create("health");
	TCase	*tc = tcase_create("eval");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_ready_counts);
	tcase_add_test(tc, test_min_clamped_to_target);
	tcase_add_test(tc, test_draining_stopping);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_any_generation);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("drain");
	tcase_add_test(tc, test_drain);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(make_suite_health());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
