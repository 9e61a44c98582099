/* check_events.c: the event stream and its JSON form. */
#include "config.h"

#include <string.h>

#include "events.h"
#include "suites.h"

static int	 seen_a, seen_b;

static void
cb_a(const struct gw_event *ev, void *arg)
{
	(void)ev;
	seen_a += *(int *)arg;
}

/* Unsubscribes itself and cb_a while the stream is being emitted. */
static void
cb_b(const struct gw_event *ev, void *arg)
{
	(void)ev;
	seen_b++;
	events_unsubscribe(cb_b, arg);
	events_unsubscribe(cb_a, arg);
}

START_TEST(test_subscribe_emit_unsubscribe)
{
	struct gw_event	ev;
	int		one = 1;

	memset(&ev, 0, sizeof ev);
	ev.event = "spawn";
	seen_a = seen_b = 0;
	events_subscribe(cb_a, &one);
	events_emit(&ev);
	ck_assert_int_eq(seen_a, 1);
	events_subscribe(cb_b, &one);
	events_emit(&ev);
	ck_assert_int_eq(seen_a, 2);
	ck_assert_int_eq(seen_b, 1);
	/* Both are gone now. */
	events_emit(&ev);
	ck_assert_int_eq(seen_a, 2);
	ck_assert_int_eq(seen_b, 1);
}
END_TEST

START_TEST(test_to_json)
{
	struct gw_event	 ev;
	json_t		*detail = json_pack("{s:s}", "status", "busy");
	json_t		*o;

	memset(&ev, 0, sizeof ev);
	ev.ts = 1700000000.5;
	ev.master_pid = 10;
	ev.generation = 3;
	ev.worker_id = 2;
	ev.pid = 1234;
	ev.event = "exit";
	ev.reason = "crash";
	ev.exit_status = 1;
	ev.signal = 0;
	ev.detail = detail;
	o = events_to_json(&ev);
	ck_assert_str_eq(json_string_value(json_object_get(o, "event")),
	    "exit");
	ck_assert_str_eq(json_string_value(json_object_get(o, "reason")),
	    "crash");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "worker_id")),
	    2);
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "exit_status")), 1);
	ck_assert(json_is_null(json_object_get(o, "signal")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o,
	    "detail"), "status")), "busy");
	json_decref(o);

	ev.worker_id = 0;
	ev.pid = 0;
	ev.reason = NULL;
	ev.exit_status = -1;
	ev.detail = NULL;
	o = events_to_json(&ev);
	ck_assert(json_is_null(json_object_get(o, "worker_id")));
	ck_assert(json_is_null(json_object_get(o, "pid")));
	ck_assert(json_is_null(json_object_get(o, "reason")));
	ck_assert(json_is_null(json_object_get(o, "exit_status")));
	ck_assert(json_is_null(json_object_get(o, "detail")));
	json_decref(o);
	json_decref(detail);
}
END_TEST

Suite *
make_suite_events(void)
{
	Suite	*s = suite_create("events");
	TCase	*tc = tcase_create("events");

	tcase_add_test(tc, test_subscribe_emit_unsubscribe);
	tcase_add_test(tc, test_to_json);
	suite_add_tcase(s, tc);
	return s;
}
