/*
 * events.c: the event stream.  A short list of listeners, called in order
 * of subscription on the main thread.
 */
#include "config.h"

#include <stdlib.h>

#include "events.h"
#include "gw/util.h"

struct listener {
	event_cb cb;
	void	*arg;
	int	 dead;
};

static struct listener *listeners;
static size_t		nlisteners;
static int		emitting;

void
events_subscribe(event_cb cb, void *arg)
{
	listeners = xreallocarray(listeners, nlisteners + 1, sizeof *listeners);
	listeners[nlisteners].cb = cb;
	listeners[nlisteners].arg = arg;
	listeners[nlisteners].dead = 0;
	nlisteners++;
}

/* Drop listeners marked dead; only outside of an emit. */
static void
compact(void)
{
	size_t i, j = 0;

	for (i = 0; i < nlisteners; i++)
		if (!listeners[i].dead)
			listeners[j++] = listeners[i];
	nlisteners = j;
	if (nlisteners == 0) {
		free(listeners);
		listeners = NULL;
	}
}

void
events_unsubscribe(event_cb cb, void *arg)
{
	size_t i;

	for (i = 0; i < nlisteners; i++)
		if (listeners[i].cb == cb && listeners[i].arg == arg)
			listeners[i].dead = 1;
	if (!emitting)
		compact();
}

void
events_emit(const struct gw_event *ev)
{
	size_t i, n = nlisteners;

	/* A listener may unsubscribe (itself or another) while we iterate. */
	emitting++;
	for (i = 0; i < n; i++)
		if (!listeners[i].dead)
			listeners[i].cb(ev, listeners[i].arg);
	emitting--;
	if (!emitting)
		compact();
}

json_t *
events_to_json(const struct gw_event *ev)
{
	json_t *o = json_object();

	json_object_set_new(o, "ts", json_real(ev->ts));
	json_object_set_new(o, "event", json_string(ev->event));
	json_object_set_new(o, "master_pid", json_integer(ev->master_pid));
	json_object_set_new(o, "generation", json_integer(ev->generation));
	json_object_set_new(o, "worker_id",
	    ev->worker_id > 0 ? json_integer(ev->worker_id) : json_null());
	json_object_set_new(o, "pid",
	    ev->pid > 0 ? json_integer(ev->pid) : json_null());
	json_object_set_new(o, "reason",
	    ev->reason ? json_string(ev->reason) : json_null());
	json_object_set_new(o, "exit_status",
	    ev->exit_status >= 0 ? json_integer(ev->exit_status) : json_null());
	json_object_set_new(o, "signal",
	    ev->signal > 0 ? json_integer(ev->signal) : json_null());
	json_object_set(o, "detail", ev->detail ? ev->detail : json_null());
	return o;
}
