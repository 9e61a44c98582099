/*
 * plan.c: the planner's run (see plan.h): it looks at the pool, the timing
 * and the clock, fires the events that are due through the transition
 * table (plan_table.c), and decides for the pool as a whole: recycling,
 * reload progress, stops, spawns.  A run visits only the workers that can
 * act, through the index (plan_index.c); a change that concerns every
 * worker makes it a full pass.  Order of a run: shutdown, deadlines,
 * recycling, reload progress, stops, spawns.  Pure: no system calls.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "plan.h"
#include "plan_int.h"

/* What a run carries to its helpers. */
struct ctx {
	struct pool		 *p;
	const struct pool_timing *t;
	uint64_t		  now;
	struct actions		 *a;
};

/* An event about w, through the table. */
static void
fire(struct ctx *x, struct worker *w, enum plan_event ev, uint64_t arg)
{
	plan_event(x->p, w, ev, arg, x->now, x->t, x->a);
}

/* ---- the run --------------------------------------------------------- */

static int
alive(const struct worker *w)
{
	return w->state != WS_EXITED;
}

/* Not on its way out: counts as the slot's worker. */
int
plan_current(const struct worker *w)
{
	return w->state < WS_DRAINING && w->retire == R_NONE &&
	    w->stop_reason == R_NONE;
}

/* Being killed for hanging: the slot is refilled once it is gone, so a
 * crash loop of hangs still goes through the backoff. */
int
plan_holds_slot(const struct worker *w)
{
	return plan_current(w) ||
	    (w->state == WS_KILLING &&
		(w->stop_reason == R_TIMEOUT ||
		    w->stop_reason == R_BOOT_TIMEOUT));
}

/* The index keeps each slot's workers in pool order. */
static int
lists_ok(const struct pool *p)
{
	return p->ix.valid && !p->ix.off;
}

static struct worker *
slot_current(const struct pool *p, int id)
{
	size_t i;

	if (lists_ok(p)) {
		const struct pool_slot *s;

		if (id < 1 || (size_t)id >= p->ix.nslot)
			return NULL;
		s = &p->ix.slot[id];
		for (i = 0; i < s->n; i++)
			if (plan_current(s->w[i]))
				return s->w[i];
		return NULL;
	}
	for (i = 0; i < p->n; i++)
		if (p->w[i]->id == id && plan_current(p->w[i]))
			return p->w[i];
	return NULL;
}

/*
 * Which slots 1..target are held (holds_slot): one pass over the pool
 * instead of one per slot, so that a planner run stays linear in the pool
 * (a scan per slot made 2048 workers take 4.5 s to start, 72 % of it
 * here).  Returns a new array of target + 1 flags; index 0 is unused.
 */
unsigned char *
plan_slots_held(const struct pool *p)
{
	unsigned char *held = xcalloc((size_t)p->target + 1, 1);
	size_t	       i;

	for (i = 0; i < p->n; i++) {
		const struct worker *w = p->w[i];

		if (w->id >= 1 && (unsigned)w->id <= p->target &&
		    plan_holds_slot(w))
			held[w->id] = 1;
	}
	return held;
}

/* A newer worker of w's slot is ready and not stopping: it serves in w's
 * place even if it is itself being replaced already (it went over a limit
 * as it became ready), so w may go. */
static int
newer_ready(const struct pool *p, const struct worker *w)
{
	struct worker *const *v = p->w;
	size_t		      i, n = p->n;

	if (lists_ok(p)) {
		if (w->id < 1 || (size_t)w->id >= p->ix.nslot)
			return 0;
		v = p->ix.slot[w->id].w;
		n = p->ix.slot[w->id].n;
	}
	for (i = 0; i < n; i++) {
		const struct worker *x = v[i];

		if (x != w && x->id == w->id && x->state == WS_READY &&
		    x->stop_reason == R_NONE && x->spawned_at >= w->spawned_at)
			return 1;
	}
	return 0;
}

/* Every slot 1..target has a ready current worker. */
/* Every slot 1..target has a current worker (its first in pool order,
 * as slot_current) that is ready.  One pass, like slots_held. */
int
plan_all_slots_ready(const struct pool *p)
{
	unsigned char *seen; /* 0: none yet, 1: ready, 2: not ready */
	unsigned       id;
	size_t	       i;
	int	       ok = 1;

	seen = xcalloc((size_t)p->target + 1, 1);
	for (i = 0; i < p->n; i++) {
		const struct worker *w = p->w[i];

		if (w->id >= 1 && (unsigned)w->id <= p->target &&
		    plan_current(w) && seen[w->id] == 0)
			seen[w->id] = w->state == WS_READY ? 1 : 2;
	}
	for (id = 1; id <= p->target && ok; id++)
		if (seen[id] != 1)
			ok = 0;
	free(seen);
	return ok;
}

static void
plan_shutdown(struct pool *p, uint64_t now, struct ctx *x)
{
	size_t i;
	int    left = 0;

	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i];

		if (!alive(w))
			continue;
		left++;
		if (w->state < WS_DRAINING) {
			if (w->stop_reason == R_NONE ||
			    w->stop_reason == R_RELOAD ||
			    w->stop_reason == R_SCALE)
				w->stop_reason = R_SHUTDOWN;
			fire(x, w, p->quick ? PE_QUICK_STOP : PE_STOP, 0);
		} else if (w->state == WS_DRAINING && p->quick &&
		    w->deadline > now + PLAN_QUICK_MS) {
			fire(x, w, PE_QUICK_STOP, 0);
		} else if (w->dump_sig != 0) {
			if (!w->dumping || now >= w->deadline || p->quick)
				fire(x, w, PE_DUMP_OVER, 0);
		} else if (w->deadline != 0 && now >= w->deadline)
			fire(x, w,
			    p->quick ? PE_QUICK_TIMEOUT : PE_SHUTDOWN_TIMEOUT,
			    0);
	}
	if (left == 0)
		actions_push(x->a, A_NOTE, NULL, 0, N_ALL_EXITED, NULL);
}

/* w, ready, may end a crash loop by staying up PLAN_STABLE_MS. */
static int
ends_crash_loop(const struct pool *p, const struct worker *w)
{
	return w->state == WS_READY && p->failures > 0 &&
	    w->ready_at >= p->last_failure_at;
}

/* The limit a ready worker went over, if any: recycling. */
static enum reason
recycle_due(const struct worker *w, const struct pool_timing *t, uint64_t now)
{
	if (w->request_limit > 0 && w->requests >= w->request_limit)
		return R_RECYCLE_REQUESTS;
	if (t->max_worker_age_ms > 0 &&
	    now - w->ready_at >= t->max_worker_age_ms)
		return R_RECYCLE_AGE;
	if (t->max_worker_memory_kb > 0 && w->rss_kb > t->max_worker_memory_kb)
		return R_RECYCLE_MEMORY;
	return R_NONE;
}

/* Deadlines of every state, and the recycling limits of ready workers, for
 * one worker. */
static void
deadline_one(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct ctx *x, struct worker *w)
{
	/* Its grace is over: ready, and checked as ready below. */
	if (w->proving && w->stop_reason == R_NONE && w->state < WS_READY &&
	    now >= w->proving_since + t->readiness_grace_ms)
		fire(x, w, PE_PROVEN, 0);
	switch (w->state) {
	case WS_SPAWNING:
	case WS_BOOTING:
		if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, PE_BOOT_TIMEOUT, 0);
		break;
	case WS_READY:
		if (t->timeout_ms > 0 && w->last_heartbeat != 0 &&
		    now >= w->last_heartbeat + t->timeout_ms) {
			fire(x, w, PE_HEARTBEAT_TIMEOUT, 0);
			break;
		}
		if (w->retire == R_NONE && w->stop_reason == R_NONE) {
			w->retire = recycle_due(w, t, now);
			if (w->retire != R_NONE)
				pool_touch(p, w);
		}
		break;
	case WS_DRAINING:
		if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, PE_DRAIN_TIMEOUT, 0);
		break;
	case WS_KILLING:
		if (w->dump_sig != 0) {
			if (!w->dumping || now >= w->deadline)
				fire(x, w, PE_DUMP_OVER, 0);
		} else if (w->deadline != 0 && now >= w->deadline)
			fire(x, w, PE_ABORT_TIMEOUT, 0);
		break;
	case WS_EXITED:
		break;
	}
	/* A worker that became ready since the last failure and has
	 * stayed up long enough ends a crash loop (one that was ready
	 * before proves nothing about the code that fails). */
	if (ends_crash_loop(p, w) && now - w->ready_at >= PLAN_STABLE_MS) {
		p->failures = 0;
		p->backoff_until = 0;
	}
}

static void
plan_deadlines(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct ctx *x)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		deadline_one(p, t, now, x, p->w[i]);
}

/* Rolling reload: retire the next old workers, batch at a time. */
static void
plan_reload(struct pool *p)
{
	size_t	 i;
	unsigned in_progress = 0;

	if (!p->reload.active)
		return;
	/* In progress: retiring, and its replacement is not ready yet (one
	 * that is ready lets plan_stops retire the old worker this run). */
	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i], *r;

		if (w->generation == p->generation || w->state >= WS_DRAINING ||
		    w->retire != R_RELOAD || w->stop_reason != R_NONE)
			continue;
		r = slot_current(p, w->id);
		if (r == NULL || r->state != WS_READY)
			in_progress++;
	}
	while (!p->reload.surge && in_progress < p->reload.batch) {
		struct worker *next = NULL;

		for (i = 0; i < p->n; i++) {
			struct worker *w = p->w[i];

			if (w->generation == p->generation ||
			    !plan_current(w) || w->id > (int)p->target)
				continue;
			if (next == NULL || w->id < next->id)
				next = w;
		}
		if (next == NULL)
			break;
		next->retire = R_RELOAD;
		pool_touch(p, next);
		in_progress++;
	}
}

/* The reload is done when every old worker is on its way out and every
 * slot has a ready worker of the new generation. */
static void
plan_reload_done(struct pool *p, struct actions *a)
{
	size_t i;

	if (!p->reload.active)
		return;
	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i];

		if (w->generation != p->generation && w->state < WS_DRAINING)
			return;
	}
	if (plan_all_slots_ready(p)) {
		p->reload.active = 0;
		actions_push(a, A_NOTE, NULL, 0, N_RELOAD_DONE, NULL);
	}
}

/* Stop w if it should go: retiring with its replacement ready, above the
 * target, or a stop requested by a fact. */
static void
stop_one(struct pool *p, struct ctx *x, struct worker *w, int surge_ready)
{
	if (w->state >= WS_DRAINING)
		return;
	if (w->stop_reason == R_NONE && w->id > (int)p->target)
		w->stop_reason = R_SCALE;
	if (w->stop_reason == R_NONE && w->retire != R_NONE) {
		struct worker *r = slot_current(p, w->id);
		int	       go;

		if (w->retire == R_RELOAD && p->reload.active &&
		    p->reload.surge)
			go = surge_ready;
		else
			go = (r != NULL && r->state == WS_READY) ||
			    newer_ready(p, w);
		if (go || w->state != WS_READY) {
			w->stop_reason = w->retire;
			if (w->retire == R_RELOAD)
				p->reload.retired++;
		}
	}
	if (w->stop_reason != R_NONE)
		fire(x, w, PE_STOP, 0);
}

/* Stop what should go: retiring workers whose replacement is ready,
 * workers above the target, and stops requested by facts. */
static void
plan_stops(struct pool *p, struct ctx *x)
{
	size_t i;
	int    surge_ready = p->reload.surge ? plan_all_slots_ready(p) : 0;

	for (i = 0; i < p->n; i++)
		stop_one(p, x, p->w[i], surge_ready);
}

/* A cheap deterministic jitter in [0, max]: xorshift of a counter. */
static uint64_t
jitter(uint64_t seed, uint64_t max)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;

	if (max == 0)
		return 0;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x % (max + 1);
}

/* Spawn into free slot id; returns 0 when the run must stop spawning. */
static int
spawn_one(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a, unsigned id, unsigned *spawned, int *probing)
{
	struct worker *w;

	if (*probing)
		return 0;
	if (*spawned == PLAN_SPAWN_BATCH) {
		p->spawns_left = 1;
		return 0;
	}
	(*spawned)++;
	w = pool_add(p, (int)id, now);
	/* --boot-timeout 0: no limit, so no deadline. */
	w->deadline = t->boot_timeout_ms > 0 ? now + t->boot_timeout_ms : 0;
	if (t->max_requests > 0)
		w->request_limit = t->max_requests +
		    jitter(p->spawns_total, t->max_requests_jitter);
	if (p->reload.active)
		p->reload.started++;
	actions_push(a, A_SPAWN, w, 0, 0, NULL);
	if (p->failures > 0)
		*probing = 1;
	return 1;
}

/* Whether spawns wait: a backoff, which ends here once it has passed. */
static int
spawns_wait(struct pool *p, uint64_t now)
{
	p->spawns_left = 0;
	if (p->backoff_until > now)
		return 1;
	/* A backoff that has passed is over: only a probe that is still
	 * booting may hold spawns back now, and its own deadline or its
	 * readiness ends that. */
	p->backoff_until = 0;
	return 0;
}

static void
plan_spawns(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	unsigned       id, spawned = 0;
	unsigned char *held;
	size_t	       i;
	int	       probing = 0;

	if (spawns_wait(p, now))
		return;
	/* While failing, probe with one worker at a time. */
	if (p->failures > 0)
		for (i = 0; i < p->n; i++)
			if (plan_current(p->w[i]) && p->w[i]->state < WS_READY)
				probing = 1;
	held = plan_slots_held(p);
	for (id = 1; id <= p->target; id++) {
		if (held[id])
			continue;
		if (!spawn_one(p, t, now, a, id, &spawned, &probing))
			break;
	}
	free(held);
}

static void
earliest(uint64_t *best, uint64_t t)
{
	if (t != 0 && (*best == 0 || t < *best))
		*best = t;
}

/* The earliest time the run has something to do for w, 0 for none. */
uint64_t
plan_worker_due(const struct pool *p, uint64_t timeout_ms, uint64_t max_age_ms,
    uint64_t grace_ms, const struct worker *w)
{
	uint64_t best = 0;

	switch (w->state) {
	case WS_READY:
		if (timeout_ms > 0 && w->last_heartbeat != 0)
			earliest(&best, w->last_heartbeat + timeout_ms);
		if (max_age_ms > 0 && w->retire == R_NONE)
			earliest(&best, w->ready_at + max_age_ms);
		if (ends_crash_loop(p, w))
			earliest(&best, w->ready_at + PLAN_STABLE_MS);
		break;
	case WS_EXITED:
		break;
	case WS_SPAWNING:
	case WS_BOOTING:
		if (w->proving && w->stop_reason == R_NONE)
			earliest(&best, w->proving_since + grace_ms);
		earliest(&best, w->deadline);
		break;
	default:
		earliest(&best, w->deadline);
		break;
	}
	return best;
}

static void
plan_reload_fast(struct pool *p)
{
	struct pool_index *ix = &p->ix;
	unsigned	   in_progress = 0, id;
	size_t		   i;

	if (!p->reload.active || p->reload.surge)
		return;
	for (i = 0; i < ix->nleaving; i++) {
		struct worker *w = ix->leaving[i], *r;

		if (w->generation == p->generation || w->state >= WS_DRAINING ||
		    w->retire != R_RELOAD || w->stop_reason != R_NONE)
			continue;
		r = slot_current(p, w->id);
		if (r == NULL || r->state != WS_READY)
			in_progress++;
	}
	while (in_progress < p->reload.batch &&
	    (id = plan_index_next_slot(p, ix->old_bits, 1, 1)) != 0) {
		struct pool_slot *s = &ix->slot[id];
		struct worker	 *next = NULL;

		for (i = 0; i < s->n && next == NULL; i++)
			if (s->w[i]->generation != p->generation &&
			    plan_current(s->w[i]))
				next = s->w[i];
		if (next == NULL)
			break; /* cannot be: the bit says there is one */
		next->retire = R_RELOAD;
		pool_touch(p, next);
		plan_index_refresh(p);
		in_progress++;
	}
}

static void
plan_spawns_fast(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	struct pool_index *ix = &p->ix;
	unsigned	   id, spawned = 0;
	int		   probing;

	if (spawns_wait(p, now) || ix->held == p->target)
		return;
	probing = p->failures > 0 && ix->booting_current > 0;
	/* The bitmap is read as it was before this run's spawns, as a full
	 * pass reads slots_held once. */
	for (id = plan_index_next_slot(p, ix->held_bits, 0, 1); id != 0;
	     id = plan_index_next_slot(p, ix->held_bits, 0, id + 1))
		if (!spawn_one(p, t, now, a, id, &spawned, &probing))
			break;
}

/* The run when the index is current: the same phases as the full run,
 * over the workers that can act. */
static void
plan_run_fast(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a, struct ctx *x)
{
	struct pool_index *ix = &p->ix;
	struct worker	 **v = NULL;
	size_t		   i, n = 0, cap = 0;
	int		   reloading = p->reload.active, fast;

	/* Deadlines: the touched and the due, in pool order. */
	ix->runs++;
	for (i = 0; i < ix->ncand; i++) {
		ix->cand[i]->ix_cand = 0;
		if (ix->cand[i]->ix_mark != ix->runs) {
			ix->cand[i]->ix_mark = ix->runs;
			plan_index_push(&v, &n, &cap, ix->cand[i]);
		}
	}
	ix->ncand = 0;
	plan_index_refresh(p);
	plan_index_collect_due(ix, 0, now, &v, &n, &cap);
	plan_index_sort(v, n);
	for (i = 0; i < n; i++)
		deadline_one(p, t, now, x, v[i]);
	if (reloading && !p->reload.active)
		plan_deadlines(p, t, now, x);
	/* A failure counted, a crash loop ended, a reload failed: what the
	 * index counts changed for every worker. */
	fast = plan_index_built_for(p, t);
	if (fast) {
		plan_index_refresh(p);
		plan_reload_fast(p);
		plan_index_refresh(p);
		n = 0;
		for (i = 0; i < ix->nleaving; i++)
			plan_index_push(&v, &n, &cap, ix->leaving[i]);
		plan_index_sort(v, n);
		for (i = 0; i < n; i++)
			stop_one(p, x, v[i],
			    p->reload.surge ? ix->ready == p->target : 0);
		plan_index_refresh(p);
		plan_spawns_fast(p, t, now, a);
		plan_index_refresh(p);
		if (p->reload.active && ix->old_live == 0 &&
		    ix->ready == p->target) {
			p->reload.active = 0;
			actions_push(a, A_NOTE, NULL, 0, N_RELOAD_DONE, NULL);
		}
		if (!p->reached_target && p->target > 0 &&
		    ix->ready == p->target) {
			p->reached_target = 1;
			actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
		}
	} else {
		plan_reload(p);
		plan_stops(p, x);
		plan_spawns(p, t, now, a);
		plan_reload_done(p, a);
		if (!p->reached_target && p->target > 0 &&
		    plan_all_slots_ready(p)) {
			p->reached_target = 1;
			actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
		}
		plan_index_rebuild(p, t);
	}
	free(v);
}

void
plan_run(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	int	   reloading = p->reload.active;
	struct ctx x = { .p = p, .t = t, .now = now, .a = a };

	if (p->mode == PM_STOPPING) {
		p->ix.valid = 0;
		plan_shutdown(p, now, &x);
		return;
	}
	/* Memory samples written into the records are seen only by
	 * looking at every worker. */
	if (t->max_worker_memory_kb > 0 && !p->ix.sample_facts) {
		p->ix.valid = 0;
	} else if (plan_index_built_for(p, t)) {
		plan_run_fast(p, t, now, a, &x);
		return;
	}
	plan_deadlines(p, t, now, &x);
	/* A timeout that failed the reload gave the old workers back their
	 * own limits (age, memory): check those again. */
	if (reloading && !p->reload.active)
		plan_deadlines(p, t, now, &x);
	plan_reload(p);
	plan_stops(p, &x);
	plan_spawns(p, t, now, a);
	plan_reload_done(p, a);
	if (!p->reached_target && p->target > 0 && plan_all_slots_ready(p)) {
		p->reached_target = 1;
		actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
	}
	if (!(t->max_worker_memory_kb > 0 && !p->ix.sample_facts))
		plan_index_rebuild(p, t);
}

uint64_t
plan_next_deadline(struct pool *p, const struct pool_timing *t)
{
	uint64_t best = 0;
	size_t	 i;
	int	 missing = 0;
	unsigned id;

	if (plan_index_built_for(p, t)) {
		plan_index_refresh(p);
		if (p->ix.nheap > 0)
			best = p->ix.heap[0]->ix_due;
		missing = p->ix.held < p->target;
	} else {
		for (i = 0; i < p->n; i++)
			earliest(&best,
			    plan_worker_due(p, t->timeout_ms,
				t->max_worker_age_ms, t->readiness_grace_ms,
				p->w[i]));
		if (p->mode == PM_RUNNING && p->backoff_until != 0) {
			unsigned char *held = plan_slots_held(p);

			for (id = 1; id <= p->target && !missing; id++)
				if (!held[id])
					missing = 1;
			free(held);
		}
	}
	if (p->mode == PM_RUNNING && p->spawns_left)
		earliest(&best, 1);
	if (p->mode == PM_RUNNING && p->backoff_until != 0 && missing)
		earliest(&best, p->backoff_until);
	return best;
}
