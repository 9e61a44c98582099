/*
 * plan.c: the planner (see plan.h).  Pure: it reads the time only from its
 * argument and makes no system calls.  Order of a run: shutdown, deadlines,
 * recycling, reload progress, stops, spawns.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "gw/util.h"
#include "plan.h"

static int
alive(const struct worker *w)
{
	return w->state != WS_EXITED;
}

/* Not on its way out: counts as the slot's worker. */
static int
current(const struct worker *w)
{
	return w->state < WS_DRAINING && w->retire == R_NONE &&
	    w->stop_reason == R_NONE;
}

/* Being killed for hanging: the slot is refilled once it is gone, so a
 * crash loop of hangs still goes through the backoff. */
static int
holds_slot(const struct worker *w)
{
	return current(w) || (w->state == WS_KILLING &&
	    (w->stop_reason == R_TIMEOUT || w->stop_reason == R_BOOT_TIMEOUT));
}

static struct worker *
slot_current(const struct pool *p, int id)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (p->w[i]->id == id && current(p->w[i]))
			return p->w[i];
	return NULL;
}

/*
 * Which slots 1..target are held (holds_slot): one pass over the pool
 * instead of one per slot, so that a planner run stays linear in the pool
 * (a scan per slot made 2048 workers take 4.5 s to start, 72 % of it
 * here).  Returns a new array of target + 1 flags; index 0 is unused.
 */
static unsigned char *
slots_held(const struct pool *p)
{
	unsigned char	*held = xcalloc((size_t)p->target + 1, 1);
	size_t		 i;

	for (i = 0; i < p->n; i++) {
		const struct worker	*w = p->w[i];

		if (w->id >= 1 && (unsigned)w->id <= p->target &&
		    holds_slot(w))
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
	size_t	i;

	for (i = 0; i < p->n; i++) {
		const struct worker	*x = p->w[i];

		if (x != w && x->id == w->id && x->state == WS_READY &&
		    x->stop_reason == R_NONE && x->spawned_at >= w->spawned_at)
			return 1;
	}
	return 0;
}

/* Every slot 1..target has a ready current worker. */
/* Every slot 1..target has a current worker (its first in pool order,
 * as slot_current) that is ready.  One pass, like slots_held. */
static int
all_slots_ready(const struct pool *p)
{
	unsigned char	*seen;	/* 0: none yet, 1: ready, 2: not ready */
	unsigned	 id;
	size_t		 i;
	int		 ok = 1;

	seen = xcalloc((size_t)p->target + 1, 1);
	for (i = 0; i < p->n; i++) {
		const struct worker	*w = p->w[i];

		if (w->id >= 1 && (unsigned)w->id <= p->target &&
		    current(w) && seen[w->id] == 0)
			seen[w->id] = w->state == WS_READY ? 1 : 2;
	}
	for (id = 1; id <= p->target && ok; id++)
		if (seen[id] != 1)
			ok = 0;
	free(seen);
	return ok;
}

static void
send_stop(struct worker *w, int sig, uint64_t deadline, uint64_t now,
    struct actions *a)
{
	w->state = WS_DRAINING;
	w->state_since = now;
	w->deadline = deadline;
	w->stop_signal = sig;
	actions_push(a, A_SIGNAL, w, sig, N_STOP, NULL);
}

static void
send_kill(struct worker *w, int sig, uint64_t deadline, uint64_t now,
    struct actions *a, const char *why)
{
	if (w->state != WS_KILLING) {
		w->state = WS_KILLING;
		w->state_since = now;
	}
	w->deadline = deadline;
	w->stop_signal = sig;
	actions_push(a, A_SIGNAL, w, sig, N_KILL, why);
}

/*
 * Kill a hung worker (why: for the log; reason: GWD_REASON).  With a
 * worker_timeout hook the kill waits: the worker goes to killing unsignalled
 * and dumping, so that a stack dumper sees it as it hung, until the hook
 * ends (pool_on_dump_done) or its time limit passes.
 */
static void
kill_hung(struct worker *w, int sig, const struct pool_timing *t,
    uint64_t now, struct actions *a, const char *why, const char *reason)
{
	if (t->dump_hook && !w->dumped && w->pid > 0) {
		if (w->state != WS_KILLING) {
			w->state = WS_KILLING;
			w->state_since = now;
		}
		w->dumped = 1;
		w->dumping = 1;
		w->dump_sig = sig;
		w->dump_why = why;
		w->deadline = now + t->hook_timeout_ms;
		actions_push(a, A_NOTE, w, sig, N_DUMP, reason);
		return;
	}
	send_kill(w, sig, sig == SIGABRT ? now + PLAN_ABORT_GRACE_MS : 0, now,
	    a, why);
}

/* The hook has looked, or ran out of time (or a quick stop cannot wait):
 * the kill it held back. */
static void
kill_after_dump(struct worker *w, uint64_t now, struct actions *a)
{
	int	sig = w->dump_sig;

	w->dump_sig = 0;
	w->dumping = 0;
	send_kill(w, sig, sig == SIGABRT ? now + PLAN_ABORT_GRACE_MS : 0, now,
	    a, w->dump_why);
}

static void
plan_shutdown(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	size_t	i;
	int	left = 0;

	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (!alive(w))
			continue;
		left++;
		if (w->state < WS_DRAINING) {
			if (w->stop_reason == R_NONE || w->stop_reason ==
			    R_RELOAD || w->stop_reason == R_SCALE)
				w->stop_reason = R_SHUTDOWN;
			if (p->quick)
				send_stop(w, SIGINT, now + PLAN_QUICK_MS, now, a);
			else
				send_stop(w, t->stop_signal,
				    now + t->graceful_timeout_ms, now, a);
		} else if (w->state == WS_DRAINING && p->quick &&
		    w->deadline > now + PLAN_QUICK_MS) {
			/* A quick stop after a graceful one shortens it. */
			send_stop(w, SIGINT, now + PLAN_QUICK_MS, now, a);
		} else if (w->dump_sig != 0) {
			if (!w->dumping || now >= w->deadline || p->quick)
				kill_after_dump(w, now, a);
		} else if (w->deadline != 0 && now >= w->deadline) {
			if (w->state == WS_DRAINING && !p->quick)
				kill_hung(w, SIGKILL, t, now, a,
				    "did not stop in time", "graceful_timeout");
			else
				send_kill(w, SIGKILL, 0, now, a,
				    "did not stop in time");
		}
	}
	if (left == 0)
		actions_push(a, A_NOTE, NULL, 0, N_ALL_EXITED, NULL);
}

/* w, ready, may end a crash loop by staying up PLAN_STABLE_MS. */
static int
ends_crash_loop(const struct pool *p, const struct worker *w)
{
	return w->state == WS_READY && p->failures > 0 &&
	    w->ready_at >= p->last_failure_at;
}

/* A new worker of the reload in progress is being killed for a timeout:
 * the reload fails now, not once the worker is gone, so that its end
 * never waits on a process that does not die. */
static void
fail_reload(struct pool *p, struct worker *w, const char *why,
    struct actions *a)
{
	if (p->reload.active && w->generation == p->generation)
		pool_reload_abort(p, w, why, a);
}

/* Deadlines of every state, and the recycling limits of ready workers. */
static void
plan_deadlines(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		/* Its grace is over: ready, and checked as ready below. */
		if (w->proving && w->stop_reason == R_NONE &&
		    w->state < WS_READY &&
		    now >= w->proving_since + t->readiness_grace_ms)
			pool_on_proven(p, w, now, a);
		switch (w->state) {
		case WS_SPAWNING:
		case WS_BOOTING:
			if (w->deadline != 0 && now >= w->deadline) {
				w->stop_reason = R_BOOT_TIMEOUT;
				kill_hung(w, SIGKILL, t, now, a, "boot timeout",
				    "boot_timeout");
				/* A failure now, not at its exit: the slot
				 * is not refilled past the backoff meanwhile. */
				fail_reload(p, w, "a new worker did not "
				    "become ready in time", a);
				pool_count_failure(p, w, now, t, a);
			}
			break;
		case WS_READY:
			if (t->timeout_ms > 0 && w->last_heartbeat != 0 &&
			    now >= w->last_heartbeat + t->timeout_ms) {
				w->stop_reason = R_TIMEOUT;
				kill_hung(w, SIGABRT, t, now, a,
				    "heartbeat timeout", "timeout");
				fail_reload(p, w, "a new worker missed its "
				    "heartbeat", a);
				break;
			}
			if (w->retire != R_NONE || w->stop_reason != R_NONE)
				break;
			if (w->request_limit > 0 &&
			    w->requests >= w->request_limit)
				w->retire = R_RECYCLE_REQUESTS;
			else if (t->max_worker_age_ms > 0 &&
			    now - w->ready_at >= t->max_worker_age_ms)
				w->retire = R_RECYCLE_AGE;
			else if (t->max_worker_memory_kb > 0 &&
			    w->rss_kb > t->max_worker_memory_kb)
				w->retire = R_RECYCLE_MEMORY;
			break;
		case WS_DRAINING:
			if (w->deadline != 0 && now >= w->deadline)
				kill_hung(w, SIGKILL, t, now, a,
				    "graceful timeout", "graceful_timeout");
			break;
		case WS_KILLING:
			if (w->dump_sig != 0) {
				if (!w->dumping || now >= w->deadline)
					kill_after_dump(w, now, a);
			} else if (w->deadline != 0 && now >= w->deadline)
				send_kill(w, SIGKILL, 0, now, a,
				    "still running after SIGABRT");
			break;
		case WS_EXITED:
			break;
		}
		/* A worker that became ready since the last failure and has
		 * stayed up long enough ends a crash loop (one that was ready
		 * before proves nothing about the code that fails). */
		if (ends_crash_loop(p, w) && now - w->ready_at >=
		    PLAN_STABLE_MS) {
			p->failures = 0;
			p->backoff_until = 0;
		}
	}
}

/* Rolling reload: retire the next old workers, batch at a time. */
static void
plan_reload(struct pool *p)
{
	size_t	i;
	unsigned in_progress = 0;

	if (!p->reload.active)
		return;
	/* In progress: retiring, and its replacement is not ready yet (one
	 * that is ready lets plan_stops retire the old worker this run). */
	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i], *r;

		if (w->generation == p->generation || w->state >= WS_DRAINING ||
		    w->retire != R_RELOAD || w->stop_reason != R_NONE)
			continue;
		r = slot_current(p, w->id);
		if (r == NULL || r->state != WS_READY)
			in_progress++;
	}
	while (!p->reload.surge && in_progress < p->reload.batch) {
		struct worker	*next = NULL;

		for (i = 0; i < p->n; i++) {
			struct worker	*w = p->w[i];

			if (w->generation == p->generation || !current(w) ||
			    w->id > (int)p->target)
				continue;
			if (next == NULL || w->id < next->id)
				next = w;
		}
		if (next == NULL)
			break;
		next->retire = R_RELOAD;
		in_progress++;
	}
}

/* The reload is done when every old worker is on its way out and every
 * slot has a ready worker of the new generation. */
static void
plan_reload_done(struct pool *p, struct actions *a)
{
	size_t	i;

	if (!p->reload.active)
		return;
	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (w->generation != p->generation && w->state < WS_DRAINING)
			return;
	}
	if (all_slots_ready(p)) {
		p->reload.active = 0;
		actions_push(a, A_NOTE, NULL, 0, N_RELOAD_DONE, NULL);
	}
}

/* Stop what should go: retiring workers whose replacement is ready,
 * workers above the target, and stops requested by facts. */
static void
plan_stops(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	size_t	i;
	int	surge_ready = p->reload.surge ? all_slots_ready(p) : 0;

	for (i = 0; i < p->n; i++) {
		struct worker	*w = p->w[i];

		if (w->state >= WS_DRAINING)
			continue;
		if (w->stop_reason == R_NONE && w->id > (int)p->target)
			w->stop_reason = R_SCALE;
		if (w->stop_reason == R_NONE && w->retire != R_NONE) {
			struct worker	*r = slot_current(p, w->id);
			int		 go;

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
			send_stop(w, t->stop_signal,
			    now + t->graceful_timeout_ms, now, a);
	}
}

/* A cheap deterministic jitter in [0, max]: xorshift of a counter. */
static uint64_t
jitter(uint64_t seed, uint64_t max)
{
	uint64_t	x = seed * 0x9E3779B97F4A7C15ULL + 1;

	if (max == 0)
		return 0;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x % (max + 1);
}

static void
plan_spawns(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	unsigned	 id, spawned = 0;
	unsigned char	*held;
	size_t		 i;
	int		 probing = 0;

	p->spawns_left = 0;
	if (p->backoff_until > now)
		return;
	/* A backoff that has passed is over: only a probe that is still
	 * booting may hold spawns back now, and its own deadline or its
	 * readiness ends that. */
	p->backoff_until = 0;
	/* While failing, probe with one worker at a time. */
	if (p->failures > 0)
		for (i = 0; i < p->n; i++)
			if (current(p->w[i]) && p->w[i]->state < WS_READY)
				probing = 1;
	held = slots_held(p);
	for (id = 1; id <= p->target; id++) {
		struct worker	*w;

		if (held[id])
			continue;
		if (probing)
			break;
		if (spawned == PLAN_SPAWN_BATCH) {
			p->spawns_left = 1;
			break;
		}
		spawned++;
		w = pool_add(p, (int)id, now);
		/* --boot-timeout 0: no limit, so no deadline. */
		w->deadline = t->boot_timeout_ms > 0 ?
		    now + t->boot_timeout_ms : 0;
		if (t->max_requests > 0)
			w->request_limit = t->max_requests +
			    jitter(p->spawns_total, t->max_requests_jitter);
		if (p->reload.active)
			p->reload.started++;
		actions_push(a, A_SPAWN, w, 0, 0, NULL);
		if (p->failures > 0)
			probing = 1;
	}
	free(held);
}

void
plan_run(struct pool *p, const struct pool_timing *t, uint64_t now,
    struct actions *a)
{
	int	reloading = p->reload.active;

	if (p->mode == PM_STOPPING) {
		plan_shutdown(p, t, now, a);
		return;
	}
	plan_deadlines(p, t, now, a);
	/* A timeout that failed the reload gave the old workers back their
	 * own limits (age, memory): check those again. */
	if (reloading && !p->reload.active)
		plan_deadlines(p, t, now, a);
	plan_reload(p);
	plan_stops(p, t, now, a);
	plan_spawns(p, t, now, a);
	plan_reload_done(p, a);
	if (!p->reached_target && p->target > 0 && all_slots_ready(p)) {
		p->reached_target = 1;
		actions_push(a, A_NOTE, NULL, 0, N_POOL_FULL, NULL);
	}
}

static void
earliest(uint64_t *best, uint64_t t)
{
	if (t != 0 && (*best == 0 || t < *best))
		*best = t;
}

uint64_t
plan_next_deadline(const struct pool *p, const struct pool_timing *t)
{
	uint64_t	best = 0;
	size_t		i;
	int		missing = 0;
	unsigned	id;

	for (i = 0; i < p->n; i++) {
		const struct worker	*w = p->w[i];

		switch (w->state) {
		case WS_READY:
			if (t->timeout_ms > 0 && w->last_heartbeat != 0)
				earliest(&best, w->last_heartbeat +
				    t->timeout_ms);
			if (t->max_worker_age_ms > 0 && w->retire == R_NONE)
				earliest(&best, w->ready_at +
				    t->max_worker_age_ms);
			if (ends_crash_loop(p, w))
				earliest(&best, w->ready_at + PLAN_STABLE_MS);
			break;
		case WS_EXITED:
			break;
		case WS_SPAWNING:
		case WS_BOOTING:
			if (w->proving && w->stop_reason == R_NONE)
				earliest(&best, w->proving_since +
				    t->readiness_grace_ms);
			earliest(&best, w->deadline);
			break;
		default:
			earliest(&best, w->deadline);
			break;
		}
	}
	if (p->mode == PM_RUNNING && p->spawns_left)
		earliest(&best, 1);
	if (p->mode == PM_RUNNING && p->backoff_until != 0) {
		unsigned char	*held = slots_held(p);

		for (id = 1; id <= p->target && !missing; id++)
			if (!held[id])
				missing = 1;
		free(held);
		if (missing)
			earliest(&best, p->backoff_until);
	}
	return best;
}
