/*
 * plan.h: the planner.  One pure function looks at the pool, the timing
 * parameters and the clock, applies the transitions that are due (a
 * deadline passed, a replacement became ready, a slot is empty) and returns
 * the actions to carry out now: spawn into slot k, signal pid p, tell
 * something.  The supervisor carries the actions out and arms one timer for
 * plan_next_deadline().
 */
#ifndef GWD_PLAN_H
#define GWD_PLAN_H

#include <stdint.h>

#include "pool.h"

/* A worker ready this long resets the crash-loop failure count. */
#define PLAN_STABLE_MS		10000
/* From SIGABRT (heartbeat timeout) to SIGKILL. */
#define PLAN_ABORT_GRACE_MS	1000
/* Spawns per planner run: a big pool fills over several loop iterations
 * so signals, datagrams and control requests are served in between. */
#define PLAN_SPAWN_BATCH	32
/* Quick shutdown: from SIGINT to SIGKILL. */
#define PLAN_QUICK_MS		2000

void	 plan_run(struct pool *, const struct pool_timing *, uint64_t now,
	     struct actions *);

/* The earliest time plan_run has something to do, or 0 for none; 1 (the
 * distant past) when spawns were left for the next run. */
uint64_t plan_next_deadline(const struct pool *, const struct pool_timing *);

#endif
