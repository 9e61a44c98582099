/*
 * drain.c: the --drain-delay state and its timer.  See drain.h.
 */
#include "config.h"

#include <stddef.h>

#include <event2/event.h>

#include "drain.h"
#include "gw/util.h"

static struct {
	struct event *timer;
	void (*done)(void);
	uint64_t until; /* ms, gw_now_ms() clock */
	int	 active;
	int	 used; /* at most one drain per run */
} drain;

static void
drain_fire(evutil_socket_t fd, short what, void *arg)
{
	void (*done)(void) = drain.done;

	(void)fd;
	(void)what;
	(void)arg;
	drain_end();
	if (done != NULL)
		done();
}

int
drain_begin(struct event_base *base, uint64_t delay_ms, void (*done)(void))
{
	struct timeval tv;

	if (delay_ms == 0 || drain.active || drain.used)
		return -1;
	drain.timer = evtimer_new(base, drain_fire, NULL);
	if (drain.timer == NULL)
		return -1; /* stop at once rather than never */
	tv = gw_ms_to_timeval(delay_ms);
	evtimer_add(drain.timer, &tv);
	drain.done = done;
	drain.until = gw_now_ms() + delay_ms;
	drain.active = 1;
	drain.used = 1;
	return 0;
}

int
drain_active(void)
{
	return drain.active;
}

int
drain_ran(void)
{
	return drain.used;
}

uint64_t
drain_left_ms(void)
{
	uint64_t now = gw_now_ms();

	if (!drain.active || now >= drain.until)
		return 0;
	return drain.until - now;
}

void
drain_end(void)
{
	if (drain.timer != NULL)
		event_free(drain.timer);
	drain.timer = NULL;
	drain.done = NULL;
	drain.active = 0;
}
