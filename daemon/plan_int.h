/*
 * plan_int.h: what the planner's own files share: plan.c (the run),
 * plan_index.c (the index) and plan_table.c (the table).  Not for any
 * other module: they use plan.h.
 */
#ifndef GWD_PLAN_INT_H
#define GWD_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pool.h"

/* plan.c: what a worker is to its slot, and when the run acts on it. */
int	       plan_current(const struct worker *);
int	       plan_holds_slot(const struct worker *);
/* Which slots 1..target are held: a new array of target + 1 flags. */
unsigned char *plan_slots_held(const struct pool *);
int	       plan_all_slots_ready(const struct pool *);
/* The earliest time (ms) the run acts on w, 0 for none. */
uint64_t       plan_worker_due(const struct pool *, uint64_t timeout_ms,
	  uint64_t max_age_ms, uint64_t grace_ms, const struct worker *);

/* plan_index.c: the index as the run reads and refreshes it. */
void	       plan_index_push(struct worker ***v, size_t *n, size_t *cap,
	      struct worker *);
void	       plan_index_refresh(struct pool *);
int	 plan_index_built_for(const struct pool *, const struct pool_timing *);
void	 plan_index_rebuild(struct pool *, const struct pool_timing *);
/* Append the workers due at or before now below heap position i. */
void	 plan_index_collect_due(struct pool_index *, size_t i, uint64_t now,
	struct worker ***v, size_t *n, size_t *cap);
/* Sort workers into pool order. */
void	 plan_index_sort(struct worker **, size_t);
/* The lowest slot from id on whose bit is set (want 1) or clear (want
 * 0), or 0. */
unsigned plan_index_next_slot(const struct pool *, const uint64_t *bits,
    int want, unsigned id);

#endif
