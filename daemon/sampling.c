/*
 * sampling.c: the periodic /proc sample of the workers (facts for the
 * planner and rows for the stats writer), and the table of the last scan
 * that read-only requests show.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gw/util.h"
#include "pool.h"
#include "procfs.h"
#include "sampling.h"
#include "stats.h"
#include "supervisor.h"

/* One worker's usage in the last scan that found it. */
struct usage {
	pid_t		 pid;
	int		 id;
	uint64_t	 rss_kb;
	double		 cpu_s;
	uint64_t	 at;		/* monotonic ms of that scan */
};

static struct {
	struct event_base	*base;
	struct pool		*pool;
	pid_t			 master;
	void			(*sampled)(void);
	struct event		*timer;
	struct usage		*v;	/* sorted by pid */
	size_t			 n;
} smp;

static int
usage_cmp(const void *a, const void *b)
{
	pid_t	x = ((const struct usage *)a)->pid;
	pid_t	y = ((const struct usage *)b)->pid;

	return x < y ? -1 : x > y;
}

static const struct usage *
usage_find(const struct worker *w)
{
	struct usage		 key;
	const struct usage	*u;

	if (w->pid <= 0 || smp.n == 0)
		return NULL;
	key.pid = w->pid;
	u = bsearch(&key, smp.v, smp.n, sizeof *smp.v, usage_cmp);
	return u != NULL && u->id == w->id ? u : NULL;
}

/*
 * One pass over gwd's subtree in /proc, whatever the pool size: the
 * table gets, for every live worker it found, its tree's usage as of
 * now; a live worker it did not find keeps its older entry; entries of
 * workers that are gone are dropped.
 */
static void
sample_scan(uint64_t now)
{
	struct procfs_table	 t = { NULL, 0, 0 };
	struct procfs_usage	*u;
	struct usage		*nv;
	const struct usage	*old;
	pid_t			*roots;
	size_t			 i, n = 0;

	roots = xcalloc(smp.pool->n + 1, sizeof *roots);
	u = xcalloc(smp.pool->n + 1, sizeof *u);
	for (i = 0; i < smp.pool->n; i++)
		if (smp.pool->w[i]->state != WS_EXITED)
			roots[i] = smp.pool->w[i]->pid;
	/* gwd's own subtree: as subreaper it holds every worker's tree. */
	if (procfs_table_read_tree(&t, smp.master) == 0)
		procfs_tree_usage(&t, roots, smp.pool->n, smp.master, u);
	nv = xcalloc(smp.pool->n + 1, sizeof *nv);
	for (i = 0; i < smp.pool->n; i++) {
		const struct worker	*w = smp.pool->w[i];

		if (roots[i] <= 0)
			continue;
		if (u[i].procs > 0) {
			nv[n].pid = w->pid;
			nv[n].id = w->id;
			nv[n].rss_kb = u[i].rss_kb;
			nv[n].cpu_s = u[i].cpu_s;
			nv[n++].at = now;
		} else if ((old = usage_find(w)) != NULL)
			nv[n++] = *old;
	}
	qsort(nv, n, sizeof *nv, usage_cmp);
	free(smp.v);
	smp.v = nv;
	smp.n = n;
	procfs_table_free(&t);
	free(u);
	free(roots);
}

int
sampling_usage(const struct worker *w, uint64_t now, uint64_t fresh,
    uint64_t *rss_kb, double *cpu_s)
{
	const struct usage	*u = usage_find(w);

	if (u == NULL || now < u->at || now - u->at > fresh)
		return 0;
	*rss_kb = u->rss_kb;
	*cpu_s = u->cpu_s;
	return 1;
}

uint64_t
sampling_refresh(void)
{
	const struct gw_config	*cfg = supervisor_config();
	uint64_t		 now = gw_now_ms();
	uint64_t		 fresh = cfg->stats_interval_ms > 1000 ?
				     cfg->stats_interval_ms : 1000;
	size_t			 i;

	/* The last scan if it is recent: a scan of /proc on every
	 * request would stall the loop.  Otherwise one scan for all. */
	for (i = 0; i < smp.pool->n; i++) {
		const struct worker	*w = smp.pool->w[i];
		const struct usage	*u;

		if (w->state != WS_EXITED && w->pid > 0 &&
		    ((u = usage_find(w)) == NULL || now - u->at > fresh)) {
			sample_scan(now);
			break;
		}
	}
	return fresh;
}

/* Resident memory and CPU of every worker; feeds memory recycling. */
static void
sample_fire(evutil_socket_t fd, short what, void *arg)
{
	struct stats_worker_sample	*ws;
	struct stats_sample		 s;
	struct pool_counts		 c;
	struct procfs_usage		 mu;
	const struct usage		*u;
	size_t				 i, n = 0;
	uint64_t			 now;

	(void)fd;
	(void)what;
	(void)arg;
	ws = xcalloc(smp.pool->n + 1, sizeof *ws);
	memset(&s, 0, sizeof s);
	s.requests = UINT64_MAX;	/* NULL unless some worker reports */
	now = gw_now_ms();
	sample_scan(now);
	for (i = 0; i < smp.pool->n; i++) {
		struct worker	*w = smp.pool->w[i];

		if (w->pid <= 0 || w->state == WS_EXITED ||
		    (u = usage_find(w)) == NULL || u->at != now)
			continue;
		/* The facts the planner reads (memory recycling). */
		w->rss_kb = u->rss_kb;
		w->cpu_s = u->cpu_s;
		w->sampled_at = now;
		ws[n].worker_id = w->id;
		ws[n].pid = w->pid;
		ws[n].generation = w->generation;
		ws[n].state = pool_state_name(w->state);
		ws[n].rss_kb = w->rss_kb;
		ws[n].cpu_s = w->cpu_s;
		ws[n].requests = w->reports_requests ? w->requests :
		    UINT64_MAX;
		s.workers_rss_kb += w->rss_kb;
		s.workers_cpu_s += w->cpu_s;
		if (w->reports_requests)
			s.requests = (s.requests == UINT64_MAX ? 0 :
			    s.requests) + w->requests;
		n++;
	}
	if (stats_enabled()) {
		pool_count(smp.pool, &c);
		s.ts = gw_wall_time();
		s.generation = smp.pool->generation;
		s.target = smp.pool->target;
		s.ready = c.ready;
		s.booting = c.booting;
		s.draining = c.draining;
		if (procfs_usage(smp.master, &mu) == 0)
			s.master_rss_kb = mu.rss_kb;
		stats_sample(&s, ws, n);
	}
	free(ws);
	sampling_arm();	/* a one-shot timer: the next sample */
	smp.sampled();
}

void
sampling_start(struct event_base *base, struct pool *pool, pid_t master,
    void (*sampled)(void))
{
	smp.base = base;
	smp.pool = pool;
	smp.master = master;
	smp.sampled = sampled;
	smp.timer = evtimer_new(base, sample_fire, NULL);
}

void
sampling_arm(void)
{
	const struct gw_config	*cfg = supervisor_config();
	struct timeval		 tv;
	uint64_t		 ms = cfg->stats_interval_ms;

	/* Only wake when someone needs the numbers. */
	if ((cfg->max_worker_memory == 0 && !stats_enabled()) || ms == 0) {
		event_del(smp.timer);
		return;
	}
	tv = gw_ms_to_timeval(ms);
	event_add(smp.timer, &tv);
}

void
sampling_stop(void)
{
	if (smp.timer != NULL)
		event_free(smp.timer);
	smp.timer = NULL;
	free(smp.v);
	smp.v = NULL;
	smp.n = 0;
}
