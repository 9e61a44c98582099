/*
 * events.h: the one stream of things that happened in the master.
 *
 * The supervisor emits an event for every spawn, ready, exit, scale,
 * reload, backoff and control command; the log, the stats writer and the
 * control socket's `subscribe` clients listen.  An event's fields are
 * borrowed for the duration of the callback only: a listener that keeps
 * one copies what it needs (events_to_json makes a new object).
 * Events are emitted on the main thread only.
 */
#ifndef GWD_EVENTS_H
#define GWD_EVENTS_H

#include <sys/types.h>

#include <jansson.h>

struct gw_event {
	double	    ts; /* unix time, seconds */
	pid_t	    master_pid;
	unsigned    generation;
	int	    worker_id;	 /* 0 = none */
	pid_t	    pid;	 /* 0 = none */
	const char *event;	 /* master_start, spawn, exit, ... */
	const char *reason;	 /* exit reason, or NULL */
	int	    exit_status; /* -1 = none */
	int	    signal;	 /* 0 = none */
	json_t	   *detail;	 /* borrowed object, or NULL */
};

typedef void (*event_cb)(const struct gw_event *, void *arg);

void	events_subscribe(event_cb, void *arg);
void	events_unsubscribe(event_cb, void *arg);
void	events_emit(const struct gw_event *);

/* The event as the JSON object sent to subscribers (new reference). */
json_t *events_to_json(const struct gw_event *);

#endif
