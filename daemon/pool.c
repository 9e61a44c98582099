/*
 * pool.c: worker records, and the facts recorded into them (pool.h).
 * Pure: no system calls, time comes from the callers.  Every fact is handed
 * to the planner's transition table (plan_event); what a fact means and
 * what to do next belong to plan.c.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gw/util.h"
#include "notify_msg.h"
#include "plan.h"
#include "pool.h"

#define BACKOFF_BASE_MS 100

static const char *reason_names[] = {
	[R_NONE] = "none",
	[R_CRASH] = "crash",
	[R_EXIT] = "exit",
	[R_BOOT_FAILED] = "boot_failed",
	[R_BOOT_TIMEOUT] = "boot_timeout",
	[R_TIMEOUT] = "timeout",
	[R_RELOAD] = "reload",
	[R_SCALE] = "scale",
	[R_RECYCLE_REQUESTS] = "recycle_requests",
	[R_RECYCLE_AGE] = "recycle_age",
	[R_RECYCLE_MEMORY] = "recycle_memory",
	[R_RECYCLE_REQUESTED] = "recycle_requested",
	[R_KILLED] = "killed",
	[R_SHUTDOWN] = "shutdown",
};

static const char *state_names[] = {
	[WS_SPAWNING] = "spawning",
	[WS_BOOTING] = "booting",
	[WS_READY] = "ready",
	[WS_DRAINING] = "draining",
	[WS_KILLING] = "killing",
	[WS_EXITED] = "exited",
};

const char *
pool_reason_name(enum reason r)
{
	return reason_names[r];
}

const char *
pool_state_name(enum wstate s)
{
	return state_names[s];
}

void
pool_init(struct pool *p, unsigned target, unsigned generation)
{
	memset(p, 0, sizeof *p);
	p->target = target;
	p->generation = p->gen_counter = generation;
	p->mode = PM_RUNNING;
}

void
pool_free(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->w[i]);
	free(p->w);
	free(p->slot_restarts);
	plan_index_free(p);
	memset(p, 0, sizeof *p);
}

struct worker *
pool_add(struct pool *p, int id, uint64_t now)
{
	struct worker *w = xcalloc(1, sizeof *w);

	if ((size_t)id >= p->nslots) {
		size_t n = (size_t)id + 16;

		p->slot_restarts = xreallocarray(p->slot_restarts, n,
		    sizeof *p->slot_restarts);
		memset(p->slot_restarts + p->nslots, 0,
		    (n - p->nslots) * sizeof *p->slot_restarts);
		p->nslots = n;
	}
	w->id = id;
	w->generation = p->generation;
	w->state = WS_SPAWNING;
	w->spawned_at = w->state_since = now;
	w->exit_status = -1;
	w->restarts = p->slot_restarts[id]++;
	p->w = xreallocarray(p->w, p->n + 1, sizeof *p->w);
	p->w[p->n++] = w;
	p->spawns_total++;
	plan_index_add(p, w);
	return w;
}

struct worker *
pool_find_pid(struct pool *p, pid_t pid)
{
	struct worker *w;
	size_t	       i;
	int	       known;

	if (pid <= 0)
		return NULL;
	w = plan_index_find_pid(p, pid, &known);
	if (known && w != NULL)
		return w;
	/* Not in the index (it is being rebuilt, or the pid is a
	 * grandchild's): look at every worker. */
	for (i = 0; i < p->n; i++)
		if (p->w[i]->pid == pid && p->w[i]->state != WS_EXITED)
			return p->w[i];
	return NULL;
}

struct worker *
pool_find_id(struct pool *p, int id)
{
	struct worker *best = NULL;
	size_t	       i;

	for (i = 0; i < p->n; i++) {
		struct worker *w = p->w[i];

		if (w->id != id || w->state == WS_EXITED || w->pid <= 0)
			continue;
		if (best == NULL || w->spawned_at >= best->spawned_at)
			best = w;
	}
	return best;
}

void
pool_set_state(struct worker *w, enum wstate s, uint64_t now)
{
	if (w->state == s)
		return;
	w->state = s;
	w->state_since = now;
}

void
pool_on_forked(struct pool *p, struct worker *w, pid_t pid, uint64_t now,
    struct actions *a)
{
	(void)now;
	plan_index_forked(p, w, pid);
	w->pid = pid;
	actions_push(a, A_NOTE, w, 0, N_SPAWN, NULL);
}

void
pool_on_exec_ok(struct pool *p, struct worker *w, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	plan_event(p, w, PE_EXEC_OK, 0, now, t, a);
}

void
pool_on_readiness(struct pool *p, struct worker *w, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	plan_event(p, w, PE_READINESS, 0, now, t, a);
}

uint64_t
pool_backoff_delay(unsigned failures, uint64_t max_ms)
{
	uint64_t d = BACKOFF_BASE_MS;
	unsigned i;

	if (failures == 0)
		return 0;
	for (i = 1; i < failures && d < max_ms; i++)
		d *= 2;
	return d < max_ms ? d : max_ms;
}

void
pool_on_spawn_failed(struct pool *p, struct worker *w, int err, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	plan_event(p, w, PE_SPAWN_FAILED, (uint64_t)err, now, t, a);
}

struct worker *
pool_on_exit(struct pool *p, pid_t pid, int status, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	struct worker *w = pool_find_pid(p, pid);

	if (w == NULL)
		return NULL;
	if (WIFSIGNALED(status)) {
		w->exit_signal = WTERMSIG(status);
		w->exit_status = -1;
	} else {
		w->exit_status = WEXITSTATUS(status);
		w->exit_signal = 0;
	}
	plan_event(p, w, PE_EXIT, (uint64_t)(unsigned)status, now, t, a);
	return w;
}

void
pool_on_notify(struct pool *p, struct worker *w, const struct notify_msg *m,
    uint64_t now, const struct pool_timing *t, struct actions *a)
{
	if (w->state == WS_EXITED)
		return;
	pool_touch(p, w);
	if (m->has_status)
		gw_strlcpy(w->status, m->status, sizeof w->status);
	if (m->has_requests) {
		w->requests = m->requests;
		w->reports_requests = 1;
	}
	if (m->stopping)
		w->self_stopping = 1;
	if (m->watchdog && t->timeout_ms > 0)
		w->last_heartbeat = now;
	if (m->ready && t->readiness_notify)
		plan_event(p, w, PE_READINESS, 0, now, t, a);
	if (m->has_extend)
		plan_event(p, w, PE_EXTEND, now + m->extend_usec / 1000, now, t,
		    a);
	if (m->recycle)
		plan_event(p, w, PE_RECYCLE_ASKED, 0, now, t, a);
}

void
pool_on_dump_done(struct pool *p, struct worker *w, uint64_t now)
{
	if (w == NULL)
		return;
	plan_event(p, w, PE_HOOK_DONE, 0, now, NULL, NULL);
}

void
pool_on_kill_request(struct pool *p, struct worker *w, int sig, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	plan_event(p, w, PE_KILL_ASKED, (uint64_t)sig, now, t, a);
}

void
pool_on_logs_reopened(struct pool *p, int sig, uint64_t now,
    const struct pool_timing *t, struct actions *a)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		plan_event(p, p->w[i], PE_LOGS_REOPENED, (uint64_t)sig, now, t,
		    a);
}

unsigned
pool_set_target(struct pool *p, unsigned target)
{
	unsigned prev = p->target;

	p->target = target;
	return prev;
}

unsigned
pool_start_reload(struct pool *p, int surge, unsigned batch, uint64_t now)
{
	p->reload.active = 1;
	p->reload.surge = surge;
	p->reload.batch = batch ? batch : 1;
	p->reload.old_generation = p->generation;
	p->reload.started_at = now;
	p->reload.started = p->reload.retired = 0;
	p->generation = ++p->gen_counter;
	plan_reload_started(p);
	return p->generation;
}

void
pool_shutdown(struct pool *p, int quick)
{
	p->mode = PM_STOPPING;
	p->quick = quick;
	plan_shutdown_started(p);
}

void
pool_mark_killed(struct pool *p, struct worker *w)
{
	pool_touch(p, w);
	w->killed = 1;
}

void
pool_on_sample(struct pool *p, struct worker *w, uint64_t rss_kb, double cpu_s,
    uint64_t now)
{
	p->ix.sample_facts = 1;
	pool_touch(p, w);
	w->rss_kb = rss_kb;
	w->cpu_s = cpu_s;
	w->sampled_at = now;
}

static void
push_worker(struct worker ***v, size_t *n, size_t *cap, struct worker *w)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = w;
}

void
pool_touch(struct pool *p, struct worker *w)
{
	struct pool_index *ix = &p->ix;

	if (!ix->valid)
		return; /* the next run rebuilds it all */
	if (!w->ix_stale) {
		w->ix_stale = 1;
		push_worker(&ix->stale, &ix->nstale, &ix->capstale, w);
	}
	if (!w->ix_cand) {
		w->ix_cand = 1;
		push_worker(&ix->cand, &ix->ncand, &ix->capcand, w);
	}
}

void
pool_reindex(struct pool *p)
{
	p->ix.valid = 0;
}

void
pool_gc(struct pool *p)
{
	size_t i, j = 0;

	if (!plan_index_gc(p))
		return; /* nothing exited */

	for (i = 0; i < p->n; i++) {
		if (p->w[i]->state == WS_EXITED)
			free(p->w[i]);
		else
			p->w[j++] = p->w[i];
	}
	p->n = j;
}

void
pool_count(const struct pool *p, struct pool_counts *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < p->n; i++) {
		switch (p->w[i]->state) {
		case WS_SPAWNING:
		case WS_BOOTING:
			c->booting++;
			break;
		case WS_READY:
			c->ready++;
			break;
		case WS_DRAINING:
		case WS_KILLING:
			c->draining++;
			break;
		case WS_EXITED:
			continue;
		}
		c->total++;
	}
}
