/*
 * drain.h: --drain-delay, the time between the first graceful stop
 * request (SIGTERM, gwctl stop) and the stop itself.  While it runs gwd
 * reports not ready (health.h) but serves and supervises as usual, so a
 * load balancer or Kubernetes takes it out of rotation while traffic
 * still arrives and no request fails.  The supervisor owns the decision
 * (sup_stop); this file only keeps the state and the one timer.
 */
#ifndef GWD_DRAIN_H
#define GWD_DRAIN_H

#include <stdint.h>

#include <event2/event.h>

/*
 * Start draining on base for delay_ms, then call done() once (from the
 * loop).  Returns 0 when the drain began, or -1 when there is nothing to
 * wait for: delay_ms is 0, or a drain is already running or has run (a
 * second request ends it: the caller stops at once).
 */
int drain_begin(struct event_base *, uint64_t delay_ms, void (*done)(void));

/* Is a drain running now? */
int drain_active(void);

/* Has a drain begun in this run (running or over)? */
int drain_ran(void);

/* Milliseconds left of the running drain (0 if none). */
uint64_t drain_left_ms(void);

/* End the drain now (no done() call); forget the timer.  Idempotent. */
void	 drain_end(void);

#endif
