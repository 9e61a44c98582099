/*
 * health.h: is gwd live, is it ready for traffic?  One rule, used by the
 * /livez and /readyz routes of --metrics-bind and by the `health` control
 * command (gwctl health), so that the probe and the CLI never disagree.
 *
 * Live: the master's event loop runs (whoever gets an answer has the
 * proof).  Ready: gwd is neither draining (--drain-delay, see drain.h)
 * nor stopping, its target is above 0, and at least `required` workers
 * are ready, where required = min(--ready-min-workers, target): a scale
 * below --ready-min-workers lowers what is required rather than taking
 * gwd out of service.  Workers of any generation count (during a reload
 * the old ones still serve).
 *
 * These are pool-level truths, unlike a probe sent through the
 * application's port, which reaches one worker chosen by the kernel.
 */
#ifndef GWD_HEALTH_H
#define GWD_HEALTH_H

#include <stdint.h>

#include <jansson.h>

struct pool;

/* Longest reason: "backoff: 4095 of 4096 required workers ready ...". */
#define HEALTH_REASON_MAX 160

struct health {
	int	    ready;
	unsigned    ready_workers; /* in state ready, any generation */
	unsigned    min_ready;	   /* required now: see above */
	unsigned    target;
	const char *state; /* as status.state; static string */
	char	    reason[HEALTH_REASON_MAX]; /* "" when ready */
};

/*
 * The pool's state for status.state and health: "stopping", "draining",
 * "reloading", "backoff" or "running" (first match).  now in ms, on the
 * pool's clock.  Pure.
 */
const char *health_state(const struct pool *, int draining, uint64_t now);

/*
 * Fill *h from the pool (borrowed), --ready-min-workers, whether a drain
 * is in progress, and now (ms, the pool's clock).  Pure: no system
 * calls, no clock.  Reasons: "stopping", "draining", "no workers: the
 * target is 0", "1 of 2 required workers ready", and the same prefixed
 * by "backoff: " with the failures and the next attempt while the pool
 * backs off.
 */
void	    health_eval(const struct pool *, unsigned min_ready, int draining,
	   uint64_t now, struct health *h);

/* health_eval of the running master, now. */
void	    health_now(struct health *h);

/*
 * The `health` command's result (new reference): {live: true, ready,
 * ready_workers, min_ready, target, state, reason} (reason null when
 * ready).
 */
json_t	   *health_json(const struct health *h);

/* Add /livez and /readyz to the metrics address (web.h). */
void	    health_start(void);

#endif
